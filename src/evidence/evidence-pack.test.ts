import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { hashEntry } from '../audit/audit-chain.js';
import { signCheckpoint, parseCheckpoint } from '../audit/audit-checkpoint.js';
import { checkInclusionProof } from '../audit/audit-offline-proofs.js';
import { loadAuditSigner } from '../audit/audit-signer.js';
import { features, post, seeded } from '../monitoring/monitoring.test-helper.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { registerEvidenceCommands } from './evidence.command.js';
import { readTrustedKey, verifyPack } from './pack-verify.js';
import type { PackManifest } from './pack-manifest.js';

const V = '/api/v1/models/credit/versions/1.0.0';

async function exportPack(h: WorkflowHarness, body: Record<string, unknown>, token?: string) {
  const res = await fetch(`${h.s.url}/api/v1/evidence-packs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token ?? h.s.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describeEachBackend('evidence packs', (backend) => {
  let h: WorkflowHarness;
  let pack: Uint8Array;
  let trustedPem: string;
  let tmp: string;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-pack-'));
    await h.createModel('credit', 1, { team: 'risk', intendedUse: 'Scores retail loan applications.' });
    await h.createVersion('credit', '1.0.0', {
      metrics: { accuracy: 0.9, precision: 0.9, recall: 0.9, brier: 0.1 },
    });
    await h.s.api('PUT', `${V}/model-card/sections/limitations`, {
      body: { text: 'Thin-file applicants score poorly.' },
    });
    await h.storeRun('credit', '1.0.0', 'full', true);
    const dep = await h.s.api('POST', `${V}/deployments`, {
      body: { environment: 'shadow', target: 'scoring-api' },
    });
    h.clock.now = new Date('2026-03-04T09:00:00.000Z');
    const rng = seeded(3);
    await post(
      h.s,
      `${V}/inferences`,
      Array.from({ length: 200 }, (_, i) => ({
        id: `r${i}`,
        timestamp: '2026-03-03T10:00:00Z',
        features: features(rng),
        prediction: i % 2,
        score: i % 2 ? 0.8 : 0.2,
      })),
    );
    await post(
      h.s,
      `${V}/labels`,
      Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, label: i % 2 })),
    );
    const periodic = await h.s.api('POST', '/api/v1/reports', {
      body: { kind: 'periodic', model: 'credit', from: '2026-03-01T00:00:00Z', to: '2026-03-04T00:00:00Z' },
    });
    expect(periodic.status).toBe(201);
    const pir = await h.s.api('POST', '/api/v1/reports', {
      body: { kind: 'post-implementation-review', deploymentId: dep.body.id },
    });
    expect(pir.status).toBe(201);
    trustedPem = loadAuditSigner(h.s.ctx.config.dataDir, h.s.ctx.config.auditSigningKey).publicKeyPem;
    const compliance = await h.as('cora', ['compliance']);
    const res = await exportPack(h, { model: 'credit', framework: 'eu-ai-act' }, compliance);
    expect(res.status).toBe(200);
    pack = res.bytes;
  });
  afterAll(async () => {
    await h.s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const key = () => readTrustedKey(trustedPem);
  const unpack = () => unzipSync(pack);
  const manifestOf = (files: Record<string, Uint8Array>) =>
    JSON.parse(strFromU8(files['manifest.json']!)) as PackManifest;
  /** Re-signs a changed manifest with Warden's own key (as if the signer were compromised or the proof forged before signing). */
  const resign = (files: Record<string, Uint8Array>, manifest: PackManifest) => {
    const bytes = Buffer.from(JSON.stringify(manifest));
    files['manifest.json'] = bytes;
    files['manifest.sig'] = strToU8(loadAuditSigner(h.s.ctx.config.dataDir).sign(bytes));
    return zipSync(files);
  };

  it('holds documents, raw records and proofs, maps Annex IV and Article 72, lists gaps, and verifies intact', () => {
    const files = unpack();
    const manifest = manifestOf(files);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'documents/model-card.html',
        'records/audit-entries.ndjson',
        'proofs/inclusion.ndjson',
        'manifest.sig',
      ]),
    );
    expect(manifest.items.map((i) => i.id)).toEqual([
      'annex-iv-1',
      'annex-iv-2',
      'annex-iv-3',
      'annex-iv-4',
      'annex-iv-5',
      'annex-iv-6',
      'annex-iv-7',
      'annex-iv-8',
      'annex-iv-9',
      'article-72',
    ]);
    expect(manifest.gaps.map((g) => g.id)).toEqual(['annex-iv-7', 'annex-iv-8']);
    expect(
      manifest.items
        .find((i) => i.id === 'article-72')!
        .files.some((f) => f.startsWith('documents/reports/')),
    ).toBe(true);
    expect(manifest.citedEntries.count).toBeGreaterThan(5);
    const verdict = verifyPack(pack, key());
    expect(verdict).toMatchObject({ ok: true, proofs: manifest.citedEntries.count });
  });

  it('names a changed byte in any file, a removed file and an added file', () => {
    for (const target of ['records/model.json', 'documents/model-card.html', 'proofs/inclusion.ndjson']) {
      const files = unpack();
      const bytes = files[target]!;
      bytes[10] = bytes[10]! ^ 1;
      expect(verifyPack(zipSync(files), key())).toEqual({
        ok: false,
        problem: `${target}: SHA-256 differs from the manifest (the file was changed)`,
      });
    }
    const removed = unpack();
    delete removed['records/deployments.json'];
    expect(verifyPack(zipSync(removed), key())).toEqual({
      ok: false,
      problem: 'records/deployments.json: listed in the manifest but missing from the pack (removed)',
    });
    const added = unpack();
    added['records/extra.json'] = strToU8('{}');
    expect(verifyPack(zipSync(added), key())).toEqual({
      ok: false,
      problem: 'records/extra.json: not listed in the manifest (a file was added)',
    });
  });

  it('refuses a manifest changed or signed by another key', () => {
    const other = generateKeyPairSync('ed25519');
    const files = unpack();
    const manifest = manifestOf(files);
    manifest.gaps = [];
    const bytes = Buffer.from(JSON.stringify(manifest));
    files['manifest.json'] = bytes;
    files['manifest.sig'] = strToU8(sign(null, bytes, other.privateKey).toString('base64'));
    const verdict = verifyPack(zipSync(files), key());
    expect(verdict).toEqual({
      ok: false,
      problem:
        'manifest.sig: the manifest is not signed by the trusted key (changed, or signed by another key)',
    });
    // The intact pack, checked against a key the verifier does not trust, fails the same way.
    expect(verifyPack(pack, other.publicKey).ok).toBe(false);
  });

  it('refuses a proof that does not lead to the signed head, and an entry altered with its proof', () => {
    const files = unpack();
    const manifest = manifestOf(files);
    const lines = strFromU8(files['proofs/inclusion.ndjson']!).trim().split('\n');
    const proof = JSON.parse(lines[0]!) as { seq: number; path: string[] };
    proof.path[0] = proof.path[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    lines[0] = JSON.stringify(proof);
    files['proofs/inclusion.ndjson'] = strToU8(`${lines.join('\n')}\n`);
    const entryFile = manifest.files.find((f) => f.path === 'proofs/inclusion.ndjson')!;
    entryFile.sha256 = createHash('sha256').update(files['proofs/inclusion.ndjson']).digest('hex');
    expect(verifyPack(resign(files, manifest), key())).toEqual({
      ok: false,
      problem: `audit entry ${proof.seq}: inclusion proof does not lead to the signed audit tree head (size ${manifest.auditTree.size})`,
    });

    // An entry rewritten with a recomputed chain hash still fails its inclusion proof.
    const again = unpack();
    const m2 = manifestOf(again);
    const entries = strFromU8(again['records/audit-entries.ndjson']!)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Parameters<typeof hashEntry>[0] & { hash: string });
    const cited = JSON.parse(strFromU8(again['proofs/inclusion.ndjson']!).split('\n')[0]!) as { seq: number };
    const e = entries.find((x) => x.seq === cited.seq)!;
    e.actor = 'mallory';
    e.hash = hashEntry(e);
    again['records/audit-entries.ndjson'] = strToU8(`${entries.map((x) => JSON.stringify(x)).join('\n')}\n`);
    m2.files.find((f) => f.path === 'records/audit-entries.ndjson')!.sha256 = createHash('sha256')
      .update(again['records/audit-entries.ndjson'])
      .digest('hex');
    expect(verifyPack(resign(again, m2), key())).toMatchObject({
      ok: false,
      problem: expect.stringContaining(`audit entry ${cited.seq}: inclusion proof does not lead`),
    });
  });

  it('proves its entries against the audit log’s own signed checkpoint, with the paths the audit API gives', async () => {
    const files = unpack();
    const manifest = manifestOf(files);
    expect(manifest.auditTree.checkpoint).toBe('proofs/checkpoint.txt');
    const note = strFromU8(files['proofs/checkpoint.txt']!);
    const checkpoint = parseCheckpoint(note);
    expect(checkpoint.size).toBe(manifest.auditTree.size);
    expect(checkpoint.rootHash.toString('hex')).toBe(manifest.auditTree.rootHash);
    // The checkpoint is one the audit log signed and stored, not a root of the pack's own.
    const stored = await h.s.ctx.db
      .selectFrom('audit_checkpoints')
      .selectAll()
      .where('seq', '=', checkpoint.size)
      .execute();
    expect(stored.map((r) => r.note)).toContain(note);
    const entries = new Map(
      strFromU8(files['records/audit-entries.ndjson']!)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown> & { seq: number; change: string })
        .map((e) => [e.seq, e]),
    );
    const proofs = strFromU8(files['proofs/inclusion.ndjson']!)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; leafIndex: number; treeSize: number; path: string[] });
    for (const p of proofs.slice(0, 5)) {
      // The audit API's proof for the same entry and tree size has the same path.
      const api = await h.s.api('GET', `/api/v1/audit/entries/${p.seq}/proof?treeSize=${p.treeSize}`);
      expect(api.status).toBe(200);
      expect(api.body.hashes).toEqual(p.path);
      // And the audit log's offline checker accepts it against the checkpoint, signed by the trusted key.
      const e = entries.get(p.seq)!;
      const report = checkInclusionProof({
        checkpoint,
        proof: { treeSize: p.treeSize, leafIndex: p.leafIndex, leafHash: api.body.leafHash, hashes: p.path },
        entry: { ...e, change: JSON.parse(e.change) as unknown },
        trustedPublicKeys: [trustedPem],
      });
      expect(report).toMatchObject({ ok: true, authenticated: true });
    }
  });

  it('refuses a checkpoint signed by another key, or one for another tree than the manifest states', () => {
    const other = generateKeyPairSync('ed25519');
    const files = unpack();
    const manifest = manifestOf(files);
    const real = parseCheckpoint(strFromU8(files['proofs/checkpoint.txt']!));
    const swap = (note: string) => {
      files['proofs/checkpoint.txt'] = strToU8(note);
      manifest.files.find((f) => f.path === 'proofs/checkpoint.txt')!.sha256 = createHash('sha256')
        .update(note)
        .digest('hex');
      return resign(files, manifest);
    };
    const forged = signCheckpoint(
      { origin: real.origin, size: real.size, rootHash: real.rootHash },
      real.origin,
      other.privateKey,
    );
    expect(verifyPack(swap(forged), key())).toEqual({
      ok: false,
      problem: 'proofs/checkpoint.txt: the audit checkpoint is not signed by the trusted key',
    });
    const signer = loadAuditSigner(h.s.ctx.config.dataDir);
    const smaller = signer.signTreeHead(real.size - 1, Buffer.alloc(32, 7));
    expect(verifyPack(swap(smaller), key())).toEqual({
      ok: false,
      problem: `proofs/checkpoint.txt: the checkpoint (size ${real.size - 1}) is not the tree the manifest states (size ${real.size})`,
    });
  });

  it('verifies on the command line with no Warden data: exit 0 intact, exit 6 naming the problem', async () => {
    const file = path.join(tmp, 'pack.zip');
    const keyFile = path.join(tmp, 'key.pem');
    fs.writeFileSync(file, pack);
    fs.writeFileSync(keyFile, trustedPem);
    const ok = await runCommandsInProcess(
      registerEvidenceCommands,
      ['evidence', 'verify', file, '--trusted-key', keyFile],
      {},
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('intact');
    const files = unpack();
    const model = files['records/model.json']!;
    model[5] = model[5]! ^ 1;
    fs.writeFileSync(file, zipSync(files));
    const bad = await runCommandsInProcess(
      registerEvidenceCommands,
      ['evidence', 'verify', file, '--trusted-key', keyFile],
      {},
    );
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain('records/model.json: SHA-256 differs from the manifest');
  });

  it('refuses an unknown framework naming the field, and roles that may not export', async () => {
    const bad = await h.s.api('POST', '/api/v1/evidence-packs', {
      body: { model: 'credit', framework: 'sox' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('framework');
    const ds = await h.as('dana', ['data-scientist']);
    expect((await exportPack(h, { model: 'credit', framework: 'sr-26-2' }, ds)).status).toBe(403);
    const auditor = await h.as('audrey', ['auditor']);
    const nist = await exportPack(h, { model: 'credit', framework: 'nist-ai-rmf' }, auditor);
    expect(nist.status).toBe(200);
    expect(verifyPack(nist.bytes, key()).ok).toBe(true);
    expect((await exportPack(h, { model: 'ghost', framework: 'iso-42001' })).status).toBe(404);
  });
});

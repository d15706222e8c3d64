import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { signerFromKey } from './audit-signer.js';
import { registerAuditCommands } from './audit.command.js';

// An independent RFC 6962 §2.1 implementation (recursive MTH and PATH), to build proofs the
// offline checks must accept or refuse without using the code under test.
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leaf = (d: Buffer) => sha(Buffer.from([0]), d);
const node = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
const mth = (d: Buffer[]): Buffer =>
  d.length === 1 ? leaf(d[0]!) : node(mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
const pathOf = (m: number, d: Buffer[]): Buffer[] => {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s
    ? [...pathOf(m, d.slice(0, s)), mth(d.slice(s))]
    : [...pathOf(m - s, d.slice(s)), mth(d.slice(0, s))];
};

describeEachBackend('offline audit proofs and key rotation', (backend) => {
  let server: TestServer;
  let dir: string;
  beforeEach(async () => {
    server = await startTestServer(backend);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-proofs-'));
    for (let i = 0; i < 6; i++)
      expect(
        (await server.api('POST', '/api/v1/models', { body: { name: `p${i}`, owner: 'o', riskTier: 3 } }))
          .status,
      ).toBe(201);
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, content: unknown) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  const warden = (args: string[]) =>
    runCommandsInProcess(registerAuditCommands, args, {
      WARDEN_URL: server.url,
      WARDEN_TOKEN: server.adminToken,
    });
  const checkpointText = async () =>
    (await server.api('GET', '/api/v1/audit/checkpoint')).body.note as string;
  const storeFlags = () =>
    server.store.databaseUrl
      ? ['--database-url', server.store.databaseUrl, '--data-dir', server.store.dataDir]
      : ['--data-dir', server.store.dataDir];

  it('warden audit prove checks an entry against a signed checkpoint, and refuses a changed entry or an untrusted key', async () => {
    const note = await checkpointText();
    const size = Number(note.split('\n')[1]);
    // The admin token's entry, then the six models.
    expect(size).toBe(7);
    const entry = (await server.api('GET', '/api/v1/audit/entries/4')).body;
    const proof = (await server.api('GET', `/api/v1/audit/entries/4/proof?treeSize=${size}`)).body;
    const publicKey = (await server.api('GET', '/api/v1/audit/public-key')).body as string;
    const args = [
      'audit',
      'prove',
      '--checkpoint',
      file('cp.txt', note),
      '--proof',
      file('proof.json', proof),
      '--entry',
      file('entry.json', entry),
    ];
    const plain = await warden(args);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('entry 4 is in the tree of 7 entries');
    expect(plain.stderr).toContain('authenticity not established (no trusted key)');
    const trusted = await warden([...args, '--trusted-key', file('key.pem', publicKey)]);
    expect(trusted.code).toBe(0);
    expect(trusted.stderr).toBe('');

    const changed = await warden([
      ...args.slice(0, -1),
      file('changed.json', { ...entry, actor: 'mallory' }),
    ]);
    expect(changed.code).toBe(6);
    expect(changed.stderr).toContain('does not hash to the proof');
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const untrusted = await warden([...args, '--trusted-key', file('other.pem', other)]);
    expect(untrusted.code).toBe(6);
    expect(untrusted.stderr).toContain('not signed by a trusted key');

    // A proof made by the independent implementation over the same leaves is accepted; one hash off is not.
    const rows = await server.ctx.db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
    expect(rows).toHaveLength(7);
    const leaves = await Promise.all(
      rows.map(async (r) => {
        const e = (await server.api('GET', `/api/v1/audit/entries/${r.seq}`)).body;
        const { leafHash } = (await server.api('GET', `/api/v1/audit/entries/${r.seq}/proof?treeSize=7`))
          .body;
        return { e, leafHash: leafHash as string };
      }),
    );
    // The API's leaf hash is SHA-256(0x00 ‖ canonical bytes); the root of those must be the checkpoint's.
    const root = Buffer.from(note.split('\n')[2]!, 'base64');
    const roots = (hashes: Buffer[]): Buffer =>
      hashes.length === 1
        ? hashes[0]!
        : node(roots(hashes.slice(0, k(hashes.length))), roots(hashes.slice(k(hashes.length))));
    expect(roots(leaves.map((l) => Buffer.from(l.leafHash, 'hex'))).equals(root)).toBe(true);
    const own = { treeSize: 7, leafIndex: 1, leafHash: leaves[1]!.leafHash, hashes: [] as string[] };
    // PATH over leaf hashes: rebuild from the hashes, not the data, with the same recursion.
    const pathOverHashes = (m: number, h: Buffer[]): Buffer[] => {
      if (h.length === 1) return [];
      const s = k(h.length);
      return m < s
        ? [...pathOverHashes(m, h.slice(0, s)), roots(h.slice(s))]
        : [...pathOverHashes(m - s, h.slice(s)), roots(h.slice(0, s))];
    };
    own.hashes = pathOverHashes(
      1,
      leaves.map((l) => Buffer.from(l.leafHash, 'hex')),
    ).map((h) => h.toString('hex'));
    // The server's proof for entry 4 is the audit path the RFC defines.
    expect(
      pathOverHashes(
        3,
        leaves.map((l) => Buffer.from(l.leafHash, 'hex')),
      ).map((h) => h.toString('hex')),
    ).toEqual(proof.hashes);
    const mine = await warden([
      'audit',
      'prove',
      '--checkpoint',
      file('cp2.txt', note),
      '--proof',
      file('own.json', own),
    ]);
    expect(mine.code, mine.stderr).toBe(0);
    const off = { ...own, hashes: [...own.hashes.slice(0, -1), '0'.repeat(64)] };
    expect(
      (
        await warden([
          'audit',
          'prove',
          '--checkpoint',
          file('cp3.txt', note),
          '--proof',
          file('off.json', off),
        ])
      ).code,
    ).toBe(6);
    // The test's own RFC 6962 functions agree with the RFC's definition on raw data too.
    const data = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')];
    expect(pathOf(2, data).map((h) => h.toString('hex'))).toEqual([
      node(leaf(data[0]!), leaf(data[1]!)).toString('hex'),
    ]);
  });

  it('warden audit check-consistency accepts an appended log and refuses a rewritten one', async () => {
    const older = file('old.txt', await checkpointText());
    for (let i = 0; i < 5; i++)
      await server.api('POST', '/api/v1/models', { body: { name: `q${i}`, owner: 'o', riskTier: 3 } });
    const newerNote = await checkpointText();
    const newer = file('new.txt', newerNote);
    const proof = (await server.api('GET', '/api/v1/audit/consistency?from=7&to=12')).body;
    const offline = await warden([
      'audit',
      'check-consistency',
      '--old',
      older,
      '--new',
      newer,
      '--proof',
      file('c.json', proof),
    ]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain('the tree of 12 entries extends the tree of 7 entries');
    // Without --proof the proof is asked of the server; it needs no trust.
    const online = await warden(['audit', 'check-consistency', '--old', older, '--new', newer]);
    expect(online.code, online.stderr).toBe(0);

    // A head of 7 entries of another history (same origin, signed by the same key) is not a prefix.
    const key = fs.readFileSync(path.join(server.store.dataDir, 'keys', 'audit-signing-key.pem'), 'utf8');
    const signer = signerFromKey((await import('node:crypto')).createPrivateKey(key), 'warden/audit');
    const forged = signer.signTreeHead(7, mth([0, 1, 2, 3, 4, 5, 6].map((i) => Buffer.from(`forged ${i}`))));
    const rewritten = await warden([
      'audit',
      'check-consistency',
      '--old',
      file('forged.txt', forged),
      '--new',
      newer,
      '--proof',
      file('c2.json', proof),
    ]);
    expect(rewritten.code).toBe(6);
    expect(rewritten.stderr).toContain('is not a prefix');
    const swapped = await warden([
      'audit',
      'check-consistency',
      '--old',
      newer,
      '--new',
      older,
      '--proof',
      file('c3.json', proof),
    ]);
    expect(swapped.code).toBe(6);
  });

  it('warden audit rotate-key records the rotation signed by the old key; verify trusts the new key from there on', async () => {
    const oldKey = file('old.pem', (await server.api('GET', '/api/v1/audit/public-key')).body);
    const rotated = await warden([
      'audit',
      'rotate-key',
      ...storeFlags(),
      '--actor',
      'sec-officer',
      '--reason',
      'yearly',
      '--json',
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const result = JSON.parse(rotated.stdout);
    expect(result.seq).toBe(8);
    expect(result.lastHeadOfOldKey.seq).toBe(7);
    expect(result.firstHeadOfNewKey.seq).toBe(8);
    const entry = (await server.api('GET', '/api/v1/audit/entries/8')).body;
    expect(entry).toMatchObject({ action: 'audit.key_rotated', actor: 'sec-officer' });
    expect(entry.change.previousKey).toBe(fs.readFileSync(oldKey, 'utf8').trim());
    // The data folder now holds the new key; the old one is kept as retired.
    const keys = fs.readdirSync(path.join(server.store.dataDir, 'keys')).sort();
    expect(keys).toEqual(['audit-signing-key.pem', 'audit-signing-key.retired-8.pem']);
    const newKey = file('new.pem', result.newKey);

    const verify = (...extra: string[]) => warden(['audit', 'verify', ...storeFlags(), ...extra]);
    const withOld = await verify('--trusted-key', oldKey);
    expect(withOld.code, withOld.stderr).toBe(0);
    expect(withOld.stdout).toContain('signed by a trusted key up to entry 8');
    // The new key alone cannot vouch for the heads the old key signed before the rotation.
    const withNewOnly = await verify('--trusted-key', newKey);
    expect(withNewOnly.code).toBe(6);
    // The new key can be rotated in turn: a verifier trusting only the first key follows the chain.
    const next = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const again = await warden(['audit', 'rotate-key', ...storeFlags(), '--new-key', file('next.pem', next)]);
    expect(again.code, again.stderr).toBe(0);
    const chained = await verify('--trusted-key', oldKey);
    expect(chained.code, chained.stderr).toBe(0);
    expect(chained.stdout).toContain('signed by a trusted key up to entry 9');
  });
});

import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { entryLeafHash, hashEntry } from './audit-chain.js';
import { MerkleAccumulator } from './audit-merkle.js';
import { signerFromKey } from './audit-signer.js';

const CLI = path.resolve('dist/cli/main.js');

describeEachBackend('audit authenticity: trusted keys and witnesses', (backend) => {
  let server: TestServer;
  let witnessDir: string;
  let keyFile: string;
  beforeEach(async () => {
    witnessDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-witness-'));
    server = await startTestServer(backend, {
      config: { auditCheckpointEvery: 5, auditWitnessDir: witnessDir },
    });
    for (let i = 0; i < 11; i++) {
      const res = await server.api('POST', '/api/v1/models', {
        body: { name: `m${i}`, owner: 'o', riskTier: 3 },
      });
      expect(res.status).toBe(201);
    }
    expect((await server.api('GET', '/api/v1/audit/checkpoint')).body.treeSize).toBe(12);
    keyFile = path.join(witnessDir, '..', `trusted-${path.basename(witnessDir)}.pem`);
    const pub = cli(['audit', 'public-key', ...storeFlags()]);
    expect(pub.status, pub.stderr).toBe(0);
    fs.writeFileSync(keyFile, pub.stdout);
  });
  afterEach(() => server.close());

  const db = () => server.ctx.db;
  const storeFlags = () =>
    server.store.databaseUrl
      ? ['--database-url', server.store.databaseUrl, '--data-dir', server.store.dataDir]
      : ['--data-dir', server.store.dataDir];
  function cli(args: string[], env: Record<string, string> = {}) {
    return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  }
  const verify = (...extra: string[]) => cli(['audit', 'verify', ...storeFlags(), ...extra]);

  /** What a forger with database access does: edit entry 3, re-hash the chain, re-sign every checkpoint with `key`. */
  async function rewrite(key: KeyObject) {
    const rows = await db().selectFrom('audit_log').selectAll().orderBy('seq').execute();
    let prev = '0'.repeat(64);
    const acc = new MerkleAccumulator();
    const signer = signerFromKey(key, 'warden/audit');
    await db().deleteFrom('audit_checkpoints').execute();
    for (const r of rows) {
      const base = {
        seq: Number(r.seq),
        at: r.at,
        actor: Number(r.seq) === 3 ? 'mallory' : r.actor,
        action: r.action,
        subject: r.subject,
        requestId: r.request_id,
        change: r.change,
        prevHash: prev,
      };
      const hash = hashEntry(base);
      await db()
        .updateTable('audit_log')
        .set({ actor: base.actor, prev_hash: prev, hash })
        .where('seq', '=', base.seq)
        .execute();
      acc.push(entryLeafHash({ ...base, hash }));
      prev = hash;
      if (base.seq % 5 === 0 || base.seq === rows.length) {
        const root = acc.root();
        await db()
          .insertInto('audit_checkpoints')
          .values({
            seq: base.seq,
            hash,
            at: r.at,
            signature: signer.signHead(base.seq, hash),
            public_key: signer.publicKeyPem,
            root_hash: root.toString('hex'),
            note: signer.signTreeHead(base.seq, root),
          })
          .execute();
      }
    }
    await db().updateTable('audit_head').set({ hash: prev }).where('id', '=', 1).execute();
  }

  it('finding 7: a log edited, re-hashed and re-signed with a fresh key fails verification against the trusted key', async () => {
    const honest = verify('--trusted-key', keyFile);
    expect(honest.status, honest.stderr).toBe(0);
    expect(honest.stdout).toContain('signed by a trusted key up to entry 12');
    expect(honest.stderr).not.toContain('authenticity not established');
    const untrusted = verify();
    expect(untrusted.status).toBe(0);
    expect(untrusted.stderr).toContain('authenticity not established (no trusted key)');

    await rewrite(generateKeyPairSync('ed25519').privateKey);
    // Without a trusted key the forgery is internally consistent: the chain verifies.
    expect(verify().status).toBe(0);
    const caught = verify('--trusted-key', keyFile);
    expect(caught.status).toBe(6);
    expect(caught.stderr).toMatch(/signed by a key|not signed by a trusted key/);
    const viaEnv = cli(['audit', 'verify', ...storeFlags()], { WARDEN_AUDIT_TRUSTED_KEYS: keyFile });
    expect(viaEnv.status).toBe(6);
    // The witness kept the honest checkpoint of 12 entries.
    const witnessed = verify('--witness', witnessDir);
    expect(witnessed.status).toBe(6);
    expect(witnessed.stderr).toContain('rewritten');
  });

  it('a rewrite re-signed with the stolen key passes the key check but not the witness', async () => {
    const stolen = createPrivateKey(
      fs.readFileSync(path.join(server.store.dataDir, 'keys', 'audit-signing-key.pem'), 'utf8'),
    );
    await rewrite(stolen);
    expect(verify('--trusted-key', keyFile).status).toBe(0);
    const witnessed = verify('--trusted-key', keyFile, '--witness', witnessDir);
    expect(witnessed.status).toBe(6);
    expect(witnessed.stderr).toContain('witness saw a different tree of 12 entries');
  });

  it('fails when the log disagrees with the audit_head row or is shorter than a witnessed head', async () => {
    await db().updateTable('audit_head').set({ seq: 11 }).where('id', '=', 1).execute();
    const head = verify();
    expect(head.status).toBe(6);
    expect(head.stderr).toContain('audit_head');
    // Cut the tail, the checkpoints that cover it, and make audit_head agree: only the witness knows.
    const tip = await db()
      .selectFrom('audit_log')
      .select('hash')
      .where('seq', '=', 10)
      .executeTakeFirstOrThrow();
    await db().deleteFrom('audit_log').where('seq', '>', 10).execute();
    await db().deleteFrom('audit_checkpoints').where('seq', '>', 10).execute();
    await db().updateTable('audit_head').set({ seq: 10, hash: tip.hash }).where('id', '=', 1).execute();
    expect(verify().status).toBe(0);
    const cut = verify('--witness', witnessDir);
    expect(cut.status).toBe(6);
    expect(cut.stderr).toContain('cut short');
  });

  it('refuses a trusted key file that is not an Ed25519 public key', () => {
    const bad = path.join(witnessDir, '..', `bad-${path.basename(witnessDir)}.pem`);
    fs.writeFileSync(bad, 'not a key');
    const run = verify('--trusted-key', bad);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--trusted-key');
  });
});

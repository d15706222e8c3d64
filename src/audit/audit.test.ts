import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { canonicalJson } from '../core/canonical-json.js';
import { GENESIS_HASH, hashEntry } from './audit-chain.js';
import { verifyAuditChain } from './audit-verify.js';

const CLI = path.resolve('dist/cli/main.js');

describeEachBackend('audit trail', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend, { config: { auditCheckpointEvery: 5 } });
    for (let i = 0; i < 11; i++) {
      const res = await server.api('POST', '/api/v1/models', {
        body: { name: `m${i}`, owner: 'o', riskTier: 3 },
      });
      expect(res.status).toBe(201);
    }
  });
  afterEach(() => server.close());

  const db = () => server.ctx.db;
  const moveHeadTo = async (seq: number) => {
    const row = await db()
      .selectFrom('audit_log')
      .select('hash')
      .where('seq', '=', seq)
      .executeTakeFirstOrThrow();
    await db().updateTable('audit_head').set({ seq, hash: row.hash }).where('id', '=', 1).execute();
  };
  const storeFlags = () =>
    server.store.databaseUrl
      ? ['--database-url', server.store.databaseUrl]
      : ['--data-dir', server.store.dataDir];
  const cliVerify = (...extra: string[]) =>
    spawnSync(process.execPath, [CLI, 'audit', 'verify', ...storeFlags(), ...extra], { encoding: 'utf8' });

  it('chains every entry to the previous one with an independently recomputable SHA-256', async () => {
    const rows = await db().selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    let prev = GENESIS_HASH;
    for (const r of rows) {
      expect(r.prev_hash).toBe(prev);
      const fields = {
        action: r.action,
        actor: r.actor,
        at: r.at,
        change: JSON.parse(r.change) as unknown,
        requestId: r.request_id,
        seq: Number(r.seq),
        subject: r.subject,
      };
      const expected = (await import('node:crypto'))
        .createHash('sha256')
        .update(`${prev}\n${canonicalJson(fields)}`)
        .digest('hex');
      expect(r.hash).toBe(expected);
      prev = r.hash;
    }
    const checkpoints = await db().selectFrom('audit_checkpoints').select('seq').orderBy('seq').execute();
    expect(checkpoints.map((c) => Number(c.seq))).toEqual([5, 10]);
    const report = await verifyAuditChain(server.ctx.store);
    expect(report).toMatchObject({ ok: true, entries: 12, checkpoints: 2 });
    const cli = cliVerify();
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('intact: 12 entries');
  });

  it('verifies the log split into ranges, checking the links between them', async () => {
    const split = (workers: number) =>
      verifyAuditChain(server.ctx.store, { parallel: { store: server.store.config, workers }, pageSize: 2 });
    expect(await split(3)).toMatchObject({ ok: true, entries: 12 });
    expect(await split(12)).toMatchObject({ ok: true, entries: 12 });
    // a changed link exactly at a range boundary (ranges of 4: 1-4, 5-8, 9-12)
    await db()
      .updateTable('audit_log')
      .set({ prev_hash: 'e'.repeat(64) })
      .where('seq', '=', 5)
      .execute();
    expect((await split(3)).problem).toEqual({ kind: 'prev_hash_mismatch', seq: 5 });
    expect((await verifyAuditChain(server.ctx.store)).problem).toEqual({
      kind: 'prev_hash_mismatch',
      seq: 5,
    });
  });

  it('finds an entry missing at the end of a range', async () => {
    await db().deleteFrom('audit_log').where('seq', '=', 4).execute();
    const report = await verifyAuditChain(server.ctx.store, {
      parallel: { store: server.store.config, workers: 3 },
    });
    expect(report.problem).toEqual({ kind: 'gap', seq: 5, expectedSeq: 4 });
    expect(report.entries).toBe(3);
  });

  it('names the first altered entry', async () => {
    await db().updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 7).execute();
    const report = await verifyAuditChain(server.ctx.store);
    expect(report.ok).toBe(false);
    expect(report.problem).toEqual({ kind: 'hash_mismatch', seq: 7 });
    const cli = cliVerify();
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain('entry 7');
  });

  it('detects an altered entry that was re-hashed along with everything after it, via the signed checkpoint', async () => {
    const rows = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', 3)
      .orderBy('seq')
      .execute();
    let prev = (
      await db().selectFrom('audit_log').select('hash').where('seq', '=', 2).executeTakeFirstOrThrow()
    ).hash;
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
      prev = hash;
    }
    const report = await verifyAuditChain(server.ctx.store);
    expect(report.problem).toEqual({ kind: 'checkpoint_mismatch', seq: 5 });
  });

  it('detects a removed entry', async () => {
    await db().deleteFrom('audit_log').where('seq', '=', 4).execute();
    const report = await verifyAuditChain(server.ctx.store);
    expect(report.problem).toEqual({ kind: 'gap', seq: 5, expectedSeq: 4 });
  });

  it('detects an inserted entry', async () => {
    // make room after entry 8 by renumbering the rest one up, as a forger would
    await db()
      .updateTable('audit_log')
      .set({ seq: sql`seq + 1000` })
      .where('seq', '>', 8)
      .execute();
    await db()
      .updateTable('audit_log')
      .set({ seq: sql`seq - 999` })
      .where('seq', '>', 1000)
      .execute();
    const row = await db().selectFrom('audit_log').selectAll().where('seq', '=', 8).executeTakeFirstOrThrow();
    await db()
      .insertInto('audit_log')
      .values({
        ...row,
        seq: 9,
        actor: 'mallory',
        prev_hash: row.hash,
        hash: hashEntry({
          seq: 9,
          at: row.at,
          actor: 'mallory',
          action: row.action,
          subject: row.subject,
          requestId: row.request_id,
          change: row.change,
          prevHash: row.hash,
        }),
      })
      .execute();
    const report = await verifyAuditChain(server.ctx.store);
    expect(report.problem).toEqual({ kind: 'prev_hash_mismatch', seq: 10 });
  });

  it('detects a log cut short of its last signed checkpoint, and of an externally kept head', async () => {
    await db().deleteFrom('audit_log').where('seq', '>', 7).execute();
    const report = await verifyAuditChain(server.ctx.store);
    expect(report.problem).toEqual({ kind: 'truncated', lastSeq: 7, expectedAtLeast: 10 });

    // the attacker also removes the checkpoints and moves the audit_head row back: only a head
    // kept elsewhere (or a witness) reveals the cut
    await db().deleteFrom('audit_checkpoints').where('seq', '>', 5).execute();
    expect((await verifyAuditChain(server.ctx.store)).message).toContain('audit_head');
    await moveHeadTo(7);
    expect((await verifyAuditChain(server.ctx.store)).ok).toBe(true);
  });

  it('verifies against a head saved with `warden audit head`, which covers entries past the last checkpoint', async () => {
    // Checkpoints are stored every 5 entries, so the newest one is at 10 while the log reaches 12.
    const head = await server.api('GET', '/api/v1/audit/head');
    expect(head.status).toBe(200);
    expect(head.body.seq).toBe(12);
    const tip = await db()
      .selectFrom('audit_log')
      .select('hash')
      .where('seq', '=', 12)
      .executeTakeFirstOrThrow();
    expect(head.body.hash).toBe(tip.hash);
    // The head is signed on request and not stored.
    const stored = await db().selectFrom('audit_checkpoints').select('seq').orderBy('seq').execute();
    expect(stored.map((r) => Number(r.seq))).toEqual([5, 10]);
    const file = path.join(server.store.dataDir, 'head.json');
    fs.writeFileSync(file, JSON.stringify(head.body));
    expect(cliVerify('--expect-head', file).status).toBe(0);
    // Entries past the last stored checkpoint removed: only the kept head reveals it.
    await db().deleteFrom('audit_log').where('seq', '>', 10).execute();
    await moveHeadTo(10);
    expect((await verifyAuditChain(server.ctx.store)).ok).toBe(true);
    const cut = cliVerify('--expect-head', file);
    expect(cut.status).toBe(6);
    expect(cut.stderr).toContain('cut short');
    // The reason is told once, as the one `warden:` line on stderr.
    expect(cut.stdout).toBe('');
    expect(cut.stderr.trimEnd().split('\n')).toHaveLength(1);
    const forged = { ...head.body, hash: 'f'.repeat(64) };
    fs.writeFileSync(file, JSON.stringify(forged));
    expect(cliVerify('--expect-head', file).stderr).toContain('signature does not verify');
  });

  it('signs and stores a checkpoint of the current tip on demand (admin or compliance)', async () => {
    const signed = await server.api('POST', '/api/v1/audit/checkpoints');
    expect(signed.status).toBe(201);
    expect(signed.body.seq).toBe(12); // signing adds a checkpoint row, not a log entry
    const stored = await db().selectFrom('audit_checkpoints').select('seq').orderBy('seq').execute();
    expect(stored.map((r) => Number(r.seq))).toEqual([5, 10, 12]);
    await db().deleteFrom('audit_log').where('seq', '>', 11).execute();
    expect((await verifyAuditChain(server.ctx.store)).problem).toEqual({
      kind: 'truncated',
      lastSeq: 11,
      expectedAtLeast: 12,
    });
  });

  it('lists entries with filters and pages newest first', async () => {
    const page1 = await server.api('GET', '/api/v1/audit?action=model.created&limit=4');
    expect(page1.body.items.map((e: { subject: string }) => e.subject)).toEqual([
      'model:m10',
      'model:m9',
      'model:m8',
      'model:m7',
    ]);
    const page2 = await server.api(
      'GET',
      `/api/v1/audit?action=model.created&limit=4&pageToken=${page1.body.nextPageToken}`,
    );
    expect(page2.body.items[0].subject).toBe('model:m6');
    const byActor = await server.api('GET', '/api/v1/audit?actor=test');
    expect(byActor.body.items.map((e: { action: string }) => e.action)).toEqual(['token.created']);
    const future = await server.api('GET', '/api/v1/audit?from=2999-01-01T00:00:00Z');
    expect(future.body.items).toEqual([]);
  });
});

describe('warden audit verify without a store', () => {
  it('refuses a data folder that holds no store, with one line and exit 4, and creates nothing', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'warden-verify-')), 'missing');
    const run = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--data-dir', dir], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(4);
    expect(run.stderr).toBe(`warden: no Warden store in ${dir} (give --data-dir or --database-url)\n`);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

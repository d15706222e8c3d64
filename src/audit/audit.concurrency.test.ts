import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { postgresAvailable } from '../../test/support/stores.js';
import { startServer, type RunningServer } from '../server/server.js';
import { verifyAuditChain } from './audit-verify.js';

// Several servers share a store only on PostgreSQL (SQLite is a single-server store).
describe.skipIf(!postgresAvailable)(
  'audit chain under concurrent writes from two servers on one PostgreSQL store',
  () => {
    let first: TestServer;
    let second: RunningServer;
    beforeAll(async () => {
      first = await startTestServer('postgres', { config: { auditCheckpointEvery: 7 } });
      second = await startServer(first.store.config, { background: false });
    });
    afterAll(async () => {
      await second.close();
      await first.close();
    });

    it('links every entry to the one before it, with no gap or fork, and the head and checkpoints agree', async () => {
      const models = ['race-a', 'race-b', 'race-c'];
      for (const name of models) {
        const r = await first.api('POST', '/api/v1/models', { body: { name, owner: 'o', riskTier: 3 } });
        expect(r.status).toBe(201);
      }
      const before = await verifyAuditChain(first.ctx.store);
      // 48 registrations at once, alternating servers, several of them on the same model.
      const writes = Array.from({ length: 48 }, (_, i) => {
        const url = i % 2 === 0 ? first.url : second.url;
        return fetch(`${url}/api/v1/models/${models[i % 3]}/versions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${first.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(versionBody(`1.${Math.floor(i / 3)}.0`)),
        }).then((r) => r.status);
      });
      expect(await Promise.all(writes)).toEqual(Array.from({ length: 48 }, () => 201));

      const rows = await first.ctx.db
        .selectFrom('audit_log')
        .select(['seq', 'prev_hash', 'hash'])
        .orderBy('seq')
        .execute();
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      rows.slice(1).forEach((r, i) => expect(r.prev_hash).toBe(rows[i]!.hash));
      const head = await first.ctx.db
        .selectFrom('audit_head')
        .select(['seq', 'hash'])
        .executeTakeFirstOrThrow();
      expect({ seq: Number(head.seq), hash: head.hash }).toEqual({
        seq: rows.length,
        hash: rows[rows.length - 1]!.hash,
      });
      const report = await verifyAuditChain(first.ctx.store);
      expect(report).toMatchObject({ ok: true, entries: before.entries + 48 });
      expect(report.checkpoints).toBe(Math.floor(rows.length / 7));
    });
  },
);

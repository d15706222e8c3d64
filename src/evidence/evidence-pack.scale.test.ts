import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { hashEntry, type AuditEntry } from '../audit/audit-chain.js';
import { loadAuditSigner } from '../audit/audit-signer.js';
import { readTrustedKey, verifyPack } from './pack-verify.js';

const ENTRIES = 100_000;

/** Appends `n` chained entries about the model straight into the log (as ingestion batches would). */
async function appendEntries(server: TestServer, n: number): Promise<void> {
  const db = server.ctx.db;
  const head = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  let seq = Number(head.seq);
  let prev = head.hash;
  await db.transaction().execute(async (trx) => {
    for (let done = 0; done < n; done += 1000) {
      const rows = [];
      for (let i = 0; i < Math.min(1000, n - done); i++) {
        seq++;
        const base: Omit<AuditEntry, 'hash'> = {
          seq,
          at: '2026-03-02T10:00:00.000Z',
          actor: 'ingest',
          action: seq % 100 === 0 ? 'model.updated' : 'monitoring.inferences_ingested',
          subject: 'model:bulk@1.0.0',
          requestId: null,
          change: `{"batch":${seq},"records":500}`,
          prevHash: prev,
        };
        const hash = hashEntry(base);
        rows.push({
          seq,
          at: base.at,
          actor: base.actor,
          action: base.action,
          subject: base.subject,
          request_id: null,
          change: base.change,
          prev_hash: prev,
          hash,
        });
        prev = hash;
      }
      await trx.insertInto('audit_log').values(rows).execute();
    }
    await trx.updateTable('audit_head').set({ seq, hash: prev }).where('id', '=', 1).execute();
  });
}

// A measurement more than a check (about 25 s per store): run with WARDEN_SCALE_TESTS=1.
const scale = process.env.WARDEN_SCALE_TESTS === '1';
if (!scale)
  describe.skip('evidence pack at scale (WARDEN_SCALE_TESTS=1 runs it)', () =>
    it('exports 100,000 entries', () => undefined));

if (scale)
  describeEachBackend('evidence pack at scale', (backend) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend);
      await server.api('POST', '/api/v1/models', { body: { name: 'bulk', owner: 'o', riskTier: 1 } });
      await server.api('POST', '/api/v1/models/bulk/versions', { body: versionBody('1.0.0') });
      await appendEntries(server, ENTRIES);
    }, 120_000);
    afterAll(() => server.close());

    it('streams a pack for a model with 100,000 audit entries in under 30 s, memory flat, and it verifies', async () => {
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const started = performance.now();
      const res = await fetch(`${server.url}/api/v1/evidence-packs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'bulk', framework: 'sr-26-2' }),
      });
      const chunks: Uint8Array[] = [];
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        chunks.push(chunk);
        bytes += chunk.length;
      }
      const seconds = (performance.now() - started) / 1000;
      clearInterval(timer);
      const growthMb = (peak - rssBefore) / 1e6;
      console.log(
        `[${backend}] ${ENTRIES} entries: pack of ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s, peak RSS growth ${growthMb.toFixed(0)} MB`,
      );
      expect(res.status).toBe(200);
      expect(seconds).toBeLessThan(30);
      const pack = Buffer.concat(chunks);
      const verdict = verifyPack(
        pack,
        readTrustedKey(loadAuditSigner(server.ctx.config.dataDir).publicKeyPem),
      );
      expect(verdict.ok).toBe(true);
      if (verdict.ok) expect(verdict.proofs).toBe(ENTRIES / 100 + 2);
    }, 60_000);
  });

/**
 * What ingestion stores, as SHA-256 digests: ingests a fixed set of batches through the HTTP API
 * of a real server (SQLite, then PostgreSQL when reachable) and prints one digest per table of
 * the stored inference records (every column), the stored window profiles (every column) and the
 * ingestion audit entries (action, subject and change). Run it on two builds: equal digests mean
 * the two store byte-identical records, profiles and audit entries for the same input.
 *
 *   node --import tsx bench/monitoring/stored-digest.ts
 *
 * The batches cover: two hourly windows, two segment values, a retried batch (duplicates), a
 * partial batch with a refused record, records with inline signals and a perturbation probe,
 * labels joined after their records and a label waiting for its record.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/server.js';
import {
  adminSession,
  benchDatabase,
  monitoredRecords,
  registerMonitoredModel,
  type MonitoredRecord,
} from '../support/bench-server.js';

const NOW = new Date('2026-03-02T12:00:00.000Z');

const ndjson = (items: object[]) => items.map((r) => JSON.stringify(r)).join('\n');

async function digestOf(backend: 'sqlite' | 'postgres'): Promise<Record<string, string>> {
  const record = monitoredRecords(777);
  const records = (
    offset: number,
    n: number,
    hoursBack: number,
    extra: (i: number) => object = () => ({}),
  ): MonitoredRecord[] => {
    const ts = new Date(NOW.getTime() - hoursBack * 3_600_000 - 60_000).toISOString();
    return Array.from({ length: n }, (_, i) => ({ ...record(`r${offset + i}`, ts), ...extra(i) }));
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-stored-digest-'));
  const database = backend === 'postgres' ? await benchDatabase('warden_digest') : undefined;
  const config = loadConfig({ dataDir, ...(database ? { databaseUrl: database.url } : {}), port: 0 }, {});
  const server = await startServer(config, { background: false, now: () => NOW });
  try {
    const session = await adminSession(server, NOW, 'digest');
    const post = (path: string, body: string, type: string) => session.send('POST', path, body, type);
    const json = (path: string, body: unknown) => session.post(path, body);
    await registerMonitoredModel(session, 'digest', 'digest');
    const base = '/api/v1/models/digest/versions/1.0.0';
    const batches = [
      records(0, 1000, 1),
      records(1000, 1000, 1),
      records(2000, 500, 2),
      records(2500, 50, 1, (i) => (i % 3 === 0 ? { signals: { toxic: i % 2 === 0, topic: 'billing' } } : {})),
      records(2600, 5, 1, (i) => ({ probeOf: `r${i}` })),
    ];
    for (const batch of batches) await post(`${base}/inferences`, ndjson(batch), 'application/x-ndjson');
    await post(`${base}/inferences`, ndjson(batches[1]!), 'application/x-ndjson'); // a retry
    const partial = records(3000, 20, 1);
    (partial[7]!.features as Record<string, unknown>).n3 = 'not a number';
    await post(`${base}/inferences?partial=true`, ndjson(partial), 'application/x-ndjson');
    await json(`${base}/labels`, [
      ...Array.from({ length: 300 }, (_, i) => ({ id: `r${i * 3}`, label: i % 2 })),
      { id: 'r9999999', label: 1 },
    ]);
    await post(`${base}/inferences`, ndjson(records(9_999_999, 1, 1)), 'application/x-ndjson');

    const sha = (rows: unknown[]) => createHash('sha256').update(JSON.stringify(rows)).digest('hex');
    const db = server.ctx.db;
    const stored = await db
      .selectFrom('inference_records')
      .select([
        'record_id',
        'ts',
        'window_start',
        'input_sha256',
        'features',
        'prediction',
        'score',
        'segment',
        'latency_ms',
        'error',
        'signals',
        'label',
        'labelled_at',
        'feedback',
        'received_at',
        'attributions',
        'probe_of',
      ])
      .orderBy('record_id')
      .execute();
    const profiles = await db
      .selectFrom('monitoring_windows')
      .select(['window_start', 'segment', 'records', 'profile', 'updated_at'])
      .orderBy('window_start')
      .orderBy('segment')
      .execute();
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'subject', 'change'])
      .where('action', 'like', 'monitoring.%')
      .orderBy('seq')
      .execute();
    return {
      [`${backend} records (${stored.length})`]: sha(stored),
      [`${backend} window profiles (${profiles.length})`]: sha(profiles),
      [`${backend} audit entries (${audit.length})`]: sha(audit),
    };
  } finally {
    await server.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  for (const [what, digest] of Object.entries(await digestOf(backend))) console.log(`${what}: ${digest}`);
}

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
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { issueToken } from '../../src/auth/token.service.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/server.js';

const NOW = new Date('2026-03-02T12:00:00.000Z');
const ADMIN_URL = process.env.WARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NUMERIC = Array.from({ length: 15 }, (_, i) => `n${i}`);
const CATEGORICAL = Array.from({ length: 5 }, (_, i) => `c${i}`);

let seed = 777;
function uniform(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

function records(offset: number, n: number, hoursBack: number, extra: (i: number) => object = () => ({})) {
  const ts = new Date(NOW.getTime() - hoursBack * 3_600_000 - 60_000).toISOString();
  return Array.from({ length: n }, (_, i) => {
    const features: Record<string, number | string> = {};
    for (const name of NUMERIC) features[name] = Math.round(uniform() * 100_000) / 100;
    for (const name of CATEGORICAL) features[name] = `v${Math.floor(uniform() * 8)}`;
    const score = uniform();
    return {
      id: `r${offset + i}`,
      timestamp: ts,
      features,
      prediction: score > 0.5 ? 1 : 0,
      score,
      segment: { region: uniform() < 0.5 ? 'eu' : 'us' },
      latencyMs: 5 + uniform() * 20,
      ...extra(i),
    };
  });
}

const ndjson = (items: object[]) => items.map((r) => JSON.stringify(r)).join('\n');

async function digestOf(backend: 'sqlite' | 'postgres'): Promise<Record<string, string>> {
  seed = 777;
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-stored-digest-'));
  let databaseUrl: string | undefined;
  let dbName: string | undefined;
  if (backend === 'postgres') {
    dbName = `warden_digest_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(`create database ${dbName}`);
    await client.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const config = loadConfig({ dataDir, ...(databaseUrl ? { databaseUrl } : {}), port: 0 }, {});
  const server = await startServer(config, { background: false, now: () => NOW });
  try {
    const { token } = await server.ctx.db
      .transaction()
      .execute((trx) =>
        issueToken(
          trx,
          server.ctx.audit,
          { principal: 'digest', roles: ['admin'] },
          { actor: 'digest', requestId: null, now: NOW },
        ),
      );
    const post = async (path: string, body: string, type: string) => {
      const r = await fetch(server.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body,
      });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    };
    const json = (path: string, body: unknown) => post(path, JSON.stringify(body), 'application/json');
    await json('/api/v1/models', { name: 'digest', owner: 'digest', riskTier: 1 });
    await json('/api/v1/models/digest/versions', {
      version: '1.0.0',
      lineage: { datasets: [{ name: 'train', uri: 's3://d/train', sha256: 'a'.repeat(64) }] },
      metrics: { accuracy: 0.9, precision: 0.9, recall: 0.9, brier: 0.1 },
      inputSchema: [
        ...NUMERIC.map((name) => ({ name, type: 'number' })),
        ...CATEGORICAL.map((name) => ({ name, type: 'category' })),
      ],
    });
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
    if (dbName) {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${dbName}`);
      await client.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  for (const [what, digest] of Object.entries(await digestOf(backend))) console.log(`${what}: ${digest}`);
}

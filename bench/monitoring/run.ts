/**
 * `npm run bench:monitoring`: inference ingestion and monitoring evaluation, through the HTTP API
 * of a real server in this process.
 *
 *   1. Ingestion of 1,000-record NDJSON batches with 20 features (15 numeric, 5 categorical)
 *      and a two-valued segment, on SQLite and on PostgreSQL: records/s, batch latency p50/p99,
 *      peak RSS. One client sends batches back to back; a second run uses 4 concurrent clients.
 *   2. One monitoring evaluation (`POST …/monitoring/run`) over a window of 1,000,000 records
 *      (ingested over 24 hourly buckets), compared with the same evaluation over 100,000 records:
 *      time and peak RSS above the resting process.
 *
 * Flags: `--quick` (small sizes, to try the script), `--ingest-batches=N` (batches per ingestion run), `--ingestion-only` (skip the evaluation; with
 * `--write` the evaluation figures already in BENCHMARKS.md are kept, marked as from an earlier run), `--write` (replace this benchmark's section
 * of BENCHMARKS.md). PostgreSQL is used when reachable at WARDEN_TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres); a database is created and dropped for the run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import SqliteDatabase from '../../src/db/sqlite-driver.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import {
  ADMIN_URL,
  adminSession,
  benchDatabase,
  monitoredRecords,
  registerMonitoredModel,
} from '../support/bench-server.js';

const quick = process.argv.includes('--quick');
const ingestionOnly = process.argv.includes('--ingestion-only');
const write = process.argv.includes('--write');
const BATCH = 1000;
const batchesFlag = process.argv.find((a) => a.startsWith('--ingest-batches='));
const INGEST_BATCHES = batchesFlag ? Number(batchesFlag.split('=')[1]) : quick ? 10 : 100;
const WINDOW_RECORDS = quick ? 100_000 : 1_000_000;
const SMALL_WINDOW = WINDOW_RECORDS / 10;
const SECTION = '## Monitoring ingestion and evaluation';
const COMMAND = `npm run bench:monitoring -- ${process.argv.slice(2).join(' ') || '--write'}`;
const root = new URL('../../', import.meta.url).pathname;
const log = (line: string) => process.stderr.write(`${line}\n`);
const NOW = new Date('2026-03-02T12:00:00.000Z');

/** Peak resident set size and peak JS heap while `fn` runs, sampled every 10 ms. */
async function withPeakRss<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; peak: number; before: number; heapBefore: number; heapPeak: number }> {
  const before = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = before;
  let heapPeak = heapBefore;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  const timer = setInterval(sample, 10);
  try {
    const value = await fn();
    sample();
    return { value, peak, before, heapBefore, heapPeak };
  } finally {
    clearInterval(timer);
  }
}

const record = monitoredRecords(12345);

/** One NDJSON batch of `n` records starting at id `offset`, timestamped within `hour` hours before NOW. */
function batchBody(offset: number, n: number, hoursBack: number): string {
  const lines: string[] = [];
  const ts = new Date(NOW.getTime() - hoursBack * 3_600_000 - 60_000).toISOString();
  for (let i = 0; i < n; i++) lines.push(JSON.stringify(record(`r${offset + i}`, ts)));
  return lines.join('\n');
}

interface Target {
  server: RunningServer;
  token: string;
  backend: 'sqlite' | 'postgres';
  dataDir: string;
  /** The PostgreSQL database of the run (undefined on SQLite) and its URL. */
  dbName: string | undefined;
  databaseUrl: string | undefined;
  cleanup(): Promise<void>;
}

async function openTarget(backend: 'sqlite' | 'postgres'): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-mon-'));
  const database = backend === 'postgres' ? await benchDatabase('warden_bench') : undefined;
  const databaseUrl = database?.url;
  const dbName = database?.name;
  const config = loadConfig({ dataDir, ...(databaseUrl ? { databaseUrl } : {}), port: 0 }, {});
  const server = await startServer(config, { background: false, now: () => NOW });
  const session = await adminSession(server, NOW);
  await registerMonitoredModel(session, 'bench');
  return {
    server,
    token: session.token,
    backend,
    dataDir,
    dbName,
    databaseUrl,
    async cleanup() {
      await server.close();
      await database?.drop().catch((error: unknown) => log(`could not drop ${dbName}: ${String(error)}`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function send(target: Target, body: string): Promise<number> {
  const start = performance.now();
  const r = await fetch(`${target.server.url}/api/v1/models/bench/versions/1.0.0/inferences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`ingest: ${r.status} ${text}`);
  return performance.now() - start;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface IngestFigures {
  /** Who wrote: Warden's API, or the minimal durable writer of this script. */
  writer: 'warden' | 'minimal';
  concurrency: number;
  records: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  peakRssMb: number;
  /** CPU seconds of the server process (this one; Warden's server or the minimal writer). */
  serverCpu: number;
  /** CPU seconds of the PostgreSQL backends serving the server's connections (0 on SQLite). */
  databaseCpu: number;
  /** CPU seconds of the client process. */
  clientCpu: number;
}

/** The client side of the ingestion benchmark, run in its own process so the server's CPU is measured alone. */
const CLIENT = `
const fs = require('node:fs');
const { url, token, file, concurrency } = JSON.parse(process.argv[1]);
const bodies = JSON.parse(fs.readFileSync(file, 'utf8'));
let next = 0;
const latencies = [];
(async () => {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const t = performance.now();
      const r = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/x-ndjson' }, body });
      const text = await r.text();
      if (!r.ok) throw new Error('ingest: ' + r.status + ' ' + text);
      latencies.push(performance.now() - t);
    }
  }));
  const used = process.cpuUsage(cpu);
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - start) / 1000, latencies, cpu: (used.user + used.system) / 1e6 }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const TICKS = 100;

/** CPU ticks (user + system) of a process, from /proc; undefined once it has gone. */
function procTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Samples the CPU time of the PostgreSQL backends connected to `dbName` (the server's pool) while a
 * run goes on; `stop()` answers the CPU seconds they spent since `start`.
 */
async function databaseCpuMeter(dbName: string | undefined): Promise<{ stop(): Promise<number> }> {
  if (!dbName) return { stop: () => Promise.resolve(0) };
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  const seen = new Map<number, { first: number; last: number }>();
  const sample = async (initial: boolean) => {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [dbName],
    );
    for (const { pid } of rows) {
      const ticks = procTicks(pid);
      if (ticks === undefined) continue;
      const known = seen.get(pid);
      if (known) known.last = ticks;
      else seen.set(pid, { first: initial ? ticks : 0, last: ticks });
    }
  };
  await sample(true);
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => sample(false)).catch(() => undefined);
  }, 200);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await sample(false);
      await client.end();
      let ticks = 0;
      for (const { first, last } of seen.values()) ticks += last - first;
      return ticks / TICKS;
    },
  };
}

/** Sends `bodies` to `url` from a child process with `concurrency` clients; CPU of server, database and client. */
async function drive(
  writer: IngestFigures['writer'],
  url: string,
  token: string,
  dbName: string | undefined,
  bodies: string[],
  concurrency: number,
): Promise<IngestFigures> {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-bench-client-')), 'bodies.json');
  writeFileSync(file, JSON.stringify(bodies));
  const args = JSON.stringify({ url, token, file, concurrency });
  const meter = await databaseCpuMeter(dbName);
  const cpu = process.cpuUsage();
  const { value, peak } = await withPeakRss(
    () =>
      new Promise<{ seconds: number; latencies: number[]; cpu: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', CLIENT, args], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('exit', (code) =>
          code === 0
            ? resolve(JSON.parse(out) as { seconds: number; latencies: number[]; cpu: number })
            : reject(new Error(`client exited ${code}`)),
        );
      }),
  );
  const used = process.cpuUsage(cpu);
  const databaseCpu = await meter.stop();
  rmSync(file, { force: true });
  const latencies = value.latencies.sort((a, b) => a - b);
  const records = bodies.length * BATCH;
  return {
    writer,
    concurrency,
    records,
    seconds: value.seconds,
    perSecond: records / value.seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    peakRssMb: peak / 1048576,
    serverCpu: (used.user + used.system) / 1e6,
    databaseCpu,
    clientCpu: value.cpu,
  };
}

function bodiesFrom(offset: number): string[] {
  return Array.from({ length: INGEST_BATCHES }, (_, b) => batchBody(offset + b * BATCH, BATCH, 1));
}

async function ingest(target: Target, offset: number, concurrency: number): Promise<IngestFigures> {
  const url = `${target.server.url}/api/v1/models/bench/versions/1.0.0/inferences`;
  return drive('warden', url, target.token, target.dbName, bodiesFrom(offset), concurrency);
}

const INSERT_COLUMNS = [
  'version_id',
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
  'received_at',
] as const;

/**
 * The anchor: a minimal durable writer. An HTTP server that parses the same NDJSON bodies and
 * stores each record as a row of the same `inference_records` table (same indexes, same
 * insert-or-ignore on the record id) in one transaction per batch, committed before the answer,
 * with the same durability settings (SQLite WAL with `synchronous=FULL` on its own connection,
 * PostgreSQL's default `synchronous_commit`) — and nothing else: no validation, no profiles, no
 * audit. On SQLite one prepared statement is run per record; on PostgreSQL one `unnest` INSERT per
 * batch.
 */
async function startMinimalWriter(target: Target): Promise<{ url: string; close(): Promise<void> }> {
  const version = await target.server.ctx.db
    .selectFrom('model_versions')
    .select('id')
    .executeTakeFirstOrThrow();
  const toRows = (text: string) => {
    const receivedAt = new Date().toISOString();
    const rows: unknown[][] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const r = JSON.parse(line) as {
        id: string;
        timestamp: string;
        features: unknown;
        prediction: unknown;
        score?: number;
        segment?: unknown;
        latencyMs?: number;
      };
      const features = JSON.stringify(r.features);
      rows.push([
        version.id,
        r.id,
        r.timestamp,
        `${r.timestamp.slice(0, 13)}:00:00.000Z`,
        createHash('sha256').update(features).digest('hex'),
        features,
        JSON.stringify(r.prediction),
        r.score ?? null,
        r.segment === undefined ? null : JSON.stringify(r.segment),
        r.latencyMs ?? null,
        0,
        receivedAt,
      ]);
    }
    return rows;
  };
  let write: (rows: unknown[][]) => Promise<number>;
  let closeStore: () => Promise<void>;
  if (target.backend === 'sqlite') {
    const db = new SqliteDatabase(join(target.dataDir, 'warden.db'));
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const insert = db.prepare(
      `insert into inference_records (${INSERT_COLUMNS.join(', ')}) values (${INSERT_COLUMNS.map(() => '?').join(', ')}) on conflict (version_id, record_id) do nothing`,
    );
    const batch = db.transaction((rows: unknown[][]) => {
      let n = 0;
      for (const row of rows) n += insert.run(row).changes;
      return n;
    });
    write = (rows) => Promise.resolve(batch.immediate(rows));
    closeStore = () => Promise.resolve(void db.close());
  } else {
    const pool = new pg.Pool({ connectionString: target.databaseUrl!, max: 4 });
    const types = [
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'text',
      'float8',
      'text',
      'float8',
      'int4',
      'text',
    ];
    const text = `insert into inference_records (${INSERT_COLUMNS.join(', ')}) select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) on conflict (version_id, record_id) do nothing`;
    write = async (rows) => {
      const columns = INSERT_COLUMNS.map((_, c) => rows.map((row) => row[c]));
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await client.query({ name: 'minimal_insert', text, values: columns });
        await client.query('commit');
        return result.rowCount ?? 0;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    };
    closeStore = () => pool.end();
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      write(toRows(Buffer.concat(chunks).toString('utf8')))
        .then((accepted) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ accepted }));
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/inferences`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeStore();
    },
  };
}

async function benchIngestion(backend: 'sqlite' | 'postgres'): Promise<IngestFigures[]> {
  const target = await openTarget(backend);
  const minimal = await startMinimalWriter(target);
  try {
    await send(target, batchBody(10_000_000, BATCH, 1)); // warm-up
    await drive('minimal', minimal.url, '', target.dbName, [batchBody(11_000_000, BATCH, 1)], 1);
    const out: IngestFigures[] = [];
    // Warden and the minimal writer alternate, so both see the same machine load and table size.
    for (const [i, concurrency] of [1, 4].entries()) {
      for (const writer of ['warden', 'minimal'] as const) {
        const offset = (writer === 'warden' ? 1_000_000 : 5_000_000) + i * 1_000_000;
        const f =
          writer === 'warden'
            ? await ingest(target, offset, concurrency)
            : await drive('minimal', minimal.url, '', target.dbName, bodiesFrom(offset), concurrency);
        log(
          `${backend} ${writer} ×${concurrency}: ${Math.round(f.perSecond)} records/s, server CPU ${f.serverCpu.toFixed(2)} s, database CPU ${f.databaseCpu.toFixed(2)} s, client CPU ${f.clientCpu.toFixed(2)} s, p50 ${f.p50.toFixed(1)} ms`,
        );
        out.push(f);
      }
    }
    return out;
  } finally {
    await minimal.close();
    await target.cleanup();
  }
}

interface EvalFigures {
  records: number;
  profiles: number;
  seconds: number;
  checks: number;
  rssAboveRestMb: number;
  heapAboveRestMb: number;
}

async function evaluate(target: Target, records: number): Promise<EvalFigures> {
  (globalThis as { gc?: () => void }).gc?.();
  const { value, peak, before, heapBefore, heapPeak } = await withPeakRss(async () => {
    const start = performance.now();
    const r = await fetch(`${target.server.url}/api/v1/models/bench/monitoring/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}` },
    });
    const body = (await r.json()) as { checks: { window: { records: number } }[] };
    if (!r.ok) throw new Error(`run: ${r.status}`);
    return {
      seconds: (performance.now() - start) / 1000,
      checks: body.checks.length,
      windowRecords: body.checks[0]?.window.records ?? 0,
    };
  });
  if (value.windowRecords !== records)
    throw new Error(`window holds ${value.windowRecords} records, expected ${records}`);
  const profiles = await target.server.ctx.db.selectFrom('monitoring_windows').select('segment').execute();
  return {
    records,
    profiles: profiles.length,
    seconds: value.seconds,
    checks: value.checks,
    rssAboveRestMb: (peak - before) / 1048576,
    heapAboveRestMb: (heapPeak - heapBefore) / 1048576,
  };
}

async function benchEvaluation(): Promise<{ small: EvalFigures; large: EvalFigures; ingestSeconds: number }> {
  const target = await openTarget('sqlite');
  try {
    const batches = WINDOW_RECORDS / BATCH;
    const start = performance.now();
    let small: EvalFigures | undefined;
    for (let b = 0; b < batches; b++) {
      await send(target, batchBody(b * BATCH, BATCH, b % 24));
      if ((b + 1) * BATCH === SMALL_WINDOW) {
        small = await evaluate(target, SMALL_WINDOW);
        log(`evaluation over ${SMALL_WINDOW} records: ${small.seconds.toFixed(2)} s`);
      }
      if (b % 100 === 99) log(`ingested ${(b + 1) * BATCH} records`);
    }
    const ingestSeconds = (performance.now() - start) / 1000;
    const large = await evaluate(target, WINDOW_RECORDS);
    log(`evaluation over ${WINDOW_RECORDS} records: ${large.seconds.toFixed(2)} s`);
    return { small: small!, large, ingestSeconds };
  } finally {
    await target.cleanup();
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: process.env.WARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** Where Warden's ingestion CPU goes, from a `--cpu-prof` profile of this benchmark. */
const PROFILE_NOTE =
  "What Warden does beyond the writer, by a `--cpu-prof` profile of this benchmark: the window profile updates (quantile sketch, distinct count and exact counts per feature, for the whole population and for each segment), rewriting the hot window's stored profiles (the last written object is reused when the stored text is unchanged, instead of being parsed again), the canonical JSON and SHA-256 digests of the batch and of each record's features, validation against the input schema, and the audit entry.";

const startLoad = loadavg();
const sqlite = await benchIngestion('sqlite');
const postgres = (await postgresReachable()) ? await benchIngestion('postgres') : null;
const evaluation = ingestionOnly ? null : await benchEvaluation();

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const per100k = (f: IngestFigures, cpu: number) => ((cpu / f.records) * 100_000).toFixed(2);
const serverSide = (f: IngestFigures) => f.serverCpu + f.databaseCpu;
const ingestRows = (backend: string, figures: IngestFigures[]) =>
  figures.map(
    (f) =>
      `| ${backend} | ${f.concurrency} | ${f.writer === 'warden' ? 'Warden API' : 'minimal durable writer'} | ${fmt(f.records)} | ${fmt(f.perSecond)} | ${per100k(f, f.serverCpu)} s | ${per100k(f, f.databaseCpu)} s | ${per100k(f, serverSide(f))} s | ${per100k(f, f.clientCpu)} s | ${f.p50.toFixed(1)} ms | ${f.p99.toFixed(1)} ms | ${f.peakRssMb.toFixed(0)} MiB |`,
  );
/** Warden's records per server-side CPU-second over the minimal writer's, per concurrency. */
const ratios = (figures: IngestFigures[]) =>
  [1, 4].map((concurrency) => {
    const w = figures.find((f) => f.writer === 'warden' && f.concurrency === concurrency)!;
    const m = figures.find((f) => f.writer === 'minimal' && f.concurrency === concurrency)!;
    return {
      concurrency,
      serverSide: serverSide(m) / m.records / (serverSide(w) / w.records),
      nodeOnly: m.serverCpu / m.records / (w.serverCpu / w.records),
      withClient: (serverSide(m) + m.clientCpu) / m.records / ((serverSide(w) + w.clientCpu) / w.records),
    };
  });
const ratioRows = (backend: string, figures: IngestFigures[]) =>
  ratios(figures).map(
    (r) =>
      `| ${backend} | ${r.concurrency} | **${r.serverSide.toFixed(2)}×** | ${r.nodeOnly.toFixed(2)}× | ${r.withClient.toFixed(2)}× | ≥ 0.6×: ${r.serverSide >= 0.6 ? 'met' : '**missed**'} |`,
  );
const section = [
  SECTION,
  '',
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' (quick mode: reduced sizes)' : ''}.`,
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}; load average at the start ${startLoad.map((l) => l.toFixed(1)).join(' / ')} (other work shared the machine). The server runs in the benchmark process (\`bench/monitoring/run.ts\`), the ingestion client in a child process, HTTP over loopback.`,
  `Command: \`${COMMAND}\`.`,
  '',
  `### Ingestion: ${INGEST_BATCHES} batches of ${fmt(BATCH)} records, 20 features (15 numeric, 5 categorical), one segment attribute`,
  '',
  "Each Warden batch is validated against the input schema, stored (insert-or-ignore on record id), folded into the hourly window profiles (whole population and each segment) and audited, in one transaction, before the answer. The anchor in the same run is a minimal durable writer (in `bench/monitoring/run.ts`): an HTTP server that parses the same NDJSON bodies and inserts the same records into the same `inference_records` table (same indexes, insert-or-ignore on the id) in one transaction per batch with the same durability (SQLite `synchronous=FULL` in WAL mode; PostgreSQL default `synchronous_commit`), and does nothing else — no validation, no profiles, no audit. Warden and the writer alternate on the same database, with the same client process. CPU is measured per role: the server process (`process.cpuUsage`), the PostgreSQL backends serving its connections (`/proc/<pid>/stat` of the backends of the run's database), and the client process.",
  '',
  '| store | clients | writer | records | records/s (wall) | server process CPU per 100k | PostgreSQL backends CPU per 100k | server-side CPU per 100k | client CPU per 100k | batch p50 | batch p99 | peak RSS |',
  '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...ingestRows('SQLite', sqlite),
  ...(postgres
    ? ingestRows('PostgreSQL', postgres)
    : ['| PostgreSQL | — | — | — | not reachable in this run | | | | | | | |']),
  '',
  'Warden against the minimal writer, records per CPU-second (1.0× would be no overhead at all). The goal is on server-side CPU (server process plus, on PostgreSQL, its database backends); the Node-process-only and client-included ratios are shown beside it.',
  '',
  '| store | clients | server-side CPU ratio | server process only | client included | goal |',
  '| --- | ---: | ---: | ---: | ---: | --- |',
  ...ratioRows('SQLite', sqlite),
  ...(postgres ? ratioRows('PostgreSQL', postgres) : []),
  '',
  `Reading: records/s (wall) depends on the share of the two cores the processes got (load average above); CPU per record does not, and the ratio to the minimal writer measured in the same run is the figure to compare across runs. ${PROFILE_NOTE}`,
  '',
  ...(evaluation
    ? [
        `### Evaluation over a ${fmt(WINDOW_RECORDS)}-record window (SQLite)`,
        '',
        `${fmt(WINDOW_RECORDS)} records were ingested through the API (${evaluation.ingestSeconds.toFixed(0)} s) into 24 hourly buckets; \`POST /monitoring/run\` then evaluates every rule over the last 24 hours, overall and per segment, from the stored profiles only (never the raw rows).`,
        '',
        '| window | stored profiles read | checks | time | peak JS heap above the resting process | peak RSS above it | goal |',
        '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
        `| ${fmt(evaluation.small.records)} | ${evaluation.small.profiles} | ${evaluation.small.checks} | ${evaluation.small.seconds.toFixed(2)} s | ${evaluation.small.heapAboveRestMb.toFixed(1)} MiB | ${evaluation.small.rssAboveRestMb.toFixed(0)} MiB | |`,
        `| ${fmt(evaluation.large.records)} | ${evaluation.large.profiles} | ${evaluation.large.checks} | ${evaluation.large.seconds.toFixed(2)} s | ${evaluation.large.heapAboveRestMb.toFixed(1)} MiB | ${evaluation.large.rssAboveRestMb.toFixed(0)} MiB | < 5 s: ${evaluation.large.seconds < 5 ? 'met' : '**missed**'} |`,
        '',
        'The evaluation reads one profile per (bucket, segment); its cost grows with the number of buckets and segments in the window, not with the records in them.',
        '',
      ]
    : []),
].join('\n');

process.stdout.write(`${section}\n`);
if (write) {
  const path = join(root, 'BENCHMARKS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(SECTION);
  if (start < 0) writeFileSync(path, `${text.trimEnd()}\n\n${section}`);
  else {
    const next = text.indexOf('\n## ', start + SECTION.length);
    const old = text.slice(start, next < 0 ? text.length : next + 1);
    const kept = old.indexOf('### Evaluation over');
    const earlier =
      evaluation === null && kept >= 0
        ? `${old
            .slice(kept)
            .replace(/\n*$/, '')
            .replace(
              /^(### Evaluation over[^\n]*)/,
              '$1 (figures of an earlier full run; this run measured ingestion only)',
            )}\n\n`
        : '';
    writeFileSync(
      path,
      `${text.slice(0, start)}${section}${earlier}${next < 0 ? '' : `\n${text.slice(next + 1)}`}`,
    );
  }
  log(`wrote ${path}`);
}

/**
 * Registry benchmark. For each store — the embedded SQLite default and PostgreSQL (a database
 * created and dropped for the run at WARDEN_TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres, when reachable) — it starts `warden serve`, loads
 * 1,000 models × 10 versions over HTTP (timing POST version), and drives GET version with
 * autocannon. The same GET load is also driven against a bare Hono process answering one version's
 * JSON, the anchor the store figures are compared with in the same run. Then it times
 * `warden audit verify` over a 1,000,000-entry audit log.
 *
 *   npm run bench:registry            (BENCH_MODELS, BENCH_VERSIONS, BENCH_SECONDS, BENCH_CONNECTIONS,
 *                                      BENCH_AUDIT to scale; BENCH_PART=http or BENCH_PART=audit runs
 *                                      only that part; BENCH_STORES=sqlite or postgres runs one store;
 *                                      BENCH_CPU_PROF=DIR writes a CPU profile of each server there;
 *                                      BENCH_BASELINE_CLI=…/dist/cli/main.js also runs another build of
 *                                      Warden, an earlier commit's, after each store's run, for
 *                                      before/after figures taken under the same load)
 *
 * Besides reads per second and latency, each GET load reports the CPU seconds the serving process
 * spent per 1,000 reads (from /proc, so the load generator is not counted) and, on PostgreSQL, what
 * the database's backend processes spent: on a loaded machine these move far less than the rates.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import SqliteDatabase from '../../src/db/sqlite-driver.js';
import { GENESIS_HASH, hashEntry } from '../../src/audit/audit-chain.js';
import {
  cpuSnapshot,
  cpuSpent,
  postgresBackendPids,
  processCpuSeconds,
  profileFlags,
} from './process-cpu.js';
import { inParallel, waitHealthy } from '../support/spawned-server.js';

const MODELS = Number(process.env.BENCH_MODELS ?? 1000);
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const AUDIT_ENTRIES = Number(process.env.BENCH_AUDIT ?? 1_000_000);
const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',');
const ADMIN_URL = process.env.WARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLI = path.resolve('dist/cli/main.js');

function cli(args: string[], build: string = CLI): string {
  const r = spawnSync(process.execPath, [build, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`warden ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function freePort(): number {
  return 18_000 + Math.floor(Math.random() * 2000);
}

const names = Array.from({ length: MODELS }, (_, i) => `model-${String(i).padStart(4, '0')}`);

interface ReadFigures {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  total: number;
  /** CPU seconds of the serving process per 1,000 reads. */
  cpuPer1000: number;
  /** CPU seconds of the PostgreSQL backends per 1,000 reads (PostgreSQL only). */
  dbCpuPer1000?: number;
}

/** GET version at CONNECTIONS connections for SECONDS, visiting versions in a scattered order. */
async function driveReads(
  url: string,
  serverPid: number | undefined,
  token?: string,
  dbPids: readonly number[] = [],
): Promise<ReadFigures> {
  let i = 0;
  const cpuBefore = processCpuSeconds(serverPid);
  const dbBefore = cpuSnapshot(dbPids);
  const reads = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          i = (i + 7919) % (MODELS * VERSIONS);
          return {
            ...req,
            path: `/api/v1/models/${names[Math.floor(i / VERSIONS)]}/versions/1.${i % VERSIONS}.0`,
          };
        },
      },
    ],
  });
  if (reads.non2xx > 0 || reads.errors > 0)
    throw new Error(`reads failed: ${reads.non2xx} non-2xx, ${reads.errors} errors`);
  const total = reads.requests.total;
  const figures: ReadFigures = {
    rps: reads.requests.average,
    p50: reads.latency.p50,
    p99: reads.latency.p99,
    max: reads.latency.max,
    total,
    cpuPer1000: ((processCpuSeconds(serverPid) - cpuBefore) * 1000) / total,
  };
  if (dbPids.length > 0) figures.dbCpuPer1000 = (cpuSpent(dbBefore, cpuSnapshot(dbPids)) * 1000) / total;
  return figures;
}

function readLine(label: string, f: ReadFigures): string {
  return (
    `GET version on ${label}, ${CONNECTIONS} connections, ${SECONDS} s: ${f.rps.toFixed(0)} reads/s, ` +
    `p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms (${f.total} requests); ` +
    `CPU per 1,000 reads: server ${f.cpuPer1000.toFixed(3)} s` +
    (f.dbCpuPer1000 === undefined ? '' : `, PostgreSQL backends ${f.dbCpuPer1000.toFixed(3)} s`)
  );
}

interface StoreFigures {
  label: string;
  modelsPerSec: number;
  writesPerSec: number;
  reads: ReadFigures;
  /** One version as the server answers it, for the bare-Hono anchor. */
  sample: string;
}

async function benchStore(
  label: string,
  storeArgs: string[],
  dbPids?: () => Promise<number[]>,
  build: string = CLI,
): Promise<StoreFigures> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const token = cli(['init', ...storeArgs], build)
    .trim()
    .split('\n')
    .pop()!;
  const server: ChildProcess = spawn(
    process.execPath,
    [...profileFlags(label.replace(/\W+/g, '-')), build, 'serve', ...storeArgs, '--port', String(port)],
    { stdio: 'ignore' },
  );
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    await waitHealthy(url);
    const post = async (p: string, body: unknown) => {
      const r = await fetch(url + p, { method: 'POST', headers, body: JSON.stringify(body) });
      if (r.status !== 201) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    };
    let t0 = performance.now();
    await inParallel(names, 16, (name) =>
      post('/api/v1/models', { name, owner: 'bench', riskTier: 3, tags: { bench: 'yes' } }),
    );
    const modelSecs = (performance.now() - t0) / 1000;

    const versionJobs = names.flatMap((name) => Array.from({ length: VERSIONS }, (_, v) => ({ name, v })));
    t0 = performance.now();
    await inParallel(versionJobs, 16, ({ name, v }) =>
      post(`/api/v1/models/${name}/versions`, {
        version: `1.${v}.0`,
        framework: 'xgboost',
        lineage: {
          datasets: [{ name: 'train', uri: 's3://bench/train.parquet', sha256: 'a'.repeat(64) }],
          trainingRunId: `run-${v}`,
        },
        metrics: { auc: 0.8 + v / 1000, accuracy: 0.9 },
        inputSchema: [{ name: 'amount', type: 'number', min: 0 }],
      }),
    );
    const versionSecs = (performance.now() - t0) / 1000;
    const sample = await (await fetch(`${url}/api/v1/models/${names[0]}/versions/1.0.0`, { headers })).text();

    const reads = await driveReads(url, server.pid, token, dbPids ? await dbPids() : []);
    const figures = {
      label,
      modelsPerSec: MODELS / modelSecs,
      writesPerSec: versionJobs.length / versionSecs,
      reads,
      sample,
    };
    console.log(
      `${label}: models: ${MODELS} in ${modelSecs.toFixed(1)} s (${figures.modelsPerSec.toFixed(0)}/s)`,
    );
    console.log(
      `${label}: POST version: ${versionJobs.length} in ${versionSecs.toFixed(1)} s → ${figures.writesPerSec.toFixed(0)} writes/s (16 concurrent clients)`,
    );
    console.log(readLine(label, reads));
    return figures;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

async function benchSqlite(build: string = CLI, label = 'SQLite'): Promise<StoreFigures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-'));
  try {
    return await benchStore(label, ['--data-dir', dataDir], undefined, build);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function benchPostgres(build: string = CLI, label = 'PostgreSQL'): Promise<StoreFigures | null> {
  if (!(await postgresReachable())) {
    console.log('PostgreSQL: not reachable, skipped');
    return null;
  }
  const dbName = `warden_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-'));
  try {
    return await benchStore(
      label,
      ['--data-dir', dataDir, '--database-url', url.toString()],
      () => postgresBackendPids(ADMIN_URL, dbName),
      build,
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 500));
    await admin(`drop database if exists ${dbName} with (force)`);
  }
}

/** The same GET load against a bare Hono process that answers `sample` without auth or store. */
async function benchBareHono(sample: string): Promise<ReadFigures> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const bodyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-hono-')), 'version.json');
  fs.writeFileSync(bodyFile, sample);
  const server = spawn(
    process.execPath,
    [
      ...profileFlags('bare-hono'),
      '--import',
      'tsx',
      path.resolve('bench/registry/bare-hono.ts'),
      String(port),
      bodyFile,
    ],
    { stdio: 'ignore' },
  );
  try {
    await waitHealthy(url);
    const reads = await driveReads(url, server.pid);
    console.log(readLine('bare Hono (same JSON, no auth, no store)', reads));
    return reads;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(path.dirname(bodyFile), { recursive: true, force: true });
  }
}

async function benchHttp(): Promise<void> {
  const load = os.loadavg().map((l) => l.toFixed(2));
  const baseline = process.env.BENCH_BASELINE_CLI ? path.resolve(process.env.BENCH_BASELINE_CLI) : undefined;
  const sqlite = STORES.includes('sqlite') ? await benchSqlite() : null;
  const sqliteBaseline =
    STORES.includes('sqlite') && baseline ? await benchSqlite(baseline, 'SQLite (baseline)') : null;
  const postgres = STORES.includes('postgres') ? await benchPostgres() : null;
  const postgresBaseline =
    STORES.includes('postgres') && baseline ? await benchPostgres(baseline, 'PostgreSQL (baseline)') : null;
  const sample = sqlite?.sample ?? postgres?.sample;
  if (!sample) return;
  const bare = await benchBareHono(sample);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log(
    `load average at start: ${load.join(', ')}; at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  for (const s of [sqlite, sqliteBaseline, postgres, postgresBaseline]) {
    if (!s) continue;
    console.log(
      `${s.label}: reads ${ratio(s.reads.rps, bare.rps)} bare Hono; CPU per read ${ratio(s.reads.cpuPer1000, bare.cpuPer1000)} bare Hono's` +
        (s.reads.dbCpuPer1000 === undefined
          ? ''
          : ` (${ratio(s.reads.cpuPer1000 + s.reads.dbCpuPer1000, bare.cpuPer1000)} with the database's backends)`),
    );
  }
  if (sqlite && postgres) {
    console.log(
      `PostgreSQL / SQLite: reads ${ratio(postgres.reads.rps, sqlite.reads.rps)}, writes ${ratio(postgres.writesPerSec, sqlite.writesPerSec)}`,
    );
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_PART !== 'audit') await benchHttp();
  if (process.env.BENCH_PART !== 'http') benchAuditVerify();
}

function benchAuditVerify(): void {
  // Audit verify over a large log: entries are appended with the product's own chain function
  // straight into a fresh embedded store, then the real `warden audit verify` command is timed.
  const auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-audit-'));
  cli(['init', '--data-dir', auditDir]);
  const sqlite = new SqliteDatabase(path.join(auditDir, 'warden.db'));
  sqlite.exec('delete from audit_log; delete from audit_checkpoints;');
  const insert = sqlite.prepare(
    'insert into audit_log (seq, at, actor, action, subject, request_id, change, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let prev = GENESIS_HASH;
  const fill = sqlite.transaction((from: number, to: number) => {
    for (let seq = from; seq <= to; seq++) {
      const e = {
        seq,
        at: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
        actor: `user-${seq % 17}`,
        action: 'version.created',
        subject: `model:model-${seq % 1000}@1.${seq % 10}.0`,
        requestId: `req_${seq}`,
        change: `{"metrics":{"auc":0.8},"stage":"development","version":"1.${seq % 10}.0"}`,
        prevHash: prev,
      };
      const hash = hashEntry(e);
      insert.run(e.seq, e.at, e.actor, e.action, e.subject, e.requestId, e.change, e.prevHash, hash);
      prev = hash;
    }
  });
  for (let from = 1; from <= AUDIT_ENTRIES; from += 100_000)
    fill(from, Math.min(AUDIT_ENTRIES, from + 99_999));
  sqlite.prepare('update audit_head set seq = ?, hash = ? where id = 1').run(AUDIT_ENTRIES, prev);
  sqlite.close();
  const t1 = performance.now();
  const out = cli(['audit', 'verify', '--data-dir', auditDir]);
  const verifySecs = (performance.now() - t1) / 1000;
  console.log(
    `audit verify: ${out.trim()} — wall ${verifySecs.toFixed(2)} s including process start → ${(AUDIT_ENTRIES / verifySecs).toFixed(0)} entries/s`,
  );
  fs.rmSync(auditDir, { recursive: true, force: true });
}

await main();

/**
 * Registry write benchmark: POST version at 16 concurrent clients, on the embedded SQLite store and
 * on PostgreSQL (a database created and dropped for each run at BENCH_DATABASE_URL's server, default
 * postgres://postgres@127.0.0.1:5432/bench_writes). Besides writes per second it reports the CPU the
 * serving process and the PostgreSQL backends spent per write (from /proc), the commits per write
 * (pg_stat_database), and what the backends were waiting on, sampled from pg_stat_activity.
 *
 *   npm run build && tsx bench/registry/writes.ts
 *       BENCH_MODELS (200), BENCH_VERSIONS (10), BENCH_ROUNDS (2), BENCH_STORES (sqlite,postgres),
 *       BENCH_BASELINE_CLI=…/dist/cli/main.js runs an earlier build too, interleaved round by round,
 *       BENCH_CPU_PROF=DIR writes a CPU profile of each server there.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  cpuSnapshot,
  cpuSpent,
  postgresBackendPids,
  processCpuSeconds,
  profileFlags,
} from './process-cpu.js';
import { inParallel, waitHealthy } from '../support/spawned-server.js';

const MODELS = Number(process.env.BENCH_MODELS ?? 200);
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CLIENTS = 16;
const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',');
const SERVER_URL = new URL(
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bench_writes',
);
const ADMIN_URL = Object.assign(new URL(SERVER_URL), { pathname: '/postgres' }).toString();
const builds: [string, string][] = [['this build', path.resolve('dist/cli/main.js')]];
if (process.env.BENCH_BASELINE_CLI) builds.push(['baseline', path.resolve(process.env.BENCH_BASELINE_CLI)]);

interface WriteFigures {
  writesPerSec: number;
  /** Milliseconds of CPU per write. */
  serverCpu: number;
  dbCpu?: number;
  commitsPerWrite?: number;
  /** Share of sampled backend states, by wait event ("running" when not waiting). */
  waits?: Map<string, number>;
}

async function adminQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function commits(db: string): Promise<number> {
  const [row] = await adminQuery<{ n: string }>(
    'select xact_commit as n from pg_stat_database where datname = $1',
    [db],
  );
  return Number(row?.n ?? 0);
}

/** Samples the wait events of `db`'s active backends every 20 ms until `stop` resolves. */
async function sampleWaits(db: string, stop: Promise<unknown>): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  const counts = new Map<string, number>();
  let done = false;
  void stop.then(() => (done = true));
  try {
    while (!done) {
      const { rows } = await client.query<{ w: string }>(
        `select coalesce(wait_event_type || ':' || wait_event, 'running') as w from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and state <> 'idle'`,
        [db],
      );
      for (const r of rows) counts.set(r.w, (counts.get(r.w) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await client.end();
  }
  return counts;
}

async function run(build: string, label: string, store: 'sqlite' | 'postgres'): Promise<WriteFigures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-writes-'));
  const dbName = `warden_writes_${randomBytes(4).toString('hex')}`;
  const storeArgs = ['--data-dir', dataDir];
  if (store === 'postgres') {
    await adminQuery(`create database ${dbName}`);
    storeArgs.push(
      '--database-url',
      Object.assign(new URL(SERVER_URL), { pathname: `/${dbName}` }).toString(),
    );
  }
  const init = spawnSync(process.execPath, [build, 'init', ...storeArgs], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  const token = init.stdout.trim().split('\n').pop()!;
  const port = 19_000 + Math.floor(Math.random() * 2000);
  const url = `http://127.0.0.1:${port}`;
  const server: ChildProcess = spawn(
    process.execPath,
    [
      ...profileFlags(`writes-${store}-${label.replace(/\W+/g, '-')}`),
      build,
      'serve',
      ...storeArgs,
      '--port',
      String(port),
    ],
    { stdio: 'ignore' },
  );
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async (p: string, body: unknown) => {
    const r = await fetch(url + p, { method: 'POST', headers, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  };

  try {
    await waitHealthy(url);
    const names = Array.from({ length: MODELS }, (_, i) => `model-${String(i).padStart(4, '0')}`);
    await inParallel(names, CLIENTS, (name) => post('/api/v1/models', { name, owner: 'bench', riskTier: 3 }));
    const jobs = names.flatMap((name) => Array.from({ length: VERSIONS }, (_, v) => ({ name, v })));
    const dbPids = store === 'postgres' ? await postgresBackendPids(ADMIN_URL, dbName) : [];
    const commitsBefore = store === 'postgres' ? await commits(dbName) : 0;
    const serverBefore = processCpuSeconds(server.pid);
    const dbBefore = cpuSnapshot(dbPids);
    const t0 = performance.now();
    const writes = inParallel(jobs, CLIENTS, ({ name, v }) =>
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
    const waits = store === 'postgres' ? sampleWaits(dbName, writes) : undefined;
    await writes;
    const secs = (performance.now() - t0) / 1000;
    const figures: WriteFigures = {
      writesPerSec: jobs.length / secs,
      serverCpu: ((processCpuSeconds(server.pid) - serverBefore) * 1000) / jobs.length,
    };
    if (store === 'postgres') {
      figures.dbCpu = (cpuSpent(dbBefore, cpuSnapshot(dbPids)) * 1000) / jobs.length;
      // The statistics collector reports commits with a short delay.
      await new Promise((r) => setTimeout(r, 1200));
      figures.commitsPerWrite = ((await commits(dbName)) - commitsBefore) / jobs.length;
      figures.waits = await waits;
    }
    return figures;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres') await adminQuery(`drop database if exists ${dbName} with (force)`);
  }
}

function describe(store: string, label: string, f: WriteFigures): string {
  let line = `${store} (${label}): ${f.writesPerSec.toFixed(0)} writes/s; CPU per write: server ${f.serverCpu.toFixed(2)} ms`;
  if (f.dbCpu !== undefined) line += `, PostgreSQL backends ${f.dbCpu.toFixed(2)} ms`;
  if (f.commitsPerWrite !== undefined) line += `; ${f.commitsPerWrite.toFixed(2)} commits per write`;
  if (f.waits) {
    const total = [...f.waits.values()].reduce((a, b) => a + b, 0);
    const top = [...f.waits]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([w, n]) => `${w} ${((100 * n) / total).toFixed(0)} %`);
    line += `; backend states sampled: ${top.join(', ')}`;
  }
  return line;
}

console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
console.log(`${MODELS * VERSIONS} POST version per run, ${CLIENTS} concurrent clients, ${ROUNDS} rounds`);
const results = new Map<string, WriteFigures[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const store of STORES as ('sqlite' | 'postgres')[]) {
    for (const [label, build] of round % 2 === 0 ? builds : [...builds].reverse()) {
      const f = await run(build, label, store);
      console.log(`round ${round + 1}: ${describe(store, label, f)}`);
      const key = `${store}|${label}`;
      results.set(key, [...(results.get(key) ?? []), f]);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [label] of builds) {
  const rate = (store: string) => median((results.get(`${store}|${label}`) ?? []).map((f) => f.writesPerSec));
  if (STORES.includes('sqlite') && STORES.includes('postgres'))
    console.log(
      `${label}: PostgreSQL / SQLite writes (median of rounds): ${(rate('postgres') / rate('sqlite')).toFixed(2)}×`,
    );
}
console.log(
  `load average at end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);

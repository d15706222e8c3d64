/**
 * Rollout routing benchmark, bounded:
 *  1. in-process decisions (`decideRoute`, what the Node router answers from its cached table):
 *     per-call latency percentiles over 200,000 timed calls, and calls per second over 2,000,000;
 *  2. HTTP decisions per second (`GET /api/v1/models/{name}/route?key=…`) on `warden serve` next to
 *     a bare Hono handler answering the same JSON in its own process, in the same run, with
 *     autocannon at 50 connections; for each, the CPU seconds the serving process spent per 1,000
 *     decisions (from /proc, the load generator not counted), and on PostgreSQL its backends'.
 *
 *   npm run build && tsx bench/rollouts/run.ts
 *     BENCH_SECONDS (default 5) per HTTP run; BENCH_DATABASE_URL=postgres://… also runs PostgreSQL
 *     (on a fresh database: use one created for the run; with several rounds or a baseline, each
 *     PostgreSQL run gets its own database named after it, dropped at the end);
 *     BENCH_CPU_PROF=DIR profiles the servers; BENCH_ROUNDS (default 1) repeats the HTTP runs,
 *     interleaved (bare Hono, then Warden on each store), so a loaded machine's drift hits every
 *     server alike; BENCH_BASELINE_CLI=…/dist/cli/main.js also runs another build of Warden (an
 *     earlier commit's) in each round, for before/after figures taken under the same load.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { decideRoute, type RouteEntry } from '../../src/rollouts/rollout-routing.js';
import {
  cpuSnapshot,
  cpuSpent,
  postgresBackendPids,
  processCpuSeconds,
  profileFlags,
} from '../registry/process-cpu.js';
import { waitHealthy } from '../support/spawned-server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLI = path.resolve('dist/cli/main.js');

function benchInProcess(): void {
  const entry: RouteEntry = {
    model: 'fraud',
    champion: '1.0.0',
    rollout: {
      id: 'rol_01JBENCH',
      strategy: 'canary',
      candidate: '1.1.0',
      candidateWeight: 25,
      shadow: false,
    },
  };
  const keys = Array.from({ length: 4096 }, (_, i) => `user-${(i * 2654435761) >>> 0}`);
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += decideRoute(entry, keys[i & 4095]!).variant.length; // warm-up
  const samples = new Float64Array(200_000);
  for (let i = 0; i < samples.length; i++) {
    const t0 = process.hrtime.bigint();
    sink += decideRoute(entry, keys[i & 4095]!).variant.length;
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  samples.sort();
  const pct = (q: number) => samples[Math.floor(q * (samples.length - 1))]! / 1000;
  const n = 2_000_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += decideRoute(entry, keys[i & 4095]!).variant.length;
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `in-process decision: p50 ${pct(0.5).toFixed(3)} µs, p99 ${pct(0.99).toFixed(3)} µs, p99.9 ${pct(0.999).toFixed(3)} µs (each timed call includes ~hrtime overhead); ${(n / secs / 1e6).toFixed(2)} M decisions/s (${sink > 0 ? 'ok' : ''})`,
  );
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  /** CPU seconds of the serving process per 1,000 decisions. */
  cpuPer1000: number;
  /** CPU seconds of the PostgreSQL backends per 1,000 decisions. */
  dbCpuPer1000?: number;
}

function describe(f: Figures): string {
  return (
    `${f.rps.toFixed(0)} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms; CPU per 1,000: server ${f.cpuPer1000.toFixed(3)} s` +
    (f.dbCpuPer1000 === undefined ? '' : `, PostgreSQL backends ${f.dbCpuPer1000.toFixed(3)} s`)
  );
}

async function drive(
  url: string,
  serverPid: number | undefined,
  token?: string,
  dbPids: readonly number[] = [],
): Promise<Figures> {
  let i = 0;
  const cpuBefore = processCpuSeconds(serverPid);
  const dbBefore = cpuSnapshot(dbPids);
  const result = await autocannon({
    url,
    connections: 50,
    duration: SECONDS,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          path: `/api/v1/models/fraud/route?key=user-${(i = (i + 7919) % 100_000)}`,
        }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const total = result.requests.total;
  const figures: Figures = {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPer1000: ((processCpuSeconds(serverPid) - cpuBefore) * 1000) / total,
  };
  if (dbPids.length > 0) figures.dbCpuPer1000 = (cpuSpent(dbBefore, cpuSnapshot(dbPids)) * 1000) / total;
  return figures;
}

/** Starts `warden serve` on a fresh store with a model, a champion and a canary at 25 %, both set through SQL. */
async function benchWarden(
  label: string,
  storeArgs: string[],
  sqlite: string | null,
  cli: string = CLI,
): Promise<Figures> {
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const url = `http://127.0.0.1:${port}`;
  const init = spawnSync(process.execPath, [cli, 'init', ...storeArgs], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);
  const token = init.stdout.trim().split('\n').pop()!;
  const server: ChildProcess = spawn(
    process.execPath,
    [
      ...profileFlags(`route-${label.replace(/\W+/g, '-')}`),
      cli,
      'serve',
      ...storeArgs,
      '--port',
      String(port),
    ],
    { stdio: 'ignore' },
  );
  try {
    await waitHealthy(url);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (p: string, body: unknown) => {
      const r = await fetch(url + p, { method: 'POST', headers, body: JSON.stringify(body) });
      if (r.status !== 201) throw new Error(`${p}: ${r.status} ${await r.text()}`);
      return (await r.json()) as { id: string };
    };
    const model = await post('/api/v1/models', { name: 'fraud', owner: 'bench', riskTier: 3 });
    const versionBody = (version: string) => ({
      version,
      framework: 'xgboost',
      lineage: { datasets: [{ name: 'train', uri: 's3://bench/train.parquet', sha256: 'a'.repeat(64) }] },
      metrics: { auc: 0.8 },
    });
    const v1 = await post('/api/v1/models/fraud/versions', versionBody('1.0.0'));
    const v2 = await post('/api/v1/models/fraud/versions', versionBody('1.1.0'));
    // The routing table is all the route handler reads; its rows are set directly to keep the bench short.
    const statements = [
      `UPDATE models SET champion_version_id = '${v1.id}' WHERE id = '${model.id}'`,
      `INSERT INTO rollouts (id, model_id, model_name, strategy, status, active, candidate_version_id, candidate_version, champion_version_id, champion_version, change_request_id, plan, step, candidate_weight, step_started_at, next_analysis_at, analysis, created_by, created_at, updated_at) VALUES ('rol_bench', '${model.id}', 'fraud', 'canary', 'paused', 1, '${v2.id}', '1.1.0', '${v1.id}', '1.0.0', 'chr_bench', '{}', 0, 25, '2026-01-01T00:00:00Z', '2099-01-01T00:00:00Z', '[]', 'bench', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    ];
    if (sqlite) {
      const { default: Database } = await import('../../src/db/sqlite-driver.js');
      const db = new Database(sqlite);
      for (const s of statements) db.exec(s);
      db.close();
    } else {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: storeArgs[1] });
      await client.connect();
      for (const s of statements) await client.query(s);
      await client.end();
    }
    await new Promise((r) => setTimeout(r, 500));
    const check = (await (await fetch(`${url}/api/v1/models/fraud/route?key=u1`, { headers })).json()) as {
      rolloutId?: string;
    };
    if (check.rolloutId !== 'rol_bench')
      throw new Error(`route did not see the rollout: ${JSON.stringify(check)}`);
    let dbPids: number[] = [];
    if (!sqlite) {
      const dbUrl = new URL(storeArgs[1]!);
      const admin = new URL(dbUrl);
      admin.pathname = '/postgres';
      dbPids = await postgresBackendPids(admin.toString(), dbUrl.pathname.slice(1));
    }
    const figures = await drive(url, server.pid, token, dbPids);
    console.log(`HTTP route decisions, warden serve on ${label}: ${describe(figures)}`);
    return figures;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

/** The same load against a bare Hono process (bench/rollouts/bare-hono.ts), like `warden serve` its own process. */
async function benchBareHono(): Promise<Figures> {
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const server = spawn(
    process.execPath,
    [
      ...profileFlags('route-bare-hono'),
      '--import',
      'tsx',
      path.resolve('bench/rollouts/bare-hono.ts'),
      String(port),
    ],
    { stdio: 'ignore' },
  );
  try {
    await waitHealthy(`http://127.0.0.1:${port}`);
    const figures = await drive(`http://127.0.0.1:${port}`, server.pid);
    console.log(`HTTP, bare Hono handler (same JSON, no auth, no store, own process): ${describe(figures)}`);
    return figures;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

/** A fresh database beside BENCH_DATABASE_URL's, named `<its name>_<suffix>`; its URL. */
async function createDatabase(suffix: string, created: string[]): Promise<string> {
  const url = new URL(process.env.BENCH_DATABASE_URL!);
  const name = `${url.pathname.slice(1)}_${suffix}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  created.push(name);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabases(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const admin = new URL(process.env.BENCH_DATABASE_URL!);
  admin.pathname = '/postgres';
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  benchInProcess();
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
  const baselineCli = process.env.BENCH_BASELINE_CLI
    ? path.resolve(process.env.BENCH_BASELINE_CLI)
    : undefined;
  const builds: [string, string][] = [['', CLI]];
  if (baselineCli) builds.push([' (baseline)', baselineCli]);
  const ownDatabases = rounds > 1 || baselineCli !== undefined;
  const created: string[] = [];
  const ratios = new Map<string, number[]>();
  try {
    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) console.log(`round ${round} of ${rounds}, load average ${os.loadavg()[0]!.toFixed(2)}`);
      const bare = await benchBareHono();
      const compare = (label: string, f: Figures) => {
        const ratio = f.rps / bare.rps;
        ratios.set(label, [...(ratios.get(label) ?? []), ratio]);
        console.log(
          `${label}: ${(100 * ratio).toFixed(0)} % of bare Hono's rate; CPU per decision ` +
            `${(f.cpuPer1000 / bare.cpuPer1000).toFixed(2)}× bare Hono's (bare/Warden CPU: ${((100 * bare.cpuPer1000) / f.cpuPer1000).toFixed(0)} %)`,
        );
      };
      for (const [tag, cli] of builds) {
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-rollouts-'));
        try {
          const label = `SQLite${tag}`;
          compare(
            label,
            await benchWarden(label, ['--data-dir', dataDir], path.join(dataDir, 'warden.db'), cli),
          );
        } finally {
          fs.rmSync(dataDir, { recursive: true, force: true });
        }
        if (process.env.BENCH_DATABASE_URL) {
          const url = ownDatabases
            ? await createDatabase(`r${round}${tag ? '_base' : ''}`, created)
            : process.env.BENCH_DATABASE_URL;
          const label = `PostgreSQL${tag}`;
          compare(label, await benchWarden(label, ['--database-url', url], null, cli));
        }
      }
    }
  } finally {
    await dropDatabases(created);
  }
  if (rounds > 1)
    for (const [label, values] of ratios)
      console.log(
        `${label}, rate vs bare Hono per round: ${values.map((v) => `${(100 * v).toFixed(0)} %`).join(', ')}`,
      );
  console.log(
    `load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
}

await main();

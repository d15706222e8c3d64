/**
 * Refused-request flood benchmark, bounded and on loopback only:
 *  1. store growth: `warden serve` (embedded SQLite) takes 2,000 POSTs without a token; the store is
 *     measured after a clean shutdown (refused requests are written at shutdown at the latest) with
 *     its write-ahead log checkpointed, against the same store measured the same way before;
 *  2. legitimate write throughput: `POST /api/v1/models` with a token (unique names, 8 connections)
 *     for BENCH_SECONDS alone, then for BENCH_SECONDS while another client sends 2,000 token-less
 *     POSTs, in alternating rounds (BENCH_ROUNDS, default 3) so machine noise falls on both.
 *
 *   npm run build && tsx bench/denials/run.ts
 *     BENCH_SECONDS (default 5) per throughput run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { waitHealthy } from '../support/spawned-server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FLOOD = 2_000;
const CLI = path.resolve('dist/cli/main.js');

interface Running {
  url: string;
  stop(): Promise<void>;
}

async function serve(dataDir: string, env: Record<string, string> = {}): Promise<Running> {
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } },
  );
  await waitHealthy(url);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not stop within 30 s')), 30_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Bytes of the SQLite store with its write-ahead log folded in, and its audit entries. */
async function storeSize(
  dataDir: string,
): Promise<{ bytes: number; auditEntries: number; denied: number; deniedBytes: number }> {
  const { default: Database } = await import('../../src/db/sqlite-driver.js');
  const db = new Database(path.join(dataDir, 'warden.db'));
  db.pragma('wal_checkpoint(TRUNCATE)');
  const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
  const auditEntries = count('select count(*) as n from audit_log');
  const denied = count("select count(*) as n from audit_log where action = 'access.denied'");
  // What the entries hold (every text column), as SQLite may fit them in free pages without growing the file.
  const deniedBytes = count(
    "select coalesce(sum(length(change) + length(actor) + length(action) + length(subject) + length(at) + length(hash) + length(prev_hash) + coalesce(length(request_id), 0)), 0) as n from audit_log where action = 'access.denied'",
  );
  db.close();
  const bytes = ['warden.db', 'warden.db-wal']
    .map((f) => path.join(dataDir, f))
    .filter((f) => fs.existsSync(f))
    .reduce((s, f) => s + fs.statSync(f).size, 0);
  return { bytes, auditEntries, denied, deniedBytes };
}

async function flood(url: string): Promise<{ statuses: Record<string, number>; seconds: number }> {
  const t0 = performance.now();
  const result = await autocannon({
    url,
    connections: 8,
    amount: FLOOD,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/models',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'intruder', owner: 'nobody', riskTier: 4 }),
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [k, v] of Object.entries(result.statusCodeStats ?? {}))
    statuses[k] = (v as { count: number }).count;
  return { statuses, seconds: (performance.now() - t0) / 1000 };
}

let modelCounter = 0;
async function legitimateWrites(url: string, token: string): Promise<number> {
  const run = modelCounter++;
  let i = 0;
  const result = await autocannon({
    url,
    connections: 8,
    duration: SECONDS,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: '/api/v1/models',
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ name: `bench-${run}-${i++}`, owner: 'bench', riskTier: 3 }),
        }),
      },
    ],
  });
  if (result.errors > 0 || result.non2xx > 0)
    throw new Error(`legitimate writes: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total / SECONDS;
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error('run `npm run build` first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-denials-'));
  const init = spawnSync(process.execPath, [CLI, 'init', '--data-dir', dataDir], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);
  const token = init.stdout.trim().split('\n').pop()!;
  console.log(
    `node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}`,
  );
  try {
    // 1. Store growth from the flood alone: with the default per-address limit, then without it.
    let server = await serve(dataDir);
    await legitimateWrites(server.url, token); // warm the store so page allocation is not counted as growth
    await server.stop();
    for (const [label, env] of [
      ['default limit (120 token-less requests per address and minute)', {}],
      ['no per-address limit', { WARDEN_ANONYMOUS_REQUESTS_PER_MINUTE: '0' }],
    ] as const) {
      const before = await storeSize(dataDir);
      server = await serve(dataDir, env);
      const f = await flood(server.url);
      await server.stop();
      const after = await storeSize(dataDir);
      console.log(
        `${label}: ${FLOOD} token-less POSTs in ${f.seconds.toFixed(2)} s, answers ${JSON.stringify(f.statuses)}; store file grew ${after.bytes - before.bytes} bytes; ${after.auditEntries - before.auditEntries} audit entries (${after.denied - before.denied} access.denied holding ${after.deniedBytes - before.deniedBytes} bytes)`,
      );
    }

    // 2. Legitimate write throughput alone and under the flood, alternating.
    server = await serve(dataDir);
    const alone: number[] = [];
    const flooded: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      alone.push(await legitimateWrites(server.url, token));
      const [rate] = await Promise.all([legitimateWrites(server.url, token), flood(server.url)]);
      flooded.push(rate);
    }
    await server.stop();
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const show = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(`legitimate writes alone: ${show(alone)} writes/s (mean ${mean(alone).toFixed(0)})`);
    console.log(
      `legitimate writes with the flood: ${show(flooded)} writes/s (mean ${mean(flooded).toFixed(0)})`,
    );
    console.log(`throughput cut: ${((1 - mean(flooded) / mean(alone)) * 100).toFixed(1)} %`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

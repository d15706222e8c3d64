/**
 * Registry benchmark: starts `warden serve` on the embedded SQLite default, loads 1,000 models ×
 * 10 versions over HTTP (timing POST version), drives GET version with autocannon at 50
 * connections, then times `warden audit verify` over a 1,000,000-entry audit log.
 *
 *   npm run bench:registry            (BENCH_MODELS, BENCH_VERSIONS, BENCH_SECONDS, BENCH_AUDIT to scale;
 *                                      BENCH_PART=audit runs only the audit part)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import SqliteDatabase from '../../src/db/sqlite-driver.js';
import { GENESIS_HASH, hashEntry } from '../../src/audit/audit-chain.js';

const MODELS = Number(process.env.BENCH_MODELS ?? 1000);
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const AUDIT_ENTRIES = Number(process.env.BENCH_AUDIT ?? 1_000_000);
const CLI = path.resolve('dist/cli/main.js');
const PORT = 18_000 + Math.floor(Math.random() * 1000);
const URL = `http://127.0.0.1:${PORT}`;

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`warden ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function waitHealthy(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${URL}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  if (process.env.BENCH_PART !== 'audit') await benchHttp();
  benchAuditVerify();
}

async function benchHttp(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-'));
  const token = cli(['init', '--data-dir', dataDir]).trim().split('\n').pop()!;
  const server: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--data-dir', dataDir, '--port', String(PORT)],
    {
      stdio: 'ignore',
    },
  );
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    await waitHealthy();
    const post = async (p: string, body: unknown) => {
      const r = await fetch(URL + p, { method: 'POST', headers, body: JSON.stringify(body) });
      if (r.status !== 201) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    };
    const names = Array.from({ length: MODELS }, (_, i) => `model-${String(i).padStart(4, '0')}`);
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

    let i = 0;
    const reads = await autocannon({
      url: URL,
      connections: 50,
      duration: SECONDS,
      headers: { authorization: `Bearer ${token}` },
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

    console.log(`models: ${MODELS} in ${modelSecs.toFixed(1)} s (${(MODELS / modelSecs).toFixed(0)}/s)`);
    console.log(
      `POST version: ${versionJobs.length} in ${versionSecs.toFixed(1)} s → ${(versionJobs.length / versionSecs).toFixed(0)} writes/s (16 concurrent clients)`,
    );
    console.log(
      `GET version, 50 connections, ${SECONDS} s: ${reads.requests.average.toFixed(0)} reads/s, ` +
        `p50 ${reads.latency.p50} ms, p99 ${reads.latency.p99} ms, max ${reads.latency.max} ms (${reads.requests.total} requests)`,
    );
  } finally {
    server.kill('SIGTERM');
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
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

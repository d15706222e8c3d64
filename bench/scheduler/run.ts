/**
 * `npm run bench:scheduler`: monitor scheduler capacity, in evaluations per minute.
 *
 * A store holds MODELS tier-1 models (four rule families with a cadence each, so four slots per
 * model), each with a reference baseline and a window of inference records. Every slot is made due
 * at once and the scheduler rounds (`runDueMonitors`, what `warden serve` runs every 5 s) drain
 * them; the figure is slots run over the wall time of the drain. Measured:
 *
 *   - anchor: the same evaluations run one after another through `runModelMonitoring` directly,
 *     without the schedule (claims, leases, the lag check), in this process;
 *   - one server on SQLite, one server on PostgreSQL (each a separate Node process);
 *   - two servers on one PostgreSQL database, draining the same slots at once (they claim disjoint
 *     slots; the sum is the cluster's figure).
 *
 * Bounded: each drain stops after DRAIN_LIMIT_MS. Traffic goes to 127.0.0.1 only. Flags:
 * `--quick` (fewer models). PostgreSQL at WARDEN_TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres); a database is created and dropped for the run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { issueToken } from '../../src/auth/token.service.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { runModelMonitoring } from '../../src/monitoring/monitoring.run.js';
import { RULE_FAMILIES, rulesOfFamilies } from '../../src/monitoring/rules/evaluate.js';
import { requireModel } from '../../src/registry/registry.service.js';
import { startServer } from '../../src/server/server.js';

const quick = process.argv.includes('--quick');
const MODELS = quick ? 30 : 150;
const RECORDS = 200;
const DRAIN_LIMIT_MS = 180_000;
const NOW = new Date('2026-03-02T12:00:00.000Z');
const log = (line: string) => process.stderr.write(`${line}\n`);
const root = new URL('../../', import.meta.url).pathname;

let seed = 2026;
const uniform = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

function records(prefix: string, n: number, shift: number, at: Date): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    timestamp: new Date(at.getTime() - (1 + Math.floor(uniform() * 50)) * 60_000).toISOString(),
    features: {
      amount: Math.round((50 + shift + uniform() * 100) * 100) / 100,
      age: 20 + Math.floor(uniform() * 40),
      country: ['de', 'fr', 'it'][Math.floor(uniform() * 3)],
    },
    prediction: uniform() < 0.3 ? 1 : 0,
    score: uniform(),
  }));
}

/** Creates the models, versions, references and inference windows through the API. */
async function seedStore(config: Config): Promise<void> {
  const server = await startServer(config, { background: false, now: () => NOW });
  try {
    const { token } = await server.ctx.db
      .transaction()
      .execute((trx) =>
        issueToken(
          trx,
          server.ctx.audit,
          { principal: 'bench', roles: ['admin'] },
          { actor: 'bench', requestId: null, now: NOW },
        ),
      );
    const post = async (path: string, body: unknown) => {
      const r = await fetch(server.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    };
    for (let m = 0; m < MODELS; m++) {
      const name = `sched-${m}`;
      await post('/api/v1/models', { name, owner: 'bench', riskTier: 1 });
      await post(`/api/v1/models/${name}/versions`, {
        version: '1.0.0',
        lineage: { datasets: [{ name: 'train', uri: 's3://d/train', sha256: 'a'.repeat(64) }] },
        metrics: { accuracy: 0.9, precision: 0.9, recall: 0.9, brier: 0.1 },
        inputSchema: [
          { name: 'amount', type: 'number', min: 0 },
          { name: 'age', type: 'integer' },
          { name: 'country', type: 'category', categories: ['de', 'fr', 'it'] },
        ],
      });
      const v = `/api/v1/models/${name}/versions/1.0.0`;
      await post(
        `${v}/reference`,
        records('ref', RECORDS, 0, NOW).map((r) => {
          const { features, prediction, score } = r as Record<string, unknown>;
          return { features, prediction, score };
        }),
      );
      await post(`${v}/inferences`, records('inf', RECORDS, m % 3 === 0 ? 30 : 0, NOW));
    }
  } finally {
    await server.close();
  }
}

/** Anchor: every (model, family) evaluated once, one after another, without the schedule. */
async function directEvaluations(config: Config): Promise<{ evaluations: number; ms: number }> {
  const server = await startServer(config, { background: false, now: () => NOW });
  try {
    const models = await server.ctx.db.selectFrom('models').select('name').execute();
    const at = new Date(NOW.getTime() - 7 * 86_400_000); // slots no schedule uses
    const began = performance.now();
    let evaluations = 0;
    for (const { name } of models) {
      const model = await requireModel(server.ctx.db, name);
      for (const family of RULE_FAMILIES) {
        await runModelMonitoring(server.ctx, model, {
          now: at,
          rules: rulesOfFamilies([family]),
          trigger: 'schedule',
          family,
          scheduledFor: at.toISOString(),
          runner: 'bench-direct',
        });
        evaluations++;
      }
      if (performance.now() - began > DRAIN_LIMIT_MS) break;
    }
    return { evaluations, ms: performance.now() - began };
  } finally {
    await server.close();
  }
}

interface WorkerResult {
  ran: number;
  ms: number;
}

/** Starts `count` scheduler processes over the store, releases them together, waits for their drains. */
async function drain(config: Config, count: number, clock: Date): Promise<WorkerResult[]> {
  const workers = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/scheduler/worker.ts')], {
      cwd: root,
      env: {
        ...process.env,
        BENCH_CONFIG: JSON.stringify(config),
        BENCH_CLOCK: clock.toISOString(),
        BENCH_LIMIT_MS: String(DRAIN_LIMIT_MS),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const outputs = workers.map((w) => {
    let text = '';
    w.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return new Promise<string>((resolve, reject) => {
      w.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`worker exited ${code}`))));
    });
  });
  // Each worker prints "ready" once its store is open; then all start at once.
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          const onData = (chunk: Buffer) => {
            if (chunk.toString().includes('ready')) {
              w.stdout.off('data', onData);
              resolve();
            }
          };
          w.stdout.on('data', onData);
        }),
    ),
  );
  for (const w of workers) w.stdin.end('go\n');
  const texts = await Promise.all(outputs);
  return texts.map((t) => JSON.parse(t.slice(t.lastIndexOf('{'))) as WorkerResult);
}

/** Makes every slot due at `clock` again (a new day, so no slot collides with a run already stored). */
async function makeAllDue(config: Config, clock: Date): Promise<number> {
  const server = await startServer(config, { background: false, now: () => clock });
  try {
    await server.ctx.db
      .updateTable('monitor_schedule')
      .set({ next_run_at: clock.toISOString(), last_run_at: null, lease_token: null, lease_until: null })
      .execute();
    const rows = await server.ctx.db.selectFrom('monitor_schedule').select('id').execute();
    // Before the first round no slot exists yet: that round creates one per (model, family), due now.
    return rows.length || MODELS * RULE_FAMILIES.length;
  } finally {
    await server.close();
  }
}

const perMinute = (n: number, ms: number) => Math.round((n / ms) * 60_000);

async function main(): Promise<void> {
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const admin = process.env.WARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `warden_bench_sched_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${dbName}`);
  const dirs: string[] = [];
  try {
    const url = new URL(admin);
    url.pathname = `/${dbName}`;
    for (const backend of ['sqlite', 'postgres'] as const) {
      const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-sched-'));
      dirs.push(dataDir);
      const config = loadConfig(
        { dataDir, port: 0, ...(backend === 'postgres' ? { databaseUrl: url.toString() } : {}) },
        {},
      );
      log(`${backend}: seeding ${MODELS} models …`);
      await seedStore(config);
      const anchor = await directEvaluations(config);
      log(
        `${backend}: anchor, direct evaluations: ${anchor.evaluations} in ${(anchor.ms / 1000).toFixed(1)} s = ${perMinute(anchor.evaluations, anchor.ms)}/min`,
      );
      let day = 1;
      const clock = () => new Date(NOW.getTime() + day * 86_400_000);
      const slots = await makeAllDue(config, clock());
      const [one] = await drain(config, 1, clock());
      log(
        `${backend}: one server: ${one!.ran} of ${slots} slots in ${(one!.ms / 1000).toFixed(1)} s = ${perMinute(one!.ran, one!.ms)}/min`,
      );
      if (backend === 'postgres') {
        day = 2;
        const again = await makeAllDue(config, clock());
        const two = await drain(config, 2, clock());
        const ran = two.reduce((s, r) => s + r.ran, 0);
        const wall = Math.max(...two.map((r) => r.ms));
        log(
          `${backend}: two servers: ${ran} of ${again} slots (${two.map((r) => r.ran).join(' + ')}) in ${(wall / 1000).toFixed(1)} s = ${perMinute(ran, wall)}/min together (${two.map((r) => perMinute(r.ran, r.ms)).join(' + ')} per server)`,
        );
      }
    }
  } finally {
    await client.query(`drop database if exists ${dbName} with (force)`);
    await client.end();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();

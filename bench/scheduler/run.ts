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
 * Each line also gives the CPU per evaluation: the scheduler processes' user + system time and
 * the PostgreSQL backends' (read from /proc), so capacity per CPU-second can be compared when
 * the wall-clock figures are bounded by the machine's cores.
 *
 * Bounded: each drain stops after DRAIN_LIMIT_MS. Traffic goes to 127.0.0.1 only. Flags:
 * `--quick` (30 models), `--models=150`, `--backends=sqlite,postgres`, `--servers=1,2` (scheduler processes
 * draining together, one round each, PostgreSQL), `--cpu-share=0.25` (each scheduler process held to
 * that share of one core by a cgroup quota, so that servers are compared as if each had a machine
 * of its own; the database is not limited). PostgreSQL at WARDEN_TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres); a database is created and dropped for the run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config/config.js';
import { runModelMonitoring } from '../../src/monitoring/monitoring.run.js';
import { RULE_FAMILIES, rulesOfFamilies } from '../../src/monitoring/rules/evaluate.js';
import { requireModel } from '../../src/registry/registry.service.js';
import { startServer } from '../../src/server/server.js';
import { cpuSnapshot, cpuSpent, postgresBackendPids } from '../registry/process-cpu.js';
import { adminSession, versionWithSchema } from '../support/bench-server.js';
import { limitToShare } from './cpu-share.js';

const quick = process.argv.includes('--quick');
const flag = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
/** Stores measured, and how many scheduler processes drain the slots together in each round. */
const BACKENDS = flag('backends', 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>;
const POSTGRES_SERVERS = flag('servers', '1,2').split(',').map(Number);
const MODELS = Number(flag('models', quick ? '30' : '150'));
/** With `--cpu-share=S`, each scheduler process is held to S of one core (a cgroup quota), as on a machine of its own. */
const CPU_SHARE = process.argv.some((a) => a.startsWith('--cpu-share='))
  ? Number(flag('cpu-share', '1'))
  : undefined;
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
    const { post } = await adminSession(server, NOW);
    for (let m = 0; m < MODELS; m++) {
      const name = `sched-${m}`;
      await post('/api/v1/models', { name, owner: 'bench', riskTier: 1 });
      await post(
        `/api/v1/models/${name}/versions`,
        versionWithSchema([
          { name: 'amount', type: 'number', min: 0 },
          { name: 'age', type: 'integer' },
          { name: 'country', type: 'category', categories: ['de', 'fr', 'it'] },
        ]),
      );
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
async function directEvaluations(
  config: Config,
  backends?: Backends,
): Promise<{ evaluations: number; ms: number; cpuMs: number; databaseCpuSeconds: number }> {
  const server = await startServer(config, { background: false, now: () => NOW });
  try {
    const databaseBefore = await backendCpu(backends);
    const cpu = process.cpuUsage();
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
    const ms = performance.now() - began;
    const used = process.cpuUsage(cpu);
    const databaseCpuSeconds = backendCpuSpent(databaseBefore, await backendCpu(backends));
    return { evaluations, ms, cpuMs: (used.user + used.system) / 1000, databaseCpuSeconds };
  } finally {
    await server.close();
  }
}

interface WorkerResult {
  ran: number;
  ms: number;
  /** The scheduler process's user + system CPU over its drain. */
  cpuMs: number;
}

/** Where the PostgreSQL backends of the bench database are found (their CPU is read from /proc). */
interface Backends {
  adminUrl: string;
  database: string;
}

/** CPU seconds of the database's backends: a snapshot to compare with a later one. */
async function backendCpu(backends: Backends | undefined): Promise<Map<number, number>> {
  if (backends === undefined) return new Map();
  return cpuSnapshot(await postgresBackendPids(backends.adminUrl, backends.database));
}

/** CPU seconds the backends spent between two snapshots; a backend that appeared in between counts whole. */
function backendCpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  const fresh = [...after].filter(([pid]) => !before.has(pid));
  return cpuSpent(before, after) + fresh.reduce((sum, [, cpu]) => sum + (Number.isFinite(cpu) ? cpu : 0), 0);
}

/**
 * Starts `count` scheduler processes over the store, releases them together, waits for their
 * drains; with `backends`, also the CPU seconds the database's backends spent during the drains.
 */
async function drain(
  config: Config,
  count: number,
  clock: Date,
  backends?: Backends,
): Promise<{ results: WorkerResult[]; databaseCpuSeconds: number }> {
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
  const releases = CPU_SHARE === undefined ? [] : workers.map((w) => limitToShare(w.pid!, CPU_SHARE));
  // Each worker prints "ready" once its store is open, then its result line after the drain.
  const lines = workers.map((w) => {
    let text = '';
    const seen = (word: string) =>
      new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          text += chunk.toString();
          const at = text.indexOf(word);
          if (at === -1 || text.indexOf('\n', at) === -1) return;
          w.stdout.off('data', onData);
          resolve(text.slice(at));
          text = text.slice(text.indexOf('\n', at) + 1);
        };
        w.stdout.on('data', onData);
        w.once('exit', (code) => reject(new Error(`worker exited ${code} before printing ${word}`)));
      });
    return { ready: seen('ready'), exited: new Promise((resolve) => w.once('exit', resolve)), seen };
  });
  await Promise.all(lines.map((l) => l.ready));
  const results = lines.map((l) => l.seen('{'));
  const before = await backendCpu(backends);
  for (const w of workers) w.stdin.write('go\n');
  const texts = await Promise.all(results);
  const after = await backendCpu(backends);
  for (const w of workers) w.stdin.end();
  await Promise.all(lines.map((l) => l.exited));
  for (const release of releases) release();
  return {
    results: texts.map((t) => JSON.parse(t.slice(0, t.indexOf('\n'))) as WorkerResult),
    databaseCpuSeconds: backendCpuSpent(before, after),
  };
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
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** CPU per evaluation: the scheduler processes', the database backends', and evaluations per CPU-second. */
function cpuPerEvaluation(evaluations: number, nodeCpuMs: number, databaseCpuSeconds: number): string {
  const node = nodeCpuMs / evaluations;
  const database = (databaseCpuSeconds * 1000) / evaluations;
  return `CPU per evaluation ${node.toFixed(1)} ms Node + ${database.toFixed(1)} ms database = ${(node + database).toFixed(1)} ms (${(1000 / (node + database)).toFixed(1)} evaluations per CPU-second)`;
}

async function main(): Promise<void> {
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}${CPU_SHARE === undefined ? '' : `; each scheduler process held to ${CPU_SHARE} of a core`}`,
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
    for (const backend of BACKENDS) {
      const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-sched-'));
      dirs.push(dataDir);
      const config = loadConfig(
        { dataDir, port: 0, ...(backend === 'postgres' ? { databaseUrl: url.toString() } : {}) },
        {},
      );
      const backends = backend === 'postgres' ? { adminUrl: admin, database: dbName } : undefined;
      log(`${backend}: seeding ${MODELS} models …`);
      await seedStore(config);
      const anchor = await directEvaluations(config, backends);
      log(
        `${backend}: anchor, direct evaluations: ${anchor.evaluations} in ${(anchor.ms / 1000).toFixed(1)} s = ${perMinute(anchor.evaluations, anchor.ms)}/min; ${cpuPerEvaluation(anchor.evaluations, anchor.cpuMs, anchor.databaseCpuSeconds)}; load ${load()}`,
      );
      // Several servers share a database on PostgreSQL only; SQLite is one server's file.
      const rounds = backend === 'postgres' ? POSTGRES_SERVERS : [1];
      for (const [day, servers] of rounds.entries()) {
        const clock = new Date(NOW.getTime() + (day + 1) * 86_400_000);
        const slots = await makeAllDue(config, clock);
        const { results, databaseCpuSeconds } = await drain(config, servers, clock, backends);
        const ran = results.reduce((sum, r) => sum + r.ran, 0);
        const wall = Math.max(...results.map((r) => r.ms));
        const nodeCpuMs = results.reduce((sum, r) => sum + r.cpuMs, 0);
        log(
          `${backend}: ${servers} server(s): ${ran} of ${slots} slots (${results.map((r) => r.ran).join(' + ')}) in ${(wall / 1000).toFixed(1)} s = ${perMinute(ran, wall)}/min together (${results.map((r) => perMinute(r.ran, r.ms)).join(' + ')} per server); ${cpuPerEvaluation(ran, nodeCpuMs, databaseCpuSeconds)}; load ${load()}`,
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

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/fault-proxy.js';
import { postgresAvailable } from '../../test/support/stores.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { championAndApprovedCandidate, startWithApprovals, traffic } from './rollout.test-helper.js';

const CLI = path.resolve('dist/cli/main.js');
const STEP_SECONDS = 12;

interface Serve {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** `warden serve` in its own process on the shared store, with its background tasks. */
async function serve(databaseUrl: string, dataDir: string): Promise<Serve> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--database-url', databaseUrl, '--data-dir', dataDir, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('warden listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function lockClient(databaseUrl: string): Promise<pg.Client & { pid: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  await client.query('begin');
  return Object.assign(client, { pid });
}

/**
 * Whether some other session waits on a lock the session `holder` holds. Asked on a connection
 * outside any transaction: inside one, PostgreSQL answers pg_stat_activity from the snapshot it
 * took at the transaction's first look, and a wait that began later would never show.
 */
async function blockedBy(monitor: pg.Client, holder: { pid: number }): Promise<true | undefined> {
  const r = await monitor.query<{ n: string }>(
    `select count(*) as n from pg_stat_activity
      where datname = current_database() and $1 = any(pg_blocking_pids(pid))`,
    [holder.pid],
  );
  return Number(r.rows[0]!.n) > 0 ? true : undefined;
}

/** Whether the rollout's row is locked for update by another transaction right now. */
async function rowLocked(databaseUrl: string, id: string): Promise<boolean> {
  const client = await lockClient(databaseUrl);
  try {
    await client.query('select id from rollouts where id = $1 for update nowait', [id]);
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') return true;
    throw error;
  } finally {
    await client.query('rollback').catch(() => undefined);
    await client.end();
  }
}

/**
 * Several `warden serve` processes share one PostgreSQL store (SQLite serves one process). A server
 * killed with SIGKILL in the middle of a step's analysis — it holds the rollout's lease and its
 * step decision is not committed — loses nothing: every record it acknowledged is stored, the
 * rollout still stands where its last committed decision left it, and a second server takes the
 * rollout over once the lease runs out and advances the step exactly once.
 *
 * Server A is held inside its advance decision by two row locks the test takes, never by timing:
 * first a KEY SHARE lock on the rollout's row (A's next decision waits at its FOR UPDATE, so it
 * cannot decide on the traffic while the traffic arrives), then, once every record is
 * acknowledged, the audit chain's head (a hold decision writes no audit entry and passes; the
 * advance appends one and waits there, with the rollout's row locked and its decision uncommitted).
 */
describe.skipIf(!postgresAvailable)('a server killed mid-step [postgres]', () => {
  let h: WorkflowHarness;
  const children: ChildProcess[] = [];
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    h = await startWorkflowHarness('postgres');
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    // A connection a failed run left open would hold its locks while the store is dropped.
    for (const client of clients) await client.end().catch(() => undefined);
    await h.s.close();
  });

  it('resumes the rollout on a second server from its stored state, nothing acknowledged lost', async () => {
    const { databaseUrl, dataDir } = h.s.store;
    // The workflow runs on real time here: the child servers read the wall clock.
    h.clock.now = new Date();
    Object.defineProperty(h.clock, 'now', { get: () => new Date(), set: () => undefined });
    await championAndApprovedCandidate(h, 'fraud');

    const a = await serve(databaseUrl!, dataDir);
    children.push(a.child);
    const api = async (base: string, method: string, p: string, body?: unknown) => {
      const res = await fetch(base + p, {
        method,
        headers: { authorization: `Bearer ${h.s.adminToken}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    // Looser than tier 3's policy (steps, stepSeconds): approved through the harness's server on the same store.
    const started = await startWithApprovals(h, 'fraud', {
      candidate: '1.1.0',
      strategy: 'canary',
      steps: [10, 50, 100],
      analysis: {
        intervalSeconds: 1,
        stepSeconds: STEP_SECONDS,
        minSamplesPerVariant: 30,
        maxWaitSeconds: 3600,
      },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id as string;

    // Barrier 1: A's next decision waits at its lock of the rollout's row, whatever it decided.
    const monitor = new pg.Client({ connectionString: databaseUrl });
    await monitor.connect();
    clients.push(monitor);
    const rowBarrier = await lockClient(databaseUrl!);
    clients.push(rowBarrier);
    await rowBarrier.query('select id from rollouts where id = $1 for key share', [id]);
    await until(
      'server A to wait on the rollout row inside a decision',
      () => blockedBy(monitor, rowBarrier),
      60,
    );

    // Traffic acknowledged by server A, both variants healthy (ingestion does not touch the row).
    const acknowledged: Record<string, string[]> = { '1.0.0': [], '1.1.0': [] };
    for (const [version, records] of [
      ['1.0.0', traffic('champ', 300)],
      ['1.1.0', traffic('cand', 60)],
    ] as const) {
      for (let i = 0; i < records.length; i += 20) {
        const batch = records.slice(i, i + 20).map((r) => ({
          id: r.id,
          timestamp: new Date().toISOString(),
          features: { x: 1 },
          prediction: r.prediction,
          error: false,
          latencyMs: r.latencyMs,
        }));
        const res = await api(a.url, 'POST', `/api/v1/models/fraud/versions/${version}/inferences`, batch);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        acknowledged[version]!.push(...batch.map((r) => r.id));
      }
    }
    const before = await api(a.url, 'GET', `/api/v1/models/fraud/rollouts/${id}`);
    expect(before.body).toMatchObject({
      status: 'progressing',
      step: 0,
      weights: { champion: 90, candidate: 10 },
    });

    // Barrier 2: the audit chain's head. Then A's held decision (a hold, taken before the traffic)
    // goes through, and A analyses again every second until the step has held its time and passes:
    // its advance appends to the audit chain and waits there, inside its decision transaction.
    const auditBarrier = await lockClient(databaseUrl!);
    clients.push(auditBarrier);
    await auditBarrier.query('select * from audit_head for update');
    await rowBarrier.query('rollback');
    let seen = 0;
    const claimed = await until(
      'server A to wait inside its advance decision',
      async () => {
        const row = await h.s.ctx.db
          .selectFrom('rollouts')
          .select(['lease_owner', 'lease_until', 'step'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        const caught =
          row.lease_owner !== null &&
          row.step === 0 &&
          (await blockedBy(monitor, auditBarrier)) &&
          (await rowLocked(databaseUrl!, id));
        // Twice in a row, 200 ms apart: a hold decision never stays in its transaction that long.
        seen = caught ? seen + 1 : 0;
        return seen >= 2 ? row : undefined;
      },
      STEP_SECONDS + 120,
    );
    a.child.kill('SIGKILL');
    expect(await a.exited).toBeNull();
    await auditBarrier.query('rollback');

    // What A left: the lease it claimed, the step it did not advance.
    const left = await h.s.ctx.db
      .selectFrom('rollouts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(left).toMatchObject({
      status: 'progressing',
      step: 0,
      candidate_weight: 10,
      lease_owner: claimed.lease_owner,
    });
    const advancedBefore = await h.s.ctx.db
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'rollout.advanced')
      .execute();
    expect(advancedBefore).toEqual([]);

    const b = await serve(databaseUrl!, dataDir);
    children.push(b.child);
    const resumed = await until(
      'server B to advance the step once the lease runs out',
      async () => {
        const r = await api(b.url, 'GET', `/api/v1/models/fraud/rollouts/${id}`);
        return r.body.step === 1 ? r.body : undefined;
      },
      90,
    );
    expect(resumed).toMatchObject({
      status: 'progressing',
      step: 1,
      weights: { champion: 50, candidate: 50 },
    });
    // The analysis B stored with the advance: every blocking metric passed on the stored records
    // (accuracy waits for labels, which this traffic has none of, and does not block).
    const analysis = resumed.analysis as Array<{
      metric: string;
      verdict: string;
      blocking: boolean;
      counts: Record<string, number>;
    }>;
    expect(analysis.filter((m) => m.blocking).map((m) => [m.metric, m.verdict])).toEqual([
      ['error_rate', 'pass'],
      ['latency_p95_ms', 'pass'],
      ['prediction_psi', 'pass'],
    ]);
    expect(analysis.find((m) => m.metric === 'error_rate')!.counts).toEqual({ champion: 300, candidate: 60 });
    // Every record A acknowledged is stored, once.
    for (const [version, ids] of Object.entries(acknowledged)) {
      const stored = await h.s.ctx.db
        .selectFrom('inference_records')
        .innerJoin('model_versions', 'model_versions.id', 'inference_records.version_id')
        .select('inference_records.record_id')
        .where('model_versions.version', '=', version)
        .execute();
      expect(stored.map((r) => r.record_id).sort()).toEqual([...ids].sort());
    }
    // One advance, by B; and the audit chain A was writing into is whole.
    const advanced = await h.s.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'change'])
      .where('action', '=', 'rollout.advanced')
      .execute();
    expect(advanced).toHaveLength(1);
    expect(JSON.parse(advanced[0]!.change)).toMatchObject({ step: 1 });
    const verify = await api(b.url, 'GET', '/api/v1/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
    b.child.kill('SIGTERM');
    await b.exited;
  }, 240_000);
});

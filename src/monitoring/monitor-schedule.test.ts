import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { startServer, type RunningServer } from '../server/server.js';
import { parseExposition } from '../metrics/exposition.test-helper.js';
import {
  claimDueSchedules,
  nextSlot,
  runDueMonitors,
  SCHEDULE_LAG_RULE,
  slotLag,
} from './monitor-schedule.js';
import { monitorScheduleTask } from './monitoring.tasks.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

describe('nextSlot', () => {
  it('is exactly one cadence later, however late the slot ran', () => {
    // 00:00 + 15 min; the slots a stopped scheduler missed stay due (never skipped).
    expect(nextSlot(new Date('2026-01-01T00:00:00Z'), 15).toISOString()).toBe('2026-01-01T00:15:00.000Z');
    expect(nextSlot(new Date('2026-01-01T23:00:00Z'), 120).toISOString()).toBe('2026-01-02T01:00:00.000Z');
  });
});

describe('slotLag', () => {
  const row = (slot: string, minutes: number, lastRun: string | null) => ({
    next_run_at: slot,
    interval_minutes: minutes,
    last_run_at: lastRun,
  });
  it.each([
    // [why, slot, cadence, last run, started, lag ms, late, over cadence, previous over cadence]
    [
      'on time',
      '2026-01-01T00:15:00Z',
      15,
      '2026-01-01T00:00:05Z',
      '2026-01-01T00:15:04Z',
      4000,
      false,
      false,
      false,
    ],
    [
      'a minute is still on time',
      '2026-01-01T00:15:00Z',
      15,
      null,
      '2026-01-01T00:16:00Z',
      60_000,
      false,
      false,
      false,
    ],
    [
      'late, within the cadence',
      '2026-01-01T00:15:00Z',
      15,
      null,
      '2026-01-01T00:25:00Z',
      600_000,
      true,
      false,
      false,
    ],
    [
      'later than the cadence',
      '2026-01-01T00:15:00Z',
      15,
      null,
      '2026-01-01T00:31:00Z',
      960_000,
      true,
      true,
      false,
    ],
    // The slot before (00:00) started at 00:20, 20 min > 15 late.
    [
      'after an episode',
      '2026-01-01T00:15:00Z',
      15,
      '2026-01-01T00:20:00Z',
      '2026-01-01T00:20:01Z',
      301_000,
      true,
      false,
      true,
    ],
    [
      'started before its slot counts no lag',
      '2026-01-01T00:15:00Z',
      15,
      null,
      '2026-01-01T00:14:00Z',
      0,
      false,
      false,
      false,
    ],
  ])('%s', (_why, slot, minutes, lastRun, started, lagMs, late, overCadence, previousOverCadence) => {
    expect(slotLag(row(slot, minutes, lastRun), new Date(started))).toEqual({
      lagMs,
      late,
      overCadence,
      previousOverCadence,
    });
  });
});

async function lateSlotsCounted(server: TestServer): Promise<number> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  const { samples } = parseExposition(await response.text());
  return (
    samples.find((s) => s.name === 'warden_monitor_slots_total' && s.labels.outcome === 'late')?.value ?? 0
  );
}

describeEachBackend(
  'scheduled monitoring runs each due evaluation exactly once across servers',
  (backend) => {
    let clock = new Date('2026-03-02T10:00:00.000Z');
    let a: TestServer;
    let b: RunningServer;
    beforeEach(async () => {
      clock = new Date('2026-03-02T10:00:00.000Z');
      a = await startTestServer(backend, { now: () => clock });
      // A second server process over the same store.
      b = await startServer(a.store.config, { background: false, now: () => clock });
      for (const name of ['m1', 'm2', 'm3']) await registerMonitoredModel(a, name, { riskTier: 1 });
      const rng = seeded(3);
      await post(
        a,
        '/api/v1/models/m1/versions/1.0.0/inferences',
        Array.from({ length: 50 }, (_, i) => ({
          id: `r${i}`,
          timestamp: '2026-03-02T09:30:00Z',
          features: features(rng),
          prediction: 0,
        })),
      );
    });
    afterEach(async () => {
      await b.close();
      await a.close();
    });

    async function race(rounds: number): Promise<void> {
      const calls: Promise<void>[] = [];
      for (let i = 0; i < rounds; i++)
        calls.push(monitorScheduleTask.runOnce(a.ctx), monitorScheduleTask.runOnce(b.ctx));
      await Promise.all(calls);
    }

    async function runs() {
      return a.ctx.db
        .selectFrom('monitoring_runs')
        .innerJoin('models', 'models.id', 'monitoring_runs.model_id')
        .select([
          'models.name',
          'monitoring_runs.family',
          'monitoring_runs.scheduled_for',
          'monitoring_runs.id',
          'monitoring_runs.checks',
        ])
        .where('trigger', '=', 'schedule')
        .execute();
    }

    it('runs every due (model, family) once, then only what falls due next', async () => {
      await race(8);
      const first = await runs();
      // Tier 1 cadences: performance 15 min, data drift 60 min, concept drift daily, fairness weekly — all due at the first sync.
      expect(first).toHaveLength(12);
      expect(new Set(first.map((r) => `${r.name}/${r.family}`)).size).toBe(12);

      // Each run's checks were stored once, under that run.
      const results = await a.ctx.db.selectFrom('monitoring_results').select(['run_id']).execute();
      const perRun = new Map<string, number>();
      for (const r of results) perRun.set(r.run_id, (perRun.get(r.run_id) ?? 0) + 1);
      for (const run of first) expect(perRun.get(run.id) ?? 0).toBe(run.checks);
      expect(results.length).toBe(first.reduce((s, r) => s + r.checks, 0));
      expect(results.length).toBeGreaterThan(0);

      // Nothing is due again until the clock moves.
      await race(4);
      expect(await runs()).toHaveLength(12);

      clock = new Date('2026-03-02T10:15:00.000Z');
      await race(6);
      const second = await runs();
      expect(second).toHaveLength(15);
      const added = second.filter((r) => !first.some((f) => f.id === r.id));
      expect(added.map((r) => r.family)).toEqual(['performance', 'performance', 'performance']);
      expect(added.every((r) => r.scheduled_for === '2026-03-02T10:15:00.000Z')).toBe(true);

      clock = new Date('2026-03-02T11:00:00.000Z');
      const lateBefore = await lateSlotsCounted(a);
      await race(6);
      const third = await runs();
      // No server ran at 10:30 and 10:45: those slots run late (and are counted), none is skipped;
      // three performance runs per model (10:30, 10:45, 11:00), plus data drift at 11:00.
      expect(third.length - second.length).toBe(12);
      const m1 = third
        .filter((r) => r.name === 'm1' && r.family === 'performance')
        .map((r) => r.scheduled_for)
        .sort();
      expect(m1).toEqual(['10:00', '10:15', '10:30', '10:45', '11:00'].map((t) => `2026-03-02T${t}:00.000Z`));
      // Both servers count in this process: the 10:30 and 10:45 slots of three models were late.
      expect((await lateSlotsCounted(a)) - lateBefore).toBe(6);
      // No slot ran twice, on either server.
      expect(new Set(third.map((r) => `${r.name}/${r.family}/${r.scheduled_for}`)).size).toBe(third.length);
    });
  },
);

describeEachBackend('claimDueSchedules', (backend) => {
  it('gives concurrent claimers disjoint due rows, and leased rows to nobody else until the lease ends', async () => {
    const now = new Date('2026-03-02T10:00:00.000Z');
    const a = await startTestServer(backend, { now: () => now });
    const b = await startServer(a.store.config, { background: false, now: () => now });
    try {
      for (let i = 0; i < 8; i++) await registerMonitoredModel(a, `c${i}`, { riskTier: 3 });
      const ids = await a.ctx.db.selectFrom('models').select('id').execute();
      await a.ctx.db
        .insertInto('monitor_schedule')
        .values(
          ids.flatMap((m, i) =>
            ['performance', 'dataDrift', 'conceptDrift'].map((family, j) => ({
              id: `sch_${i}_${j}`,
              model_id: m.id,
              family,
              interval_minutes: 60,
              next_run_at: '2026-03-02T09:00:00.000Z',
              lease_token: null,
              lease_until: null,
              last_run_at: null,
            })),
          ),
        )
        .execute();
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, k) =>
          claimDueSchedules((k % 2 ? b : a).ctx.db, a.ctx.store.capabilities, now, `token${k}`, 5),
        ),
      );
      const claimed = claims.flat().map((r) => r.id);
      expect(claimed).toHaveLength(24);
      expect(new Set(claimed).size).toBe(24);
      // Everything is leased now: nobody gets anything until the lease (5 minutes) runs out.
      expect(await claimDueSchedules(a.ctx.db, a.ctx.store.capabilities, now, 'late', 50)).toEqual([]);
      const later = new Date(now.getTime() + 6 * 60_000);
      expect(await claimDueSchedules(b.ctx.db, a.ctx.store.capabilities, later, 'takeover', 50)).toHaveLength(
        24,
      );
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describeEachBackend('a scheduler round', (backend) => {
  it('schedules nothing for a model without a version, and every family once its first version exists', async () => {
    let clock = new Date('2026-03-02T10:00:00.000Z');
    const server = await startTestServer(backend, { now: () => clock });
    try {
      // Thousands of models registered ahead of their first version must not fill the schedule with
      // evaluations of nothing (each one a committed transaction).
      for (let i = 0; i < 5; i++) {
        const created = await server.api('POST', '/api/v1/models', {
          body: { name: `empty${i}`, owner: 'alice', riskTier: 1 },
        });
        expect(created.status).toBe(201);
      }
      expect(await runDueMonitors(server.ctx)).toBe(0);
      const rows = () =>
        server.ctx.db.selectFrom('monitor_schedule').select(['model_id', 'family']).execute();
      expect(await rows()).toEqual([]);
      // A tier-1 model with a version: its four rule families are scheduled (see the round test below).
      await registerMonitoredModel(server, 'versioned', { riskTier: 1 });
      // The schedule is brought in line with the registry at most every 30 s.
      clock = new Date(clock.getTime() + 31_000);
      expect(await runDueMonitors(server.ctx, 'server', { budgetMs: 60_000 })).toBe(4);
      const scheduled = await rows();
      expect(scheduled).toHaveLength(4);
      const versioned = await server.ctx.db
        .selectFrom('models')
        .select('id')
        .where('name', '=', 'versioned')
        .executeTakeFirstOrThrow();
      expect(new Set(scheduled.map((r) => r.model_id))).toEqual(new Set([versioned.id]));
    } finally {
      await server.close();
    }
  });

  it('runs every due slot, more than one claim batch, in one round', async () => {
    const now = new Date('2026-03-02T10:00:00.000Z');
    const server = await startTestServer(backend, { now: () => now });
    try {
      // Tier 1: four rule families with a cadence, so 9 models hold 36 due slots (more than a batch of 20).
      for (let i = 0; i < 9; i++) await registerMonitoredModel(server, `round${i}`, { riskTier: 1 });
      expect(await runDueMonitors(server.ctx)).toBe(36);
      const left = await server.ctx.db
        .selectFrom('monitor_schedule')
        .select('id')
        .where('next_run_at', '<=', now.toISOString())
        .execute();
      expect(left).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('opens a schedule_lag alert when a slot starts later than its cadence', async () => {
    let clock = new Date('2026-03-02T10:00:00.000Z');
    const server = await startTestServer(backend, { now: () => clock });
    try {
      await registerMonitoredModel(server, 'laggard', { riskTier: 1 });
      await runDueMonitors(server.ctx);
      // The scheduler stops for two hours; the 15-minute performance slots from 10:15 to 12:00 are
      // all run late, the first ones more than a cadence late.
      clock = new Date('2026-03-02T12:00:00.000Z');
      expect(await runDueMonitors(server.ctx)).toBe(8 + 2);
      const alerts = (await server.api('GET', '/api/v1/alerts?model=laggard')).body.items as Array<{
        rule: string;
        status: string;
      }>;
      const lag = alerts.filter((a) => a.rule === SCHEDULE_LAG_RULE);
      expect(lag).toHaveLength(1);
      expect(lag[0]!.status).toBe('open');
    } finally {
      await server.close();
    }
  });
});

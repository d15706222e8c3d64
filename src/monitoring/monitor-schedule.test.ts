import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { startServer, type RunningServer } from '../server/server.js';
import { claimDueSchedules, nextSlot } from './monitor-schedule.js';
import { monitorScheduleTask } from './monitoring.tasks.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

describe('nextSlot', () => {
  const at = (iso: string) => new Date(iso);
  it.each([
    [
      'the next slot after a run on time',
      '2026-01-01T00:00:00Z',
      15,
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:15:00Z',
    ],
    [
      'skips slots missed while no server ran',
      '2026-01-01T00:00:00Z',
      15,
      '2026-01-01T00:47:00Z',
      '2026-01-01T01:00:00Z',
    ],
    ['never returns the present', '2026-01-01T00:00:00Z', 60, '2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z'],
  ])('%s', (_why, scheduled, minutes, now, expected) => {
    expect(nextSlot(at(scheduled), minutes, at(now)).toISOString()).toBe(at(expected).toISOString());
  });
});

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
      await race(6);
      const third = await runs();
      // 10:30 and 10:45 were missed (no server ran): one performance run per model, plus data drift.
      expect(third.length - second.length).toBe(6);
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { startServer, type RunningServer } from '../server/server.js';
import { runRetrainingSchedule } from '../retraining/retraining.service.js';
import { escalateDueAlerts } from './alert.service.js';
import { check, process, registerModel, testClock } from './alerting.test-helper.js';

// Several servers share a store only on PostgreSQL (SQLite is a single-server store).
describe.skipIf(!postgresAvailable)('alerting with two servers on one PostgreSQL store', () => {
  const backend = 'postgres' as const;
  let first: TestServer;
  let second: RunningServer;
  const clock = testClock('2026-05-01T00:00:00.000Z');

  beforeAll(async () => {
    first = await startTestServer(backend, { now: clock.now });
    second = await startServer(first.store.config, { background: false, now: clock.now });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it('escalates each overdue alert exactly once when both servers run the task at the same time', async () => {
    // Six models, each with a data-drift and a performance alert: twelve alerts.
    for (let m = 0; m < 6; m++) {
      const model = await registerModel(first, `shared-escalation-${m}`, 1);
      await process(first, model, [
        ...Array.from({ length: 4 }, (_, i) => check('data_drift', 'alert', 60, { feature: `f${i}` })),
        check('accuracy_decay', 'alert', 60),
      ]);
    }
    clock.set('2026-05-01T01:00:00.000Z');
    const [a, b] = await Promise.all([
      escalateDueAlerts(first.ctx, clock.now()),
      escalateDueAlerts(second.ctx, clock.now()),
    ]);
    expect(a + b).toBe(12);
    const rows = await first.ctx.db
      .selectFrom('alerts')
      .select(['escalation_level'])
      .where('model_name', 'like', 'shared-escalation-%')
      .execute();
    expect(rows.map((r) => Number(r.escalation_level))).toEqual(Array(12).fill(1));
    const audit = await first.ctx.db
      .selectFrom('audit_log')
      .select('subject')
      .where('action', '=', 'alert.escalated')
      .execute();
    expect(audit).toHaveLength(12);
    expect(new Set(audit.map((r) => r.subject)).size).toBe(12);
    const events = await first.ctx.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('event_type', '=', 'alert.escalated')
      .execute();
    // No subscriber: the outbox gets nothing, but nothing was announced twice either.
    expect(events).toHaveLength(0);
  });

  it('asks for scheduled retraining once when both servers run the schedule at the same time', async () => {
    clock.set('2026-05-02T00:00:00.000Z');
    const models = await Promise.all(
      ['sched-a', 'sched-b', 'sched-c'].map((name) => registerModel(first, name, 1)),
    );
    for (const model of models) {
      const version = await first.ctx.db
        .selectFrom('model_versions')
        .select('id')
        .where('model_id', '=', model.id)
        .executeTakeFirstOrThrow();
      await first.ctx.db
        .updateTable('models')
        .set({ champion_version_id: version.id })
        .where('id', '=', model.id)
        .execute();
    }
    clock.set('2026-05-09T00:00:00.000Z');
    const [a, b] = await Promise.all([
      runRetrainingSchedule(first.ctx, clock.now()),
      runRetrainingSchedule(second.ctx, clock.now()),
    ]);
    expect(a + b).toBe(3);
    const rows = await first.ctx.db
      .selectFrom('retraining_requests')
      .select('model_name')
      .where('model_name', 'in', ['sched-a', 'sched-b', 'sched-c'])
      .execute();
    expect(rows.map((r) => r.model_name).sort()).toEqual(['sched-a', 'sched-b', 'sched-c']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToProduction } from '../../test/support/governance.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { auditOf, check, outbox, process, registerModel, testClock } from '../alerts/alerting.test-helper.js';
import { retrainingScheduleTask } from './retraining-schedule.task.js';

describeEachBackend('retraining requests', (backend) => {
  let server: TestServer;
  const clock = testClock('2026-02-01T00:00:00.000Z');
  let pipeline: string;
  let viewer: string;

  beforeAll(async () => {
    server = await startTestServer(backend, { now: clock.now });
    pipeline = await server.tokenFor('pipeline', ['mlops']);
    viewer = await server.tokenFor('victor', ['viewer']);
    const hook = await server.api('POST', '/api/v1/webhooks', {
      body: {
        url: 'http://127.0.0.1:9/retrain',
        events: ['retraining.requested'],
        secret: 'a-secret-of-some-length',
      },
    });
    expect(hook.status).toBe(201);
  });
  afterAll(() => server.close());

  it('refuses a list filtered by a model that does not exist', async () => {
    const res = await server.api('GET', '/api/v1/retraining-requests?model=no-such-model', { token: viewer });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'not_found',
      message: 'model "no-such-model" does not exist',
    });
  });

  const requestsOf = async (model: string) =>
    (await server.api('GET', `/api/v1/retraining-requests?model=${model}`)).body.items as any[];

  describe('triggers', () => {
    it('an alert on a trigger rule records one request; further triggers add reasons to it', async () => {
      const model = await registerModel(server, 'drifty', 1);
      const first = await process(server, model, [
        check('data_drift', 'alert', 60, { feature: 'age', value: 0.21, threshold: 0.05 }),
        check('data_drift', 'warning', 60, { feature: 'income' }),
        check('latency_p95', 'alert', 60),
      ]);
      expect(first.retraining).toBe(1);
      const second = await process(server, model, [
        check('accuracy_decay', 'alert', 120, { value: 1.2, threshold: 0.5 }),
        check('data_drift', 'alert', 120, { feature: 'age', value: 0.25, threshold: 0.05 }),
      ]);
      expect(second.retraining).toBe(0);
      const items = await requestsOf('drifty');
      expect(items).toHaveLength(1);
      const request = items[0];
      expect(request).toMatchObject({
        model: 'drifty',
        version: '1.0.0',
        status: 'requested',
        dataWindow: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T02:00:00.000Z' },
      });
      expect(request.reasons.map((r: any) => [r.rule, r.feature ?? null, r.value])).toEqual([
        ['data_drift', 'age', 0.25],
        ['accuracy_decay', null, 1.2],
      ]);
      const events = (await outbox(server, 'retraining.requested')).filter(
        (e) => e.subject === `retraining-request:${request.id}`,
      );
      expect(events).toHaveLength(1);
      expect(events[0]!.url).toBe('http://127.0.0.1:9/retrain');
      expect(events[0]!.body.data).toMatchObject({ id: request.id, model: 'drifty', tier: 1 });
      const audit = await auditOf(server, `retraining-request:${request.id}`);
      expect(audit.map((a) => a.action)).toEqual(['retraining.requested', 'retraining.reasons-added']);
    });

    it('new-data volume asks once per version; other triggers still ask after the answer', async () => {
      const model = await registerModel(server, 'volume', 1);
      const volume = (minutes: number) =>
        check('new_data_volume', 'alert', minutes, { value: 60_000, threshold: 50_000 });
      expect((await process(server, model, [volume(60)])).retraining).toBe(1);
      const [first] = await requestsOf('volume');
      expect((await promoteToProduction(server, 'volume', '1.0.0')).body.status).toBe('executed');
      const kept = await server.api('POST', `/api/v1/retraining-requests/${first.id}/result`, {
        token: pipeline,
        body: { status: 'completed', outcome: 'kept' },
      });
      expect(kept.body.keptVersion).toBe('1.0.0');
      // The count only grows for this version: the pipeline has answered it.
      expect((await process(server, model, [volume(120)])).retraining).toBe(0);
      expect(await requestsOf('volume')).toHaveLength(1);
      const drift = await process(server, model, [
        volume(180),
        check('data_drift', 'alert', 180, { feature: 'age' }),
      ]);
      expect(drift.retraining).toBe(1);
      const [second] = await requestsOf('volume');
      expect(second.reasons.map((r: any) => r.rule)).toEqual(['data_drift']);
    });

    it('warnings, non-trigger rules and safety signals do not ask for retraining', async () => {
      const model = await registerModel(server, 'quiet', 2);
      const out = await process(server, model, [
        check('data_drift', 'warning', 60, { feature: 'age' }),
        check('error_rate', 'alert', 60),
        check('safety_signal:jailbreak', 'alert', 60, { n: 1000, count: 40 }),
      ]);
      expect(out.retraining).toBe(0);
      expect(await requestsOf('quiet')).toHaveLength(0);
    });
  });

  describe('results and the decision log', () => {
    it('links the request to the version the pipeline produced and closes it', async () => {
      const model = await registerModel(server, 'loop', 1);
      await process(server, model, [check('prediction_drift', 'alert', 60)]);
      const [request] = await requestsOf('loop');
      expect(
        (await server.api('POST', '/api/v1/models/loop/versions', { body: versionBody('1.1.0') })).status,
      ).toBe(201);
      const body = {
        status: 'completed',
        producedVersion: '1.1.0',
        outcome: 'promoted',
        metricChanges: { accuracy: 0.002, precision: 0.001 },
        note: 'weekly run',
        cost: { amount: 3.2, currency: 'USD' },
      };
      const report = () =>
        server.api('POST', `/api/v1/retraining-requests/${request.id}/result`, { token: pipeline, body });
      // Finding 6: "promoted" for a version that was never promoted.
      const early = await report();
      expect(early.status).toBe(409);
      expect(early.body.error.message).toContain('retraining.promoted-needs-executed-production-request');
      expect((await requestsOf('loop'))[0].status).toBe('requested');
      const noVersion = await server.api('POST', `/api/v1/retraining-requests/${request.id}/result`, {
        token: pipeline,
        body: { status: 'completed', outcome: 'promoted' },
      });
      expect(noVersion.status).toBe(400);
      expect(noVersion.body.error.message).toContain('retraining.promoted-names-version');
      expect((await promoteToProduction(server, 'loop', '1.1.0')).body.status).toBe('executed');
      const result = await report();
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        status: 'completed',
        producedVersion: '1.1.0',
        outcome: 'promoted',
        reportedBy: 'pipeline',
        metricChanges: { accuracy: 0.002, precision: 0.001 },
      });
      const again = await server.api('POST', `/api/v1/retraining-requests/${request.id}/result`, {
        token: pipeline,
        body: { status: 'failed' },
      });
      expect(again.status).toBe(409);

      // Closed: the next trigger opens a new request, which the pipeline reports as kept, then one that fails.
      await process(server, model, [check('prediction_drift', 'alert', 120)]);
      const second = (await requestsOf('loop'))[0];
      expect(second.id).not.toBe(request.id);
      const keep = (extra: Record<string, unknown>) =>
        server.api('POST', `/api/v1/retraining-requests/${second.id}/result`, {
          token: pipeline,
          body: { status: 'completed', outcome: 'kept', metricChanges: { accuracy: 0.0005 }, ...extra },
        });
      const wrongChampion = await keep({ keptVersion: '1.0.0' });
      expect(wrongChampion.status).toBe(409);
      expect(wrongChampion.body.error.message).toContain('retraining.kept-names-champion');
      const kept = await keep({ cost: { amount: 3.2, currency: 'USD' } });
      expect(kept.body.keptVersion).toBe('1.1.0');
      await process(server, model, [check('brier_drift', 'alert', 180)]);
      const third = (await requestsOf('loop'))[0];
      await server.api('POST', `/api/v1/retraining-requests/${third.id}/result`, {
        token: pipeline,
        body: { status: 'failed', note: 'null spike in geo field', cost: { amount: 1.1, currency: 'USD' } },
      });

      const log = await server.api('GET', '/api/v1/models/loop/retraining-log', { token: viewer });
      expect(log.status).toBe(200);
      // Spent 3.20 + 3.20 + 1.10; saved the 3.20 of the run whose version was not promoted.
      expect(log.body.summary).toEqual({
        requests: 3,
        promoted: 1,
        kept: 1,
        failed: 1,
        open: 0,
        costSpent: [{ currency: 'USD', amount: 7.5 }],
        costSaved: [{ currency: 'USD', amount: 3.2 }],
      });
      expect(log.body.entries[1]).toMatchObject({
        keptVersion: '1.1.0',
        cost: { amount: 3.2, currency: 'USD' },
      });
      expect(log.body.entries.map((e: any) => [e.outcome, e.producedVersion ?? null])).toEqual([
        ['failed', null],
        ['kept', null],
        ['promoted', '1.1.0'],
      ]);
      expect(log.body.entries[2].metricChanges).toEqual({ accuracy: 0.002, precision: 0.001 });
      const audit = await auditOf(server, `retraining-request:${request.id}`);
      expect(audit.map((a) => [a.action, a.actor])).toEqual([
        ['retraining.requested', 'warden'],
        ['retraining.completed', 'pipeline'],
      ]);
    });

    it('refuses bad results', async () => {
      const model = await registerModel(server, 'refusals', 2);
      await process(server, model, [check('recall_decay', 'alert', 60)]);
      const [request] = await requestsOf('refusals');
      const post = (body: unknown, token = pipeline) =>
        server.api('POST', `/api/v1/retraining-requests/${request.id}/result`, { token, body });
      expect((await post({ status: 'completed' })).body.error.field).toBe('outcome');
      expect((await post({ status: 'failed', outcome: 'promoted' })).status).toBe(400);
      expect((await post({ status: 'done', outcome: 'kept' })).status).toBe(400);
      expect((await post({ status: 'completed', outcome: 'kept', extra: 1 })).status).toBe(400);
      const missing = await post({ status: 'completed', outcome: 'promoted', producedVersion: '9.9.9' });
      expect(missing.status).toBe(400);
      expect(missing.body.error.field).toBe('producedVersion');
      expect((await post({ status: 'completed', outcome: 'kept' }, viewer)).status).toBe(403);
      expect(
        (
          await server.api('POST', '/api/v1/retraining-requests/rtr_nope/result', {
            token: pipeline,
            body: { status: 'failed' },
          })
        ).status,
      ).toBe(404);
      expect((await server.api('GET', '/api/v1/models/nope/retraining-log')).status).toBe(404);
      // Nothing above closed the request.
      expect((await requestsOf('refusals'))[0].status).toBe('requested');
    });
  });

  describe('schedule', () => {
    it('asks on the tier schedule since the champion version was created, then since the last request', async () => {
      clock.set('2026-03-01T00:00:00.000Z');
      const model = await registerModel(server, 'scheduled', 1);
      // Stands in for a promotion: the schedule only watches models with a production champion.
      const version = await server.ctx.db
        .selectFrom('model_versions')
        .select('id')
        .where('model_id', '=', model.id)
        .executeTakeFirstOrThrow();
      await server.ctx.db
        .updateTable('models')
        .set({ champion_version_id: version.id })
        .where('id', '=', model.id)
        .execute();

      clock.set('2026-03-07T23:59:00.000Z');
      await retrainingScheduleTask.runOnce(server.ctx);
      expect(await requestsOf('scheduled')).toHaveLength(0);

      clock.set('2026-03-08T00:00:00.000Z');
      await retrainingScheduleTask.runOnce(server.ctx);
      await retrainingScheduleTask.runOnce(server.ctx);
      let items = await requestsOf('scheduled');
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        status: 'requested',
        dataWindow: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-08T00:00:00.000Z' },
      });
      expect(items[0].reasons).toEqual([
        { rule: 'scheduled_retraining', value: 7, threshold: 7, at: '2026-03-08T00:00:00.000Z' },
      ]);
      await server.api('POST', `/api/v1/retraining-requests/${items[0].id}/result`, {
        token: pipeline,
        body: { status: 'completed', outcome: 'kept' },
      });

      clock.set('2026-03-14T00:00:00.000Z');
      await retrainingScheduleTask.runOnce(server.ctx);
      expect(await requestsOf('scheduled')).toHaveLength(1);
      clock.set('2026-03-15T00:00:00.000Z');
      await retrainingScheduleTask.runOnce(server.ctx);
      items = await requestsOf('scheduled');
      expect(items).toHaveLength(2);
      expect(items[0].dataWindow.from).toBe('2026-03-08T00:00:00.000Z');
    });

    it('models without a production champion are not scheduled', async () => {
      clock.set('2026-04-01T00:00:00.000Z');
      await registerModel(server, 'unpromoted', 1);
      clock.set('2026-06-01T00:00:00.000Z');
      await retrainingScheduleTask.runOnce(server.ctx);
      expect(await requestsOf('unpromoted')).toHaveLength(0);
    });
  });
});

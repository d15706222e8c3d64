import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { alertEscalationTask } from './alert-escalation.task.js';
import { auditOf, check, outbox, process, registerModel, testClock } from './alerting.test-helper.js';

describeEachBackend('alerts', (backend) => {
  let server: TestServer;
  const clock = testClock('2026-01-01T01:00:00.000Z');
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    server = await startTestServer(backend, { now: clock.now });
    operator = await server.tokenFor('olga', ['operations']);
    viewer = await server.tokenFor('victor', ['viewer']);
    const hook = await server.api('POST', '/api/v1/webhooks', {
      body: {
        url: 'http://127.0.0.1:9/alerts',
        events: ['alert.opened', 'alert.escalated', 'alert.resolved', 'retraining.requested'],
        secret: 'a-secret-of-some-length',
      },
    });
    expect(hook.status).toBe(201);
  });
  afterAll(() => server.close());

  const listFor = async (model: string, query = '') =>
    (await server.api('GET', `/api/v1/alerts?model=${model}${query}`)).body.items as any[];

  describe('deduplication and severity', () => {
    it('two alert checks of one key make one alert with two occurrences', async () => {
      const model = await registerModel(server, 'dedupe-model', 1);
      const first = await process(server, model, [check('data_drift', 'alert', 60, { feature: 'age' })]);
      expect(first).toMatchObject({ opened: 1, resolved: 0 });
      const second = await process(server, model, [
        check('data_drift', 'alert', 120, { feature: 'age', value: 0.42 }),
        check('data_drift', 'ok', 120, { feature: 'income' }),
      ]);
      expect(second.opened).toBe(0);
      const items = await listFor('dedupe-model');
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        model: 'dedupe-model',
        version: '1.0.0',
        rule: 'data_drift',
        feature: 'age',
        severity: 'critical',
        status: 'open',
        occurrences: 2,
        value: 0.42,
        threshold: 0.1,
        escalationLevel: 0,
        escalatedTo: 'ML Engineer',
      });
      expect(items[0].window.to).toBe('2026-01-01T02:00:00.000Z');
    });

    it('one evaluation opens one alert per monitor kind, its features, tests and segments listed inside', async () => {
      const model = await registerModel(server, 'keys-model', 2);
      const out = await process(server, model, [
        check('data_drift', 'alert', 60, { feature: 'age' }),
        check('data_drift', 'alert', 60, { feature: 'age', segment: 'region=eu' }),
        check('data_drift', 'warning', 60, { feature: 'income' }),
        check('missing_increase', 'alert', 60, { feature: 'zip', value: 12, threshold: 5 }),
        check('new_categories', 'ok', 60, { feature: 'country' }),
        check('prediction_drift', 'warning', 60),
        check('accuracy_decay', 'warning', 60),
        check('error_rate', 'alert', 60),
      ]);
      // dataDrift, conceptDrift and performance: three alerts, not seven.
      expect(out.opened).toBe(3);
      const items = await listFor('keys-model');
      expect(items.map((a) => `${a.kind}:${a.severity}`).sort()).toEqual([
        'conceptDrift:medium',
        'dataDrift:high',
        'performance:high',
      ]);
      const drift = items.find((a) => a.kind === 'dataDrift');
      expect(drift.details).toMatchObject({
        rules: ['data_drift', 'missing_increase'],
        features: ['age', 'income', 'zip'],
        segments: ['region=eu'],
      });
      expect(
        drift.details.checks.map((c: any) => `${c.rule}/${c.feature}/${c.segment ?? '-'}:${c.status}`),
      ).toEqual([
        'data_drift/age/-:alert',
        'data_drift/income/-:warning',
        'data_drift/age/region=eu:alert',
        'missing_increase/zip/-:alert',
      ]);
      // The headline is the worst check, first in that order.
      expect(drift).toMatchObject({ rule: 'data_drift', feature: 'age', occurrences: 1 });
      expect(drift.segment).toBeUndefined();
      expect(items.find((a) => a.kind === 'performance').details.rules).toEqual([
        'accuracy_decay',
        'error_rate',
      ]);
      expect((await listFor('keys-model', '&severity=medium')).map((a) => a.kind)).toEqual(['conceptDrift']);
      // One announcement and one audit entry per alert; each escalates once per step.
      const opened = (await outbox(server, 'alert.opened')).filter((e) => e.body.data.model === 'keys-model');
      expect(opened).toHaveLength(3);
      expect(opened.find((e) => e.body.data.kind === 'dataDrift')!.body.data.details.features).toEqual([
        'age',
        'income',
        'zip',
      ]);
    });

    it('a later evaluation adds newly firing checks to the open alert, once each', async () => {
      const model = await registerModel(server, 'grow-model', 2);
      await process(server, model, [check('data_drift', 'warning', 60, { feature: 'a' })]);
      const out = await process(server, model, [
        check('data_drift', 'alert', 120, { feature: 'a' }),
        check('data_drift', 'alert', 120, { feature: 'b' }),
        check('data_drift', 'alert', 120, { feature: 'b' }),
      ]);
      expect(out.opened).toBe(0);
      const [alert] = await listFor('grow-model');
      expect(alert).toMatchObject({ kind: 'dataDrift', severity: 'high', occurrences: 2 });
      expect(alert.details.features).toEqual(['a', 'b']);
      expect(alert.details.checks).toHaveLength(2);
    });

    it('a worse check raises the severity, audited; a milder one does not lower it', async () => {
      const model = await registerModel(server, 'raise-model', 2);
      await process(server, model, [check('error_rate', 'warning', 60)]);
      await process(server, model, [check('error_rate', 'alert', 120)]);
      await process(server, model, [check('error_rate', 'warning', 180)]);
      const [alert] = await listFor('raise-model');
      expect(alert).toMatchObject({ severity: 'high', occurrences: 3 });
      const audit = await auditOf(server, `alert:${alert.id}`);
      expect(audit.map((a) => a.action)).toEqual(['alert.opened', 'alert.severity-raised']);
      expect(audit[1]!.change).toMatchObject({ from: 'medium', to: 'high', occurrences: 2 });
    });

    it('filters by status and pages newest first', async () => {
      const page = await server.api('GET', '/api/v1/alerts?model=keys-model&limit=2');
      expect(page.body.items).toHaveLength(2);
      expect(page.body.nextPageToken).toBeDefined();
      const rest = await server.api(
        'GET',
        `/api/v1/alerts?model=keys-model&limit=2&pageToken=${page.body.nextPageToken}`,
      );
      expect(rest.body.items).toHaveLength(1);
      expect(rest.body.nextPageToken).toBeUndefined();
      const ids = [...page.body.items, ...rest.body.items].map((a: any) => a.id);
      expect(ids).toEqual([...ids].sort().reverse());
      expect(await listFor('keys-model', '&status=resolved')).toHaveLength(0);
    });
  });

  describe('auto-resolve', () => {
    it('resolves after N clean windows and not after N-1 (tier policy N = 3)', async () => {
      const model = await registerModel(server, 'resolve-model', 1);
      await process(server, model, [check('accuracy_decay', 'alert', 60)]);
      const [alert] = await listFor('resolve-model');
      for (const minute of [120, 180]) {
        const out = await process(server, model, [check('accuracy_decay', 'ok', minute)]);
        expect(out.resolved).toBe(0);
      }
      expect((await server.api('GET', `/api/v1/alerts/${alert.id}`)).body).toMatchObject({
        status: 'open',
        cleanWindows: 2,
      });
      const third = await process(server, model, [check('accuracy_decay', 'ok', 240)]);
      expect(third.resolved).toBe(1);
      const resolved = (await server.api('GET', `/api/v1/alerts/${alert.id}`)).body;
      expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'warden', cleanWindows: 3 });
      expect(resolved.comments[0]).toMatchObject({ action: 'auto-resolved', by: 'warden' });
      const resolvedEvents = (await outbox(server, 'alert.resolved')).filter(
        (e) => e.subject === `alert:${alert.id}`,
      );
      expect(resolvedEvents).toHaveLength(1);
      expect(resolvedEvents[0]!.body.data).toMatchObject({
        id: alert.id,
        status: 'resolved',
        automatic: true,
        tier: 1,
      });
    });

    it('re-evaluating the same window never resolves an alert, criticals included; only newer clean windows count', async () => {
      const model = await registerModel(server, 'rerun-model', 1);
      await process(server, model, [
        check('data_drift', 'alert', 60, { feature: 'age' }),
        check('accuracy_decay', 'alert', 60),
      ]);
      // The firing window evaluated again: no new occurrence.
      for (let i = 0; i < 3; i++) await process(server, model, [check('accuracy_decay', 'alert', 60)]);
      const before = await listFor('rerun-model');
      expect(before.map((a) => [a.severity, a.occurrences])).toEqual([
        ['critical', 1],
        ['critical', 1],
      ]);
      // The same clean window evaluated five times counts once.
      for (let i = 0; i < 5; i++) {
        const out = await process(server, model, [
          check('data_drift', 'ok', 120, { feature: 'age' }),
          check('accuracy_decay', 'ok', 120),
        ]);
        expect(out.resolved).toBe(0);
      }
      let items = await listFor('rerun-model');
      expect(items.map((a) => [a.status, a.cleanWindows])).toEqual([
        ['open', 1],
        ['open', 1],
      ]);
      // An older window evaluated again changes nothing.
      await process(server, model, [check('accuracy_decay', 'alert', 60)]);
      items = await listFor('rerun-model');
      expect(items.find((a) => a.kind === 'performance')).toMatchObject({ occurrences: 1, cleanWindows: 1 });
      // Two more newer clean windows (N = 3 for tier 1) resolve them.
      await process(server, model, [
        check('data_drift', 'ok', 180, { feature: 'age' }),
        check('accuracy_decay', 'ok', 180),
      ]);
      const last = await process(server, model, [
        check('data_drift', 'ok', 240, { feature: 'age' }),
        check('accuracy_decay', 'ok', 240),
      ]);
      expect(last.resolved).toBe(2);
    });

    it('a window counts as clean only when every check the alert groups is ok in it', async () => {
      const model = await registerModel(server, 'group-clean-model', 4);
      await process(server, model, [
        check('data_drift', 'alert', 60, { feature: 'a' }),
        check('data_drift', 'alert', 60, { feature: 'b' }),
      ]);
      // b has too little data: not clean (tier 4 resolves after one clean window).
      let out = await process(server, model, [
        check('data_drift', 'ok', 120, { feature: 'a' }),
        check('data_drift', 'insufficient_data', 120, { feature: 'b' }),
      ]);
      expect(out.resolved).toBe(0);
      out = await process(server, model, [
        check('data_drift', 'ok', 180, { feature: 'a' }),
        check('data_drift', 'ok', 180, { feature: 'b' }),
      ]);
      expect(out.resolved).toBe(1);
    });

    it('a firing window in between restarts the clean streak; a new firing after resolution opens a new alert', async () => {
      const model = await registerModel(server, 'streak-model', 2);
      await process(server, model, [check('brier_drift', 'alert', 60)]);
      await process(server, model, [check('brier_drift', 'ok', 120)]);
      await process(server, model, [check('brier_drift', 'ok', 180)]);
      await process(server, model, [check('brier_drift', 'warning', 240)]);
      await process(server, model, [check('brier_drift', 'ok', 300)]);
      await process(server, model, [check('brier_drift', 'insufficient_data', 330)]);
      await process(server, model, [check('brier_drift', 'ok', 360)]);
      let [alert] = await listFor('streak-model');
      expect(alert).toMatchObject({ status: 'open', occurrences: 2, cleanWindows: 2 });
      await process(server, model, [check('brier_drift', 'ok', 420)]);
      [alert] = await listFor('streak-model');
      expect(alert.status).toBe('resolved');
      const reopened = await process(server, model, [check('brier_drift', 'alert', 480)]);
      expect(reopened.opened).toBe(1);
      const items = await listFor('streak-model');
      expect(items.map((a) => a.status)).toEqual(['open', 'resolved']);
    });
  });

  describe('escalation', () => {
    it('escalates after the ack deadline along the tier chain, one step at a time, and not before', async () => {
      clock.set('2026-01-02T00:00:00.000Z');
      const model = await registerModel(server, 'escalate-model', 1);
      await process(server, model, [check('recall_decay', 'alert', 60)]);
      const [alert] = await listFor('escalate-model');
      expect(alert.openedAt).toBe('2026-01-02T00:00:00.000Z');

      clock.set('2026-01-02T00:59:59.000Z');
      await alertEscalationTask.runOnce(server.ctx);
      expect((await server.api('GET', `/api/v1/alerts/${alert.id}`)).body.escalationLevel).toBe(0);

      clock.set('2026-01-02T01:00:00.000Z');
      await alertEscalationTask.runOnce(server.ctx);
      let body = (await server.api('GET', `/api/v1/alerts/${alert.id}`)).body;
      expect(body).toMatchObject({
        escalationLevel: 1,
        escalatedTo: 'MLOps Lead',
        escalatedAt: '2026-01-02T01:00:00.000Z',
      });

      await alertEscalationTask.runOnce(server.ctx);
      expect((await server.api('GET', `/api/v1/alerts/${alert.id}`)).body.escalationLevel).toBe(1);

      clock.set('2026-01-02T02:00:00.000Z');
      await alertEscalationTask.runOnce(server.ctx);
      body = (await server.api('GET', `/api/v1/alerts/${alert.id}`)).body;
      expect(body).toMatchObject({ escalationLevel: 2, escalatedTo: 'VP Engineering' });

      const events = (await outbox(server, 'alert.escalated')).filter(
        (e) => e.subject === `alert:${alert.id}`,
      );
      expect(events.map((e) => e.body.data.escalatedTo)).toEqual(['MLOps Lead', 'VP Engineering']);
      const audit = await auditOf(server, `alert:${alert.id}`);
      expect(audit.filter((a) => a.action === 'alert.escalated').map((a) => a.change.to)).toEqual([
        'MLOps Lead',
        'VP Engineering',
      ]);
    });

    it('an acknowledged alert does not escalate', async () => {
      clock.set('2026-01-03T00:00:00.000Z');
      const model = await registerModel(server, 'acked-model', 1);
      await process(server, model, [check('data_drift', 'alert', 60, { feature: 'x' })]);
      const [alert] = await listFor('acked-model');
      clock.set('2026-01-03T00:30:00.000Z');
      const ack = await server.api('POST', `/api/v1/alerts/${alert.id}/acknowledge`, {
        token: operator,
        body: { comment: 'looking into the upstream feed' },
      });
      expect(ack.status).toBe(200);
      clock.set('2026-01-03T05:00:00.000Z');
      await alertEscalationTask.runOnce(server.ctx);
      const body = (await server.api('GET', `/api/v1/alerts/${alert.id}`)).body;
      expect(body).toMatchObject({ status: 'acknowledged', escalationLevel: 0, acknowledgedBy: 'olga' });
    });

    it('a tier 2 alert waits for its own, longer deadline', async () => {
      clock.set('2026-01-04T00:00:00.000Z');
      const model = await registerModel(server, 'tier2-escalate', 2);
      await process(server, model, [check('data_drift', 'alert', 60, { feature: 'x' })]);
      const [alert] = await listFor('tier2-escalate');
      clock.set('2026-01-04T01:30:00.000Z');
      await alertEscalationTask.runOnce(server.ctx);
      expect((await server.api('GET', `/api/v1/alerts/${alert.id}`)).body.escalationLevel).toBe(0);
      clock.set('2026-01-04T04:00:00.000Z');
      await alertEscalationTask.runOnce(server.ctx);
      expect((await server.api('GET', `/api/v1/alerts/${alert.id}`)).body.escalationLevel).toBe(1);
    });
  });

  describe('acknowledge and resolve', () => {
    it('records the comment, the person and an audit entry for each step', async () => {
      const model = await registerModel(server, 'ack-model', 2);
      await process(server, model, [check('missing_increase', 'alert', 60, { feature: 'zip' })]);
      const [alert] = await listFor('ack-model');
      const opened = (await outbox(server, 'alert.opened')).filter((e) => e.subject === `alert:${alert.id}`);
      expect(opened).toHaveLength(1);
      expect(opened[0]!.body.data).toMatchObject({ id: alert.id, rule: 'missing_increase', tier: 2 });

      const ack = await server.api('POST', `/api/v1/alerts/${alert.id}/acknowledge`, {
        token: operator,
        body: { comment: 'feed outage upstream' },
      });
      expect(ack.status).toBe(200);
      expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'olga' });
      const resolved = await server.api('POST', `/api/v1/alerts/${alert.id}/resolve`, {
        token: operator,
        body: { comment: 'feed restored, missing rate back to 0.1 %' },
      });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: 'olga' });
      expect(resolved.body.comments.map((c: any) => [c.action, c.by, c.comment])).toEqual([
        ['acknowledged', 'olga', 'feed outage upstream'],
        ['resolved', 'olga', 'feed restored, missing rate back to 0.1 %'],
      ]);
      const audit = await auditOf(server, `alert:${alert.id}`);
      expect(audit.map((a) => a.action)).toEqual(['alert.opened', 'alert.acknowledged', 'alert.resolved']);
      expect(audit[1]).toMatchObject({ actor: 'olga', change: { comment: 'feed outage upstream' } });
      const events = (await outbox(server, 'alert.resolved')).filter(
        (e) => e.subject === `alert:${alert.id}`,
      );
      expect(events).toHaveLength(1);
      expect(events[0]!.body.data).toMatchObject({
        id: alert.id,
        status: 'resolved',
        automatic: false,
        tier: 2,
      });

      // Resolved: the key is free again, a new firing opens a new alert.
      const again = await process(server, model, [
        check('missing_increase', 'alert', 120, { feature: 'zip' }),
      ]);
      expect(again.opened).toBe(1);
    });

    it('refuses what it must', async () => {
      const model = await registerModel(server, 'refuse-model', 3);
      await process(server, model, [check('data_drift', 'alert', 60, { feature: 'x' })]);
      const [alert] = await listFor('refuse-model');
      const asViewer = await server.api('POST', `/api/v1/alerts/${alert.id}/acknowledge`, {
        token: viewer,
        body: { comment: 'me too' },
      });
      expect(asViewer.status).toBe(403);
      const noComment = await server.api('POST', `/api/v1/alerts/${alert.id}/acknowledge`, {
        token: operator,
        body: { comment: '  ' },
      });
      expect(noComment.status).toBe(400);
      expect(noComment.body.error.field).toBe('comment');
      const extra = await server.api('POST', `/api/v1/alerts/${alert.id}/resolve`, {
        token: operator,
        body: { comment: 'x', severity: 'low' },
      });
      expect(extra.status).toBe(400);
      const unknown = await server.api('POST', '/api/v1/alerts/alr_nope/acknowledge', {
        token: operator,
        body: { comment: 'x' },
      });
      expect(unknown.status).toBe(404);
      expect((await server.api('GET', '/api/v1/alerts/alr_nope')).status).toBe(404);
      const noToken = await server.api('GET', '/api/v1/alerts', { token: null });
      expect(noToken.status).toBe(401);

      await server.api('POST', `/api/v1/alerts/${alert.id}/resolve`, {
        token: operator,
        body: { comment: 'fixed' },
      });
      const ackResolved = await server.api('POST', `/api/v1/alerts/${alert.id}/acknowledge`, {
        token: operator,
        body: { comment: 'late' },
      });
      expect(ackResolved.status).toBe(409);
      expect(ackResolved.body.error.code).toBe('invalid_transition');
      const resolveTwice = await server.api('POST', `/api/v1/alerts/${alert.id}/resolve`, {
        token: operator,
        body: { comment: 'again' },
      });
      expect(resolveTwice.status).toBe(409);
      const audit = await auditOf(server, `alert:${alert.id}`);
      expect(audit.map((a) => a.action)).toEqual(['alert.opened', 'alert.resolved']);
      const viewerRead = await server.api('GET', `/api/v1/alerts/${alert.id}`, { token: viewer });
      expect(viewerRead.status).toBe(200);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { auditOf, check, registerModel } from '../alerts/alerting.test-helper.js';
import type { CheckedModel, MonitorCheck } from '../monitoring/index.js';
import { applyChecksToIncidents, type BaselineLoader } from './incident.service.js';
import type { RateSample } from './spike-test.js';

describeEachBackend('incidents', (backend) => {
  let server: TestServer;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    operator = await server.tokenFor('olga', ['operations']);
    viewer = await server.tokenFor('victor', ['viewer']);
  });
  afterAll(() => server.close());

  /** Stands in for the stored trailing windows; records what was asked. */
  const baselineOf = (samples: RateSample[], asked: unknown[] = []): BaselineLoader => {
    return (_trx, query) => {
      asked.push({ rule: query.rule, segment: query.segment, before: query.before, limit: query.limit });
      return Promise.resolve(samples);
    };
  };
  const steady = (n: number, count: number, windows = 6) =>
    Array.from({ length: windows }, () => ({ n, count }));
  const signalCheck = (minutes: number, n: number, count: number, extra: Partial<MonitorCheck> = {}) =>
    check('safety_signal:jailbreak_attempt', count / n > 0.05 ? 'alert' : 'ok', minutes, {
      n,
      count,
      value: (count / n) * 100,
      threshold: 5,
      exampleIds: ['r-1', 'r-2', 'r-3'],
      ...extra,
    });
  const apply = (model: CheckedModel, checks: MonitorCheck[], loader: BaselineLoader) =>
    server.ctx.db
      .transaction()
      .execute((trx) =>
        applyChecksToIncidents(
          trx,
          server.ctx,
          { model, version: '1.0.0', checks, now: server.ctx.now() },
          loader,
        ),
      );
  const listFor = async (model: string) =>
    (await server.api('GET', `/api/v1/incidents?model=${model}`)).body.items as any[];

  describe('detection', () => {
    it('a spike against the trailing baseline opens one incident with the evidence', async () => {
      const model = await registerModel(server, 'spiky', 1);
      const hook = await server.api('POST', '/api/v1/webhooks', {
        body: {
          url: 'http://127.0.0.1:9/incidents',
          events: ['incident.opened'],
          secret: 's3cret-s3cret-s3cret',
        },
      });
      expect(hook.status).toBe(201);
      const asked: unknown[] = [];
      const opened = await apply(model, [signalCheck(120, 1000, 50)], baselineOf(steady(1000, 10), asked));
      expect(opened).toBe(1);
      expect(asked).toEqual([
        {
          rule: 'safety_signal:jailbreak_attempt',
          segment: undefined,
          before: '2026-01-01T01:00:00.000Z',
          limit: 12,
        },
      ]);
      const [incident] = await listFor('spiky');
      expect(incident).toMatchObject({
        model: 'spiky',
        version: '1.0.0',
        signal: 'safety_signal:jailbreak_attempt',
        status: 'open',
        window: { from: '2026-01-01T01:00:00.000Z', to: '2026-01-01T02:00:00.000Z', records: 1000 },
        count: 50,
        rate: 0.05,
        baselineRate: 0.01,
        baselineWindows: 6,
        baselineRecords: 6000,
        exampleRecordIds: ['r-1', 'r-2', 'r-3'],
        occurrences: 1,
      });
      expect(incident.pValue).toBeLessThan(0.001);
      expect(incident.test).toMatch(/two-proportion z-test/);
      const audit = await auditOf(server, `incident:${incident.id}`);
      expect(audit.map((a) => a.action)).toEqual(['incident.opened']);
      const outbox = await server.ctx.db
        .selectFrom('webhook_deliveries')
        .select(['event_type', 'subject', 'body'])
        .where('event_type', '=', 'incident.opened')
        .execute();
      expect(outbox).toHaveLength(1);
      expect(outbox[0]!.subject).toBe('model:spiky');
      expect(outbox[0]!.body).toContain(incident.id);

      // The spike goes on: the open incident is updated, not duplicated.
      const again = await apply(model, [signalCheck(180, 1000, 70)], baselineOf(steady(1000, 10)));
      expect(again).toBe(0);
      const items = await listFor('spiky');
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ occurrences: 2, count: 70, rate: 0.07 });
    });

    it('a steady high rate that is the baseline does not open one', async () => {
      const model = await registerModel(server, 'steady-high', 1);
      const opened = await apply(model, [signalCheck(120, 1000, 210)], baselineOf(steady(1000, 200)));
      expect(opened).toBe(0);
      expect(await listFor('steady-high')).toHaveLength(0);
    });

    it('a small sample below the minimum does not open one, however high its rate', async () => {
      const model = await registerModel(server, 'small-sample', 1);
      const opened = await apply(
        model,
        [signalCheck(120, 20, 15), signalCheck(120, 1000, 300, { segment: 'tenant=a' })],
        baselineOf(steady(1000, 1, 2)),
      );
      expect(opened).toBe(0);
      expect(await listFor('small-sample')).toHaveLength(0);
    });

    it('negative feedback is tested too, per segment, and other rules are not', async () => {
      const model = await registerModel(server, 'feedback', 2);
      const opened = await apply(
        model,
        [
          check('negative_feedback_rate', 'alert', 120, { n: 400, count: 120, segment: 'country=fr' }),
          check('error_rate', 'alert', 120, { n: 1000, count: 900 }),
          check('safety_signal:refusal', 'alert', 120),
        ],
        baselineOf(steady(400, 20)),
      );
      expect(opened).toBe(1);
      const [incident] = await listFor('feedback');
      expect(incident).toMatchObject({ signal: 'negative_feedback_rate', segment: 'country=fr', rate: 0.3 });
    });
  });

  describe('acknowledge and resolve', () => {
    it('moves through its states with comments, audited; refuses what it must', async () => {
      const model = await registerModel(server, 'incident-life', 1);
      await apply(model, [signalCheck(120, 1000, 80)], baselineOf(steady(1000, 10)));
      const [incident] = await listFor('incident-life');
      const path = `/api/v1/incidents/${incident.id}`;
      expect(
        (await server.api('POST', `${path}/acknowledge`, { token: viewer, body: { comment: 'x' } })).status,
      ).toBe(403);
      const ack = await server.api('POST', `${path}/acknowledge`, {
        token: operator,
        body: { comment: 'one tenant replaying a jailbreak prompt' },
      });
      expect(ack.status).toBe(200);
      expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'olga' });
      expect(
        (await server.api('POST', `${path}/acknowledge`, { token: operator, body: { comment: 'x' } })).status,
      ).toBe(409);
      const resolved = await server.api('POST', `${path}/resolve`, {
        token: operator,
        body: { comment: 'tenant blocked' },
      });
      expect(resolved.status).toBe(200);
      expect(resolved.body.comments.map((c: any) => c.action)).toEqual(['acknowledged', 'resolved']);
      const late = await server.api('POST', `${path}/acknowledge`, {
        token: operator,
        body: { comment: 'late' },
      });
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('invalid_transition');
      expect(
        (await server.api('POST', `${path}/resolve`, { token: operator, body: { comment: 'again' } })).status,
      ).toBe(409);
      expect(
        (
          await server.api('POST', '/api/v1/incidents/inc_nope/resolve', {
            token: operator,
            body: { comment: 'x' },
          })
        ).status,
      ).toBe(404);
      expect((await server.api('GET', '/api/v1/incidents/inc_nope')).status).toBe(404);
      const audit = await auditOf(server, `incident:${incident.id}`);
      expect(audit.map((a) => [a.action, a.actor])).toEqual([
        ['incident.opened', 'warden'],
        ['incident.acknowledged', 'olga'],
        ['incident.resolved', 'olga'],
      ]);

      // Resolved: a new spike opens a new incident.
      expect(await apply(model, [signalCheck(180, 1000, 90)], baselineOf(steady(1000, 10)))).toBe(1);
      expect(
        (await server.api('GET', '/api/v1/incidents?model=incident-life&status=open')).body.items,
      ).toHaveLength(1);
    });
  });
});

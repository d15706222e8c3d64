import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteToProduction } from '../../test/support/governance.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { outbox } from '../alerts/alerting.test-helper.js';
import { freshnessMs, freshnessState } from './feature-freshness.rules.js';
import { checkFeatureFreshness } from './feature-freshness.service.js';
import { featureFreshnessTask } from './feature-freshness.task.js';

describe('freshness rules', () => {
  it.each([
    ['90s', 90_000],
    ['65m', 3_900_000],
    ['25h', 90_000_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['5 min', null],
    ['0m', null],
  ] as const)('%s is %s ms', (text, ms) => {
    expect(freshnessMs(text)).toBe(ms);
  });

  it('is late only once more than the SLA has passed since the last refresh', () => {
    const last = '2026-02-01T09:00:00.000Z';
    expect(freshnessState(last, 3_900_000, new Date('2026-02-01T10:05:00.000Z'))).toEqual({
      lastRefreshAt: last,
      dueAt: '2026-02-01T10:05:00.000Z',
      late: false,
      ageMinutes: 65,
    });
    expect(freshnessState(last, 3_900_000, new Date('2026-02-01T10:05:00.001Z')).late).toBe(true);
  });
});

describeEachBackend('feature freshness', (backend) => {
  let server: TestServer;
  const clock = { now: new Date('2026-02-01T09:00:00.000Z') };
  const at = (iso: string) => (clock.now = new Date(iso));
  const refresh = (body: unknown, name = 'txn_mean') =>
    server.api('POST', `/api/v1/features/${name}/refreshes`, { body });
  const alertsOf = async (model: string) =>
    (await server.api('GET', `/api/v1/alerts?model=${model}`)).body.items as Array<Record<string, unknown>>;

  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock.now });
    const hook = await server.api('POST', '/api/v1/webhooks', {
      body: {
        url: 'http://127.0.0.1:9/features',
        events: ['feature.stale', 'feature.fresh'],
        secret: 'a-secret-of-some-length',
      },
    });
    expect(hook.status).toBe(201);
    await server.api('POST', '/api/v1/features', {
      body: {
        name: 'txn_mean',
        owner: 'data-team',
        type: 'numeric',
        version: '1.0.0',
        refreshCadence: 'hourly',
        sla: { freshness: '65m' },
      },
    });
    await server.api('POST', '/api/v1/features', {
      body: { name: 'no_sla', owner: 'data-team', type: 'numeric', version: '1.0.0' },
    });
    await server.api('POST', '/api/v1/models', { body: { name: 'fraud', owner: 'risk-team', riskTier: 3 } });
    await server.api('POST', '/api/v1/models', { body: { name: 'churn', owner: 'growth', riskTier: 3 } });
    for (const [model, version] of [
      ['fraud', '1.0.0'],
      ['churn', '0.1.0'],
    ] as const)
      expect(
        (
          await server.api('POST', `/api/v1/models/${model}/versions`, {
            body: versionBody(version, { features: ['txn_mean', 'no_sla'] }),
          })
        ).status,
      ).toBe(201);
    expect((await promoteToProduction(server, 'fraud', '1.0.0')).body.status).toBe('executed');
    at('2026-02-01T09:00:00.000Z');
  });
  afterAll(() => server.close());

  it('a late feature alerts its owner and its production consumers’ owners once, and recovers on the next heartbeat', async () => {
    const first = await refresh({ rows: 1200 });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      feature: 'txn_mean',
      owner: 'data-team',
      sla: '65m',
      lastRefreshAt: '2026-02-01T09:00:00.000Z',
      lastRows: 1200,
      refreshes: 1,
      dueAt: '2026-02-01T10:05:00.000Z',
      late: false,
      lateSince: null,
    });
    // A feature without an SLA takes heartbeats but is never late.
    expect((await refresh({}, 'no_sla')).body).toMatchObject({ sla: null, dueAt: null, late: false });

    // At exactly 65 minutes the feature is still fresh.
    at('2026-02-01T10:05:00.000Z');
    await featureFreshnessTask.runOnce(server.ctx);
    expect(await alertsOf('fraud')).toEqual([]);

    // One minute later it is late; two servers checking at once mark it (and alert) once.
    at('2026-02-01T10:06:00.000Z');
    const marked = await Promise.all([
      checkFeatureFreshness(server.ctx, clock.now),
      checkFeatureFreshness(server.ctx, clock.now),
    ]);
    expect(marked[0] + marked[1]).toBe(1);
    await featureFreshnessTask.runOnce(server.ctx);
    const alerts = await alertsOf('fraud');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: 'feature_freshness:txn_mean',
      version: '1.0.0',
      status: 'open',
      severity: 'medium', // tier 3
      value: 66,
      threshold: 65,
      policyRule: 'feature.sla.freshness',
      escalatedTo: 'data-team, risk-team',
      occurrences: 1,
    });
    expect(alerts[0]!.detail).toContain('last refreshed at 2026-02-01T09:00:00.000Z, 66 minutes ago');
    // churn consumes it in development only: no alert there.
    expect(await alertsOf('churn')).toEqual([]);
    const stale = await outbox(server, 'feature.stale');
    expect(stale).toHaveLength(1);
    expect(stale[0]!.body.data).toMatchObject({
      feature: 'txn_mean',
      owner: 'data-team',
      sla: '65m',
      lastRefreshAt: '2026-02-01T09:00:00.000Z',
      lateSince: '2026-02-01T10:06:00.000Z',
      consumers: [{ model: 'fraud', version: '1.0.0', owner: 'risk-team' }],
      owners: ['data-team', 'risk-team'],
    });
    expect((await server.api('GET', '/api/v1/features/txn_mean/freshness')).body).toMatchObject({
      late: true,
      lateSince: '2026-02-01T10:06:00.000Z',
    });

    // A heartbeat for a refresh older than the last one changes nothing.
    at('2026-02-01T10:08:00.000Z');
    const old = await refresh({ at: '2026-02-01T08:50:00Z', rows: 5 });
    expect(old.body).toMatchObject({ lastRefreshAt: '2026-02-01T09:00:00.000Z', lastRows: 1200, late: true });
    expect((await alertsOf('fraud'))[0]!.status).toBe('open');

    // The pipeline catches up: fresh again, the alert resolves, the owners are told.
    at('2026-02-01T10:10:00.000Z');
    const back = await refresh({ rows: 1300 });
    expect(back.body).toMatchObject({
      lastRefreshAt: '2026-02-01T10:10:00.000Z',
      lastRows: 1300,
      refreshes: 3,
      late: false,
      lateSince: null,
      dueAt: '2026-02-01T11:15:00.000Z',
    });
    const resolved = await alertsOf('fraud');
    expect(resolved[0]).toMatchObject({ status: 'resolved', resolvedBy: 'warden' });
    const fresh = await outbox(server, 'feature.fresh');
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.body.data).toMatchObject({
      feature: 'txn_mean',
      lateSince: '2026-02-01T10:06:00.000Z',
      lastRefreshAt: '2026-02-01T10:10:00.000Z',
    });
    const audit = await server.api('GET', '/api/v1/audit?subject=feature:txn_mean&limit=50');
    const actions = (audit.body.items as Array<{ action: string }>).map((e) => e.action);
    expect(actions.filter((a) => a === 'feature.refreshed')).toHaveLength(3);
    expect(actions).toContain('feature.stale');
    expect(actions).toContain('feature.fresh');

    // Late again later: a new alert opens.
    at('2026-02-01T11:16:00.000Z');
    await featureFreshnessTask.runOnce(server.ctx);
    const again = (await alertsOf('fraud')).filter((a) => a.status === 'open');
    expect(again).toHaveLength(1);
    expect(again[0]!.value).toBe(66);
  });

  it('refuses bad heartbeats naming the field', async () => {
    at('2026-02-01T12:00:00.000Z');
    const future = await refresh({ at: '2026-02-01T12:06:00Z' });
    expect(future.status).toBe(400);
    expect(future.body.error).toMatchObject({ code: 'invalid_input', field: 'at' });
    expect(future.body.error.message).toContain('is in the future');
    const rows = await refresh({ rows: -1 });
    expect(rows.status).toBe(400);
    expect(rows.body.error.field).toBe('rows');
    const extra = await refresh({ when: 'now' });
    expect(extra.status).toBe(400);
    const notDate = await refresh({ at: 'yesterday' });
    expect(notDate.status).toBe(400);
    expect(notDate.body.error.field).toBe('at');
    expect((await refresh({}, 'nope')).status).toBe(404);
    // Nothing of the refused heartbeats was stored.
    expect((await server.api('GET', '/api/v1/features/txn_mean/freshness')).body.refreshes).toBe(3);
  });
});

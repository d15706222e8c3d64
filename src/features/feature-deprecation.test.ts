import { afterAll, beforeAll, expect, it } from 'vitest';
import { approveAll, promoteToProduction } from '../../test/support/governance.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { outbox } from '../alerts/alerting.test-helper.js';

describeEachBackend('feature deprecation grace period', (backend) => {
  let server: TestServer;
  const clock = { now: new Date('2026-02-01T09:00:00.000Z') };
  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock.now });
    const hook = await server.api('POST', '/api/v1/webhooks', {
      body: {
        url: 'http://127.0.0.1:9/features',
        events: ['feature.deprecated'],
        secret: 'a-secret-of-some-length',
      },
    });
    expect(hook.status).toBe(201);
    expect(
      (
        await server.api('POST', '/api/v1/features', {
          body: { name: 'geo_risk', owner: 'geo-data', type: 'numeric', version: '1.0.0' },
        })
      ).status,
    ).toBe(201);
    await server.api('POST', '/api/v1/features', {
      body: { name: 'txn_count', owner: 'geo-data', type: 'numeric', version: '1.0.0' },
    });
    await server.api('POST', '/api/v1/models', { body: { name: 'fraud', owner: 'risk-team', riskTier: 3 } });
    await server.api('POST', '/api/v1/models', { body: { name: 'churn', owner: 'growth', riskTier: 3 } });
    for (const [model, version, features] of [
      ['fraud', '1.0.0', ['geo_risk', 'txn_count']],
      ['fraud', '2.0.0', ['txn_count']],
      ['churn', '0.1.0', ['geo_risk']],
    ] as const)
      expect(
        (
          await server.api('POST', `/api/v1/models/${model}/versions`, {
            body: versionBody(version, { features: [...features] }),
          })
        ).status,
      ).toBe(201);
    expect((await promoteToProduction(server, 'fraud', '1.0.0')).body.status).toBe('executed');
  });
  afterAll(() => server.close());

  const remove = () => server.api('DELETE', '/api/v1/features/geo_risk');
  const refusals = async () =>
    (await server.api('GET', '/api/v1/audit?subject=feature:geo_risk&action=feature.removal_refused')).body
      .items.length as number;

  it('deprecating lists the consumer versions and tells their owners; removal waits for the grace period and production', async () => {
    const early = await remove();
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain('feature.removal-needs-deprecation');

    const deprecated = await server.api('PATCH', '/api/v1/features/geo_risk', {
      body: { status: 'deprecated' },
    });
    expect(deprecated.status).toBe(200);
    // Seed policy: 30 days from 2026-02-01 09:00 UTC.
    expect(deprecated.body.graceEndsAt).toBe('2026-03-03T09:00:00.000Z');
    expect(deprecated.body.deprecation).toEqual({
      graceEndsAt: '2026-03-03T09:00:00.000Z',
      consumers: [
        { model: 'fraud', owner: 'risk-team', version: '1.0.0', stage: 'production' },
        { model: 'churn', owner: 'growth', version: '0.1.0', stage: 'development' },
      ],
      notifiedOwners: ['growth', 'risk-team'],
    });
    const events = await outbox(server, 'feature.deprecated');
    expect(events).toHaveLength(1);
    expect(events[0]!.body.data).toMatchObject({ feature: 'geo_risk', owners: ['growth', 'risk-team'] });

    clock.now = new Date('2026-02-11T09:00:00.000Z');
    const inGrace = await remove();
    expect(inGrace.status).toBe(409);
    expect(inGrace.body.error.message).toContain('feature.deprecation-grace-period');
    expect(inGrace.body.error.message).toContain('2026-03-03T09:00:00.000Z');

    clock.now = new Date('2026-03-03T09:00:00.000Z');
    const inProduction = await remove();
    expect(inProduction.status).toBe(409);
    expect(inProduction.body.error.message).toContain('feature.production-consumer');
    expect(inProduction.body.error.message).toContain('fraud@1.0.0');
    expect(await refusals()).toBe(3);
    expect((await server.api('GET', '/api/v1/features/geo_risk')).body.removedAt).toBeNull();

    // fraud 2.0.0 (without the feature) replaces 1.0.0 in production, as a completed rollout leaves it.
    await server.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'deprecated' })
      .where('version', '=', '1.0.0')
      .where('model_id', '=', (await server.api('GET', '/api/v1/models/fraud')).body.id)
      .execute();
    const removed = await remove();
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ removedAt: '2026-03-03T09:00:00.000Z', removedBy: 'admin' });
    expect(
      (await server.api('GET', '/api/v1/audit?subject=feature:geo_risk&action=feature.removed')).body.items,
    ).toHaveLength(1);
    expect((await remove()).status).toBe(409);
    expect(
      (await server.api('PATCH', '/api/v1/features/geo_risk', { body: { status: 'active' } })).status,
    ).toBe(409);
  });

  it('takes the grace period from the policy', async () => {
    const active = (await server.api('GET', '/api/v1/policy')).body;
    expect(active.document.features).toEqual({ deprecationGraceDays: 30 });
    const proposal = await server.api('POST', '/api/v1/policy/proposals', {
      body: {
        document: { ...active.document, features: { deprecationGraceDays: 7 } },
        reason: 'a week is enough for internal features',
      },
    });
    expect(proposal.status).toBe(201);
    expect((await approveAll(server, proposal.body, 'policy')).body.status).toBe('executed');
    await server.api('POST', '/api/v1/features', {
      body: { name: 'short_lived', owner: 'geo-data', type: 'numeric', version: '1.0.0' },
    });
    const deprecated = await server.api('PATCH', '/api/v1/features/short_lived', {
      body: { status: 'deprecated', deprecatedAt: '2026-03-01T00:00:00Z' },
    });
    expect(deprecated.body.graceEndsAt).toBe('2026-03-08T00:00:00.000Z');
    expect(deprecated.body.deprecation.consumers).toEqual([]);
  });
});

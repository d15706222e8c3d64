import { afterAll, beforeAll, expect, it } from 'vitest';
import { check, process, registerModel } from '../alerts/alerting.test-helper.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';

describeEachBackend('model inventory', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend);
    // Five models: tiers, owners and names chosen so each sort gives a different order.
    const models = [
      { name: 'alpha', owner: 'zoe', riskTier: 2 },
      { name: 'bravo', owner: 'yan', riskTier: 1 },
      { name: 'charlie', owner: 'xia', riskTier: 4 },
      { name: 'delta', owner: 'zoe', riskTier: 3, description: 'credit scoring' },
    ];
    for (const m of models)
      expect((await server.api('POST', '/api/v1/models', { body: m })).status).toBe(201);
    expect(
      (await server.api('POST', '/api/v1/models/alpha/versions', { body: versionBody('1.0.0') })).status,
    ).toBe(201);
    expect(
      (await server.api('POST', '/api/v1/models/alpha/versions', { body: versionBody('1.1.0') })).status,
    ).toBe(201);
    const cr = await server.api('POST', '/api/v1/models/alpha/versions/1.1.0/transitions', {
      body: { to: 'staging', reason: 'try it' },
    });
    expect(cr.status).toBe(201);
    // echo: tier 1 model with a high alert, and one with a medium one
    const echo = await registerModel(server, 'echo', 1);
    await process(server, echo, [check('data_drift', 'alert', 60, { feature: 'age' })]);
    const bravoVersion = await server.api('POST', '/api/v1/models/bravo/versions', {
      body: versionBody('1.0.0'),
    });
    expect(bravoVersion.status).toBe(201);
  });
  afterAll(() => server.close());

  const names = async (q: string) => {
    const res = await server.api('GET', `/api/v1/inventory${q}`);
    expect(res.status).toBe(200);
    return (res.body.items as any[]).map((m) => m.name);
  };

  it('lists each model with its latest version, health and open change requests', async () => {
    const res = await server.api('GET', '/api/v1/inventory');
    expect(res.body.total).toBe(5);
    const alpha = res.body.items.find((m: any) => m.name === 'alpha');
    expect(alpha).toMatchObject({
      latestVersion: '1.1.0',
      latestStage: 'development',
      championVersion: null,
      health: 'ok',
      openAlerts: 0,
      openChangeRequests: 1,
      riskTier: 2,
    });
    const echo = res.body.items.find((m: any) => m.name === 'echo');
    const alerts = await server.api('GET', '/api/v1/alerts?model=echo');
    expect(alerts.body.items).toHaveLength(1);
    expect(echo).toMatchObject({
      health: alerts.body.items[0].severity,
      openAlerts: 1,
      openChangeRequests: 0,
    });
  });

  it('sorts by each key, both ways, ties broken by name', async () => {
    expect(await names('?sort=name')).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    expect(await names('?sort=-name')).toEqual(['echo', 'delta', 'charlie', 'bravo', 'alpha']);
    expect(await names('?sort=tier')).toEqual(['bravo', 'echo', 'alpha', 'delta', 'charlie']);
    expect(await names('?sort=-tier')).toEqual(['charlie', 'delta', 'alpha', 'bravo', 'echo']);
    expect(await names('?sort=owner')).toEqual(['echo', 'charlie', 'bravo', 'alpha', 'delta']);
    expect((await names('?sort=-health'))[0]).toBe('echo');
  });

  it('filters by text, tier, owner, stage and health, and pages with the total', async () => {
    expect(await names('?q=CREDIT')).toEqual(['delta']);
    expect(await names('?tier=1')).toEqual(['bravo', 'echo']);
    expect(await names('?owner=zoe')).toEqual(['alpha', 'delta']);
    expect(await names('?stage=development')).toEqual(['alpha', 'bravo', 'echo']);
    expect(await names('?health=ok')).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    const page = await server.api('GET', '/api/v1/inventory?limit=2&offset=2');
    expect(page.body).toMatchObject({ total: 5, offset: 2, limit: 2 });
    expect(page.body.items.map((m: any) => m.name)).toEqual(['charlie', 'delta']);
    const bad = await server.api('GET', '/api/v1/inventory?sort=colour');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('sort');
  });
});

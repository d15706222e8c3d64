import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';

const SCHEMA_V1 = [
  { name: 'amount', type: 'number' },
  { name: 'channel', type: 'category', categories: ['web', 'app'] },
];

describeEachBackend('computed version bump (finding 5)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => new Date('2026-03-01T12:00:00.000Z') });
    expect(
      (await server.api('POST', '/api/v1/models', { body: { name: 'credit', owner: 'risk', riskTier: 1 } }))
        .status,
    ).toBe(201);
    const first = await server.api('POST', '/api/v1/models/credit/versions', {
      body: versionBody('1.0.0', { framework: 'xgboost 1.7.6', inputSchema: SCHEMA_V1 }),
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ declaredBump: null, requiredBump: null, bumpReasons: [] });
    // 1.0.0 is in production (as the lifecycle would leave it after promotion).
    const m = await server.ctx.db
      .selectFrom('models')
      .select('id')
      .where('name', '=', 'credit')
      .executeTakeFirstOrThrow();
    await server.ctx.db
      .updateTable('models')
      .set({ champion_version_id: first.body.id })
      .where('id', '=', m.id)
      .execute();
  });
  afterAll(() => server.close());

  it('stores declared PATCH and required MAJOR for a 1.0.1 that drops a feature and switches framework', async () => {
    const res = await server.api('POST', '/api/v1/models/credit/versions', {
      body: versionBody('1.0.1', { framework: 'lightgbm 4.1.0', inputSchema: [SCHEMA_V1[0]] }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      previousVersion: '1.0.0',
      declaredBump: 'PATCH',
      requiredBump: 'MAJOR',
      bumpReasons: [
        'input feature "channel" removed',
        'framework changed from xgboost 1.7.6 to lightgbm 4.1.0',
      ],
    });
    const shown = await server.api('GET', '/api/v1/models/credit/versions/1.0.1');
    expect(shown.body).toMatchObject({ declaredBump: 'PATCH', requiredBump: 'MAJOR' });
    const audit = await server.api('GET', '/api/v1/audit?subject=model:credit@1.0.1&action=version.created');
    expect(audit.status).toBe(200);
    expect(audit.body.items[0].change).toMatchObject({ declaredBump: 'PATCH', requiredBump: 'MAJOR' });
  });

  it('makes the gate require the checks of a MAJOR bump', async () => {
    // Tier 1: a patch needs smoke validation, a major needs full.
    const preview = await server.api(
      'GET',
      '/api/v1/models/credit/versions/1.0.1/transitions/preview?to=approved',
    );
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ bump: 'major', requiredValidationLevel: 'full' });

    const records = Array.from({ length: 200 }, (_, i) => ({
      label: i % 2,
      score: i % 2 === 1 ? 0.8 : 0.2,
      features: { amount: i },
    }));
    const run = await server.api('POST', '/api/v1/models/credit/versions/1.0.1/validations', {
      body: { records },
    });
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ level: 'full', requiredLevel: 'full' });
    expect(run.body.summary).toMatchObject({ bump: 'major', declaredBump: 'PATCH', requiredBump: 'MAJOR' });
    const names = (run.body.checks as Array<{ name: string }>).map((c) => c.name);
    // Checks only the full level runs on tier 1 (smoke runs neither).
    expect(names).toEqual(expect.arrayContaining(['infrastructure.memory', 'performance.no-regression']));
  });

  it('keeps a plain patch a patch', async () => {
    const res = await server.api('POST', '/api/v1/models/credit/versions', {
      body: versionBody('1.0.2', { framework: 'lightgbm 4.1.0', inputSchema: [SCHEMA_V1[0]] }),
    });
    expect(res.body).toMatchObject({
      previousVersion: '1.0.1',
      declaredBump: 'PATCH',
      requiredBump: 'PATCH',
      bumpReasons: [],
    });
  });
});

import semver from 'semver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

const semverLess = (a: string, b: string) => semver.lt(a, b);

const base = {
  owner: 'payments-data',
  type: 'numeric',
  description: 'Mean transaction amount over 7 days',
  source: 'warehouse.payments.txn_daily',
  refreshCadence: 'hourly',
  sla: { freshness: '65m', completeness: 0.99 },
  version: '1.0.0',
};

describeEachBackend('feature catalog', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => new Date('2026-02-01T09:00:00.000Z') });
  });
  afterAll(() => server.close());

  it('catalogues a feature with its SLA and audits it', async () => {
    const created = await server.api('POST', '/api/v1/features', {
      body: { name: 'txn_amount_7d', ...base },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'txn_amount_7d',
      type: 'numeric',
      version: '1.0.0',
      status: 'active',
      deprecatedAt: null,
      sla: { freshness: '65m', completeness: 0.99 },
      refreshCadence: 'hourly',
      createdBy: 'admin',
    });
    const shown = await server.api('GET', '/api/v1/features/txn_amount_7d');
    expect(shown.body).toEqual(created.body);
    const audit = await server.api('GET', '/api/v1/audit?subject=feature:txn_amount_7d');
    expect(audit.body.items[0].action).toBe('feature.created');
  });

  it('refuses bad input, naming the field, and duplicates', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'bad name', ...base }, 'name'],
      [{ name: 'f1', ...base, type: 'float' }, 'type'],
      [{ name: 'f1', ...base, version: '1.0' }, 'version'],
      [{ name: 'f1', ...base, sla: { freshness: 'soon' } }, 'sla.freshness'],
      [{ name: 'f1', ...base, sla: { completeness: 1.5 } }, 'sla.completeness'],
      [{ name: 'f1', ...base, sla: { latency: '5ms' } }, 'sla.latency'],
      [{ name: 'f1', ...base, deprecatedAt: '2026-01-01T00:00:00Z' }, 'deprecatedAt'],
      [{ name: 'f1', ...base, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const response = await server.api('POST', '/api/v1/features', { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.field).toBe(field);
    }
    const dup = await server.api('POST', '/api/v1/features', { body: { name: 'txn_amount_7d', ...base } });
    expect(dup.status).toBe(409);
    const viewer = await server.tokenFor('vi', ['viewer']);
    expect(
      (await server.api('POST', '/api/v1/features', { token: viewer, body: { name: 'f2', ...base } })).status,
    ).toBe(403);
    expect((await server.api('GET', '/api/v1/features/f1')).status).toBe(404);
  });

  it('bumps versions only upwards and deprecates with a date', async () => {
    await server.api('POST', '/api/v1/features', {
      body: { name: 'merchant_category', ...base, type: 'categorical' },
    });
    const bump = await server.api('PATCH', '/api/v1/features/merchant_category', {
      body: { version: '1.1.0', sla: { freshness: '25h' } },
    });
    expect(bump.status).toBe(200);
    expect(bump.body).toMatchObject({ version: '1.1.0', sla: { freshness: '25h' } });
    expect(bump.body.sla.completeness).toBeUndefined();

    const down = await server.api('PATCH', '/api/v1/features/merchant_category', {
      body: { version: '1.0.9' },
    });
    expect(down.status).toBe(400);
    expect(down.body.error.field).toBe('version');
    const retype = await server.api('PATCH', '/api/v1/features/merchant_category', {
      body: { type: 'text', version: '1.2.0' },
    });
    expect(retype.status).toBe(400);
    expect(retype.body.error.field).toBe('type');

    const deprecated = await server.api('PATCH', '/api/v1/features/merchant_category', {
      body: { status: 'deprecated' },
    });
    expect(deprecated.body).toMatchObject({ status: 'deprecated', deprecatedAt: '2026-02-01T09:00:00.000Z' });
    const audit = await server.api('GET', '/api/v1/audit?subject=feature:merchant_category');
    expect((audit.body.items as Array<{ action: string }>).map((e) => e.action)).toEqual([
      'feature.deprecated',
      'feature.updated',
      'feature.created',
    ]);
    const reactivated = await server.api('PATCH', '/api/v1/features/merchant_category', {
      body: { status: 'active' },
    });
    expect(reactivated.body).toMatchObject({ status: 'active', deprecatedAt: null });
    expect((await server.api('PATCH', '/api/v1/features/none', { body: { owner: 'x' } })).status).toBe(404);
  });

  it('filters, searches and paginates the catalog', async () => {
    await server.api('POST', '/api/v1/features', {
      body: { name: 'is_weekend', ...base, type: 'boolean', description: 'Transaction on a weekend' },
    });
    await server.api('POST', '/api/v1/features', {
      body: {
        name: 'old_score',
        ...base,
        owner: 'legacy',
        status: 'deprecated',
        deprecatedAt: '2025-12-31T00:00:00Z',
      },
    });
    const names = async (query: string) =>
      ((await server.api('GET', `/api/v1/features${query}`)).body.items as Array<{ name: string }>).map(
        (f) => f.name,
      );
    expect(await names('?type=boolean')).toEqual(['is_weekend']);
    expect(await names('?owner=legacy')).toEqual(['old_score']);
    expect(await names('?status=deprecated')).toEqual(['old_score']);
    expect(await names('?q=WEEKEND')).toEqual(['is_weekend']);
    expect(await names('?q=payments.txn')).toEqual([
      'is_weekend',
      'merchant_category',
      'old_score',
      'txn_amount_7d',
    ]);

    const first = await server.api('GET', '/api/v1/features?limit=3');
    expect((first.body.items as Array<{ name: string }>).map((f) => f.name)).toEqual([
      'is_weekend',
      'merchant_category',
      'old_score',
    ]);
    const second = await server.api(
      'GET',
      `/api/v1/features?limit=3&pageToken=${first.body.nextPageToken as string}`,
    );
    expect((second.body.items as Array<{ name: string }>).map((f) => f.name)).toEqual(['txn_amount_7d']);
    expect(second.body.nextPageToken).toBeUndefined();
    const old = await server.api('GET', '/api/v1/features/old_score');
    expect(old.body.deprecatedAt).toBe('2025-12-31T00:00:00.000Z');
  });

  it('links features and model versions in both directions', async () => {
    await server.api('POST', '/api/v1/models', { body: { name: 'fraud', owner: 'risk', riskTier: 1 } });
    await server.api('POST', '/api/v1/models', { body: { name: 'churn', owner: 'growth', riskTier: 3 } });
    const v1 = await server.api('POST', '/api/v1/models/fraud/versions', {
      body: versionBody('1.0.0', { features: ['txn_amount_7d', 'is_weekend'] }),
    });
    expect(v1.status).toBe(201);
    await server.api('POST', '/api/v1/models/fraud/versions', {
      body: versionBody('1.1.0', { features: ['txn_amount_7d'] }),
    });
    await server.api('POST', '/api/v1/models/churn/versions', {
      body: versionBody('0.1.0', { features: ['txn_amount_7d'] }),
    });
    const unknown = await server.api('POST', '/api/v1/models/churn/versions', {
      body: versionBody('0.2.0', { features: ['no_such_feature'] }),
    });
    expect(unknown.status).toBe(400);

    const consumers = await server.api('GET', '/api/v1/features/txn_amount_7d/models');
    expect(consumers.body.items).toEqual([
      { model: 'churn', versions: [{ version: '0.1.0', stage: 'development' }] },
      {
        model: 'fraud',
        versions: [
          { version: '1.0.0', stage: 'development' },
          { version: '1.1.0', stage: 'development' },
        ],
      },
    ]);
    expect((await server.api('GET', '/api/v1/features/old_score/models')).body.items).toEqual([]);

    const used = await server.api('GET', '/api/v1/models/fraud/features');
    expect(
      (used.body.items as Array<{ name: string; usedByVersions: string[] }>).map((f) => [
        f.name,
        f.usedByVersions,
      ]),
    ).toEqual([
      ['is_weekend', ['1.0.0']],
      ['txn_amount_7d', ['1.0.0', '1.1.0']],
    ]);
    expect((await server.api('GET', '/api/v1/models/nobody/features')).status).toBe(404);
    expect((await server.api('GET', '/api/v1/features/nothing/models')).status).toBe(404);
  });

  it('never lets a concurrent change move the version backwards', async () => {
    await server.api('POST', '/api/v1/features', { body: { name: 'raced', ...base } });
    const bumps = ['1.0.1', '1.0.2', '1.1.0', '2.0.0', '1.5.0', '1.2.0'];
    const results = await Promise.all(
      bumps.map((version) => server.api('PATCH', '/api/v1/features/raced', { body: { version } })),
    );
    for (const r of results) expect([200, 400]).toContain(r.status);
    expect((await server.api('GET', '/api/v1/features/raced')).body.version).toBe('2.0.0');
    // Each accepted change was greater than the one before it, in audit order.
    const audit = await server.api('GET', '/api/v1/audit?subject=feature:raced&action=feature.updated');
    const accepted = (audit.body.items as Array<{ change: { after: { version: string } } }>)
      .map((e) => e.change.after.version)
      .reverse();
    expect(accepted).toHaveLength(results.filter((r) => r.status === 200).length);
    expect([...accepted].sort((a, b) => (a === b ? 0 : semverLess(a, b) ? -1 : 1))).toEqual(accepted);
  });
});

describeEachBackend('feature catalog PII', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { piiMode: 'reject' } });
  });
  afterAll(() => server.close());

  it('refuses a description holding personal data under piiMode reject', async () => {
    const response = await server.api('POST', '/api/v1/features', {
      body: { name: 'f', ...base, description: 'ask bob@corp.example' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('description');
    expect((await server.api('GET', '/api/v1/features/f')).status).toBe(404);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { DEFAULT_POLICY, savePolicyVersion } from '../policy/index.js';

describeEachBackend('model registry API', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  const model = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    owner: 'alice',
    riskTier: 2,
    ...extra,
  });

  it('registers a model and reads it back', async () => {
    const created = await server.api('POST', '/api/v1/models', {
      body: model('credit-default', {
        displayName: 'Credit default (PD) — retail',
        team: 'risk',
        tags: { domain: 'credit', region: 'eu' },
        consumers: [{ name: 'loan-origination', contact: 'team-lo', webhookUrl: 'https://hooks.example/lo' }],
      }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'credit-default',
      riskTier: 2,
      tags: { domain: 'credit' },
      championVersion: null,
    });
    const read = await server.api('GET', '/api/v1/models/credit-default');
    expect(read.status).toBe(200);
    expect(read.body.consumers[0].name).toBe('loan-origination');
    expect(read.body.createdBy).toBe('admin');
  });

  it('refuses bad input with a 4xx naming the field and stores nothing', async () => {
    const cases: Array<[unknown, number, string | undefined]> = [
      [model('has space'), 400, 'name'],
      [model('-leading'), 400, 'name'],
      [model('ok', { riskTier: 5 }), 400, 'riskTier'],
      [model('ok', { riskTier: '1' }), 400, 'riskTier'],
      [model('ok', { surprise: true }), 400, 'surprise'],
      [{ name: 'ok', riskTier: 1 }, 400, 'owner'],
      [
        model('ok', { consumers: [{ name: 'c', webhookUrl: 'file:///etc/passwd' }] }),
        400,
        'consumers.0.webhookUrl',
      ],
    ];
    for (const [body, status, field] of cases) {
      const res = await server.api('POST', '/api/v1/models', { body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.field).toBe(field);
    }
    const malformed = await server.api('POST', '/api/v1/models', { body: '{"name": "x",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const list = await server.api('GET', '/api/v1/models?q=ok');
    expect(list.body.items).toEqual([]);
  });

  it('refuses an oversized body', async () => {
    const huge = model('huge', { description: 'x'.repeat(20 * 1024 * 1024) });
    const res = await server.api('POST', '/api/v1/models', { body: huge });
    expect(res.status).toBe(413);
    expect((await server.api('GET', '/api/v1/models/huge')).status).toBe(404);
  });

  it('answers 409 for a duplicate name', async () => {
    await server.api('POST', '/api/v1/models', { body: model('dupe') });
    const again = await server.api('POST', '/api/v1/models', { body: model('dupe') });
    expect(again.status).toBe(409);
    expect(again.body.error.field).toBe('name');
  });

  it('filters by tier, owner, team, tag, stage and text, and pages with a stable cursor', async () => {
    for (let i = 0; i < 7; i++) {
      await server.api('POST', '/api/v1/models', {
        body: model(`page-${i}`, {
          riskTier: (i % 4) + 1,
          owner: i % 2 ? 'bob' : 'carol',
          team: 'growth',
          tags: { parity: i % 2 ? 'odd' : 'even' },
          description: i === 3 ? 'Churn propensity for subscriptions' : undefined,
        }),
      });
    }
    const names = async (query: string) =>
      ((await server.api('GET', `/api/v1/models?${query}`)).body.items as Array<{ name: string }>).map(
        (m) => m.name,
      );
    expect(await names('team=growth&tier=1')).toEqual(['page-0', 'page-4']);
    expect(await names('team=growth&owner=bob')).toEqual(['page-1', 'page-3', 'page-5']);
    expect(await names('tag=parity=odd')).toEqual(['page-1', 'page-3', 'page-5']);
    expect(await names('tag=parity&team=growth')).toHaveLength(7);
    expect(await names('q=CHURN')).toEqual(['page-3']);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const res = await server.api(
        'GET',
        `/api/v1/models?team=growth&limit=3${token ? `&pageToken=${token}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((m: { name: string }) => m.name));
      token = res.body.nextPageToken;
      // a model added mid-way sorts before the cursor and must not shift later pages
      if (seen.length === 3)
        await server.api('POST', '/api/v1/models', { body: model('page-0a', { team: 'growth' }) });
    } while (token);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    const bad = await server.api('GET', '/api/v1/models?pageToken=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('pageToken');

    await server.api('POST', '/api/v1/models/page-2/versions', { body: versionBody('1.0.0') });
    expect(await names('stage=development&team=growth')).toEqual(['page-2']);
    expect(await names('stage=production&team=growth')).toEqual([]);
  });

  it('patches descriptive fields and audits the change', async () => {
    await server.api('POST', '/api/v1/models', { body: model('patchable') });
    const res = await server.api('PATCH', '/api/v1/models/patchable', {
      body: { riskTier: 1, tags: { a: 'b' } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ riskTier: 1, tags: { a: 'b' } });
    const rename = await server.api('PATCH', '/api/v1/models/patchable', { body: { name: 'other' } });
    expect(rename.status).toBe(400);
    const audit = await server.api('GET', '/api/v1/audit?subject=model:patchable');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
      'model.updated',
      'model.created',
    ]);
    expect(audit.body.items[0].change.patch.riskTier).toBe(1);
  });

  it('registers immutable versions with lineage, refusing duplicates and bad semver', async () => {
    await server.api('POST', '/api/v1/models', { body: model('versioned') });
    const body = versionBody('1.2.3', {
      lineage: {
        datasets: [{ name: 'loans', uri: 's3://bucket/loans.parquet', sha256: 'b'.repeat(64) }],
        featureSetVersion: 'fs-12',
        hyperparameters: { depth: 6, eta: 0.1 },
        environment: {
          image: 'registry/train',
          imageDigest: 'sha256:abc',
          runtime: 'python3.11',
          hardware: 'cpu',
        },
        trainingRunId: 'run-42',
        codeCommit: 'deadbeef',
        trainingDurationS: 3600,
      },
      metrics: { auc: 0.91, accuracy: 0.88 },
      segmentMetrics: { 'region=eu': { auc: 0.9 } },
      inputSchema: [{ name: 'amount', type: 'number', nullable: false, min: 0 }],
      tags: { candidate: 'yes' },
    });
    const created = await server.api('POST', '/api/v1/models/versioned/versions', { body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      model: 'versioned',
      version: '1.2.3',
      stage: 'development',
      verified: false,
      artifact: null,
    });
    expect(created.body.lineage.hyperparameters).toEqual({ depth: 6, eta: 0.1 });

    expect((await server.api('POST', '/api/v1/models/versioned/versions', { body })).status).toBe(409);
    for (const version of ['1.2', 'v1.2.3', '01.2.3', '1.2.3.4', '']) {
      const res = await server.api('POST', '/api/v1/models/versioned/versions', {
        body: versionBody(version),
      });
      expect(res.status, version).toBe(400);
      expect(res.body.error.field).toBe('version');
    }
    const badDigest = versionBody('2.0.0', {
      lineage: { datasets: [{ name: 'd', uri: 'u', sha256: 'xyz' }] },
    });
    const res = await server.api('POST', '/api/v1/models/versioned/versions', { body: badDigest });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('lineage.datasets.0.sha256');
    const nan = await server.api('POST', '/api/v1/models/versioned/versions', {
      body:
        '{"version":"3.0.0","lineage":{"datasets":[{"name":"d","uri":"u","sha256":"' +
        'a'.repeat(64) +
        '"}]},"metrics":{"auc":"high"}}',
    });
    expect(nan.status).toBe(400);
    expect(nan.body.error.field).toBe('metrics.auc');
    expect(
      (await server.api('POST', '/api/v1/models/nobody/versions', { body: versionBody('1.0.0') })).status,
    ).toBe(404);

    const patched = await server.api('PATCH', '/api/v1/models/versioned/versions/1.2.3', {
      body: { tags: { candidate: 'no' } },
    });
    expect(patched.body.tags).toEqual({ candidate: 'no' });
    const immutable = await server.api('PATCH', '/api/v1/models/versioned/versions/1.2.3', {
      body: { metrics: { auc: 1 } },
    });
    expect(immutable.status).toBe(400);
    const list = await server.api('GET', '/api/v1/models/versioned/versions');
    expect(list.body.items.map((v: { version: string }) => v.version)).toEqual(['1.2.3']);
    expect((await server.api('GET', '/api/v1/models/versioned/versions/9.9.9')).status).toBe(404);
  });

  it('reports personal data found in free text, and refuses it under the reject policy', async () => {
    const res = await server.api('POST', '/api/v1/models', {
      body: model('pii-model', { description: 'Contact jane.doe@example.com or card 4111 1111 1111 1111' }),
    });
    expect(res.status).toBe(201);
    expect(res.body.piiFindings.map((f: { kind: string }) => f.kind).sort()).toEqual([
      'email',
      'payment_card',
    ]);
    expect(JSON.stringify(res.body.piiFindings)).not.toContain('jane.doe');
    const audit = await server.api('GET', '/api/v1/audit?subject=model:pii-model');
    expect(audit.body.items[0].change.piiFindings).toHaveLength(2);
  });
});

describeEachBackend('PII reject mode', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { piiMode: 'reject' } });
  });
  afterAll(() => server.close());

  it('refuses the write and stores nothing', async () => {
    const res = await server.api('POST', '/api/v1/models', {
      body: { name: 'leaky', owner: 'a', riskTier: 3, intendedUse: 'call +44 20 7946 0958 for help' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('intendedUse');
    expect((await server.api('GET', '/api/v1/models/leaky')).status).toBe(404);
  });
});

describeEachBackend('PII reject mode from the active policy', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  it('follows the policy document once it says reject', async () => {
    const body = { name: 'leaky-1', owner: 'a', riskTier: 3, description: 'ask bob@example.org' };
    expect((await server.api('POST', '/api/v1/models', { body })).status).toBe(201);
    const { ctx } = server;
    await ctx.db.transaction().execute((trx) =>
      savePolicyVersion(
        trx,
        ctx.audit,
        { ...DEFAULT_POLICY, piiMode: 'reject' },
        {
          actor: 'test',
          requestId: null,
          reason: 'stricter PII handling',
          now: ctx.now(),
        },
      ),
    );
    const refused = await server.api('POST', '/api/v1/models', { body: { ...body, name: 'leaky-2' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe('description');
    expect((await server.api('GET', '/api/v1/models/leaky-2')).status).toBe(404);
    const clean = await server.api('POST', '/api/v1/models', {
      body: { ...body, name: 'clean', description: 'no contact' },
    });
    expect(clean.status).toBe(201);
  });
});

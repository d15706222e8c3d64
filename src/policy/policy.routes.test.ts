import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { canonicalPolicyYaml } from './policy.parse.js';
import { getActivePolicy, listPolicyVersions, savePolicyVersion } from './policy.service.js';

describeEachBackend('policy API', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => server.close());

  it('serves the built-in default as version 0 until a version is saved', async () => {
    const res = await server.api('GET', '/api/v1/policy');
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(0);
    expect(res.body.document.tiers['1'].approvals['staging->approved'][0]).toMatchObject({
      role: 'review-board',
      count: 4,
    });
    const versions = await server.api('GET', '/api/v1/policy/versions');
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([0]);
  });

  it('saves versions inside a transaction with an audit entry, keeping history', async () => {
    const changed = structuredClone(DEFAULT_POLICY);
    changed.tiers['3'].validation.noRegressionPct = 0.5;
    const ctx = server.ctx;
    const saved = await ctx.db.transaction().execute((trx) =>
      savePolicyVersion(trx, ctx.audit, changed, {
        actor: 'alice',
        requestId: null,
        reason: 'tighter tier 3',
        now: ctx.now(),
      }),
    );
    expect(saved.version).toBe(1);
    // A failed transaction leaves nothing behind.
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await savePolicyVersion(trx, ctx.audit, DEFAULT_POLICY, {
          actor: 'bob',
          requestId: null,
          reason: 'rolled back',
          now: ctx.now(),
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const second = await ctx.db.transaction().execute((trx) =>
      savePolicyVersion(trx, ctx.audit, DEFAULT_POLICY, {
        actor: 'carol',
        requestId: null,
        reason: 'back to default',
        now: ctx.now(),
      }),
    );
    expect(second.version).toBe(2);

    const active = await getActivePolicy(ctx.db);
    expect(active.version).toBe(2);
    expect((await listPolicyVersions(ctx.db)).map((v) => v.version)).toEqual([2, 1, 0]);

    const one = await server.api('GET', '/api/v1/policy/versions/1');
    expect(one.status).toBe(200);
    expect(one.body.document.tiers['3'].validation.noRegressionPct).toBe(0.5);
    expect(one.body.createdBy).toBe('alice');

    const page1 = await server.api('GET', '/api/v1/policy/versions?limit=2');
    expect(page1.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const page2 = await server.api(
      'GET',
      `/api/v1/policy/versions?limit=2&pageToken=${page1.body.nextPageToken as string}`,
    );
    expect(page2.body.items.map((v: { version: number }) => v.version)).toEqual([0]);
    expect(page2.body.nextPageToken).toBeUndefined();

    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'subject', 'actor'])
      .where('action', '=', 'policy.version_saved')
      .orderBy('seq')
      .execute();
    expect(audit).toEqual([
      { action: 'policy.version_saved', subject: 'policy:1', actor: 'alice' },
      { action: 'policy.version_saved', subject: 'policy:2', actor: 'carol' },
    ]);
  });

  it('answers 404 for a version that does not exist', async () => {
    const res = await server.api('GET', '/api/v1/policy/versions/99');
    expect(res.status).toBe(404);
  });

  it('dry-runs a proposed document: valid YAML', async () => {
    const res = await server.api('POST', '/api/v1/policy/validate', {
      body: { document: canonicalPolicyYaml(DEFAULT_POLICY), format: 'yaml' },
    });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
    expect(res.body.document.tiers['1'].retention.auditYears).toBe(7);
  });

  it('dry-run refuses an invalid document naming the path, and saves nothing', async () => {
    const bad = structuredClone(DEFAULT_POLICY) as unknown as {
      tiers: Record<string, { approvals: Record<string, unknown> }>;
    };
    bad.tiers['1']!.approvals['staging->production'] = [{ role: 'legal', count: 0 }];
    const res = await server.api('POST', '/api/v1/policy/validate', { body: { document: bad } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.message).toBe('tiers.1.approvals.staging->production[0].count: must be >= 1');
    expect(res.body.error.field).toBe('tiers.1.approvals.staging->production[0].count');
    const before = await listPolicyVersions(server.ctx.db);
    expect(before.length).toBe(3);
  });

  it('refuses the dry run to read-only tokens', async () => {
    const viewer = await server.tokenFor('vera', ['viewer']);
    const res = await server.api('POST', '/api/v1/policy/validate', {
      token: viewer,
      body: { document: {} },
    });
    expect(res.status).toBe(403);
    expect((await server.api('GET', '/api/v1/policy', { token: viewer })).status).toBe(200);
  });

  it('lists the policy routes in the OpenAPI document', async () => {
    const res = await server.api('GET', '/api/v1/openapi.json', { token: null });
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/policy', '/api/v1/policy/versions', '/api/v1/policy/validate']),
    );
  });
});

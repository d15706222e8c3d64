import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { DEFAULT_POLICY, savePolicyVersion } from '../policy/index.js';
import { mlflowClient, tagMap } from './mlflow-client.test-helper.js';

/** The policy names the protected aliases; the server setting names the tier of MLflow-registered models. */
describeEachBackend('MLflow registry under another policy and tier', (backend) => {
  let server: TestServer;
  let call: ReturnType<typeof mlflowClient>;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { mlflowDefaultTier: 4 } });
    await server.ctx.db
      .transaction()
      .execute((trx) =>
        savePolicyVersion(
          trx,
          server.ctx.audit,
          { ...DEFAULT_POLICY, protectedAliases: ['gold'] },
          { actor: 'test', requestId: null, reason: 'gold is the production alias', now: server.ctx.now() },
        ),
      );
    call = mlflowClient(server, { token: await server.tokenFor('dana', ['data-scientist']) });
    await call('POST', '/registered-models/create', { name: 'exp' });
    await call('POST', '/model-versions/create', { name: 'exp', source: 's3://m/exp/1' });
  });
  afterAll(() => server.close());

  it('registers models at WARDEN_MLFLOW_DEFAULT_TIER', async () => {
    expect((await server.api('GET', '/api/v1/models/exp')).body.riskTier).toBe(4);
  });

  it('moves at once where the policy asks no approval, recording the executed request', async () => {
    const res = await call('POST', '/model-versions/transition-stage', {
      name: 'exp',
      version: '1',
      stage: 'staging',
      archive_existing_versions: true,
    });
    expect(res.body.model_version.current_stage).toBe('Staging');
    expect(tagMap(res.body.model_version)['warden.status']).toBe('executed');
  });

  it('governs the aliases the policy lists, and only those', async () => {
    // "champion" is not protected under this policy: it is set at once on a version in Staging.
    await call('POST', '/registered-models/alias', { name: 'exp', alias: 'champion', version: '1' });
    expect((await call('GET', '/registered-models/alias', { name: 'exp', alias: 'champion' })).status).toBe(
      200,
    );
    // "gold" is: it waits for a promotion to production (tier 4: a peer review).
    await call('POST', '/registered-models/alias', { name: 'exp', alias: 'gold', version: '1' });
    expect((await call('GET', '/registered-models/alias', { name: 'exp', alias: 'gold' })).status).toBe(404);
    const version = await call('GET', '/model-versions/get', { name: 'exp', version: '1' });
    const id = tagMap(version.body.model_version)['warden.change_request']!;
    const request = await server.api('GET', `/api/v1/change-requests/${id}`);
    expect(request.body).toMatchObject({ from: 'staging', to: 'production', status: 'requested' });
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { mlflowClient } from './mlflow-client.test-helper.js';

describeEachBackend('MLflow registry bad input', (backend) => {
  let server: TestServer;
  let call: ReturnType<typeof mlflowClient>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    call = mlflowClient(server);
    await call('POST', '/registered-models/create', { name: 'm' });
  });
  afterAll(() => server.close());

  it('answers an unknown endpoint, or a known one under another method, with 404 ENDPOINT_NOT_FOUND', async () => {
    const unknown = await call('POST', '/registered-models/frobnicate', { name: 'm' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('ENDPOINT_NOT_FOUND');
    const tracking = await call('GET', '/experiments/get', { experiment_id: '0' });
    expect(tracking.body.error_code).toBe('ENDPOINT_NOT_FOUND');
    // The client's get-latest-versions falls back on exactly this code; a GET of a POST-only RPC gets it.
    const wrongMethod = await call('GET', '/registered-models/create', { name: 'm' });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.body.error_code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('names a missing required field with 400 INVALID_PARAMETER_VALUE', async () => {
    for (const [method, path, body, field] of [
      ['POST', '/registered-models/create', {}, 'name'],
      ['POST', '/model-versions/create', { name: 'm' }, 'source'],
      ['GET', '/model-versions/get', { name: 'm' }, 'version'],
      [
        'POST',
        '/model-versions/transition-stage',
        { name: 'm', version: '1', stage: 'Staging' },
        'archive_existing_versions',
      ],
      ['POST', '/registered-models/alias', { name: 'm', alias: 'a' }, 'version'],
      ['DELETE', '/registered-models/delete', {}, 'name'],
    ] as const) {
      const res = await call(method, path, body);
      expect(res.status, path).toBe(400);
      expect(res.body.error_code, path).toBe('INVALID_PARAMETER_VALUE');
      expect(res.body.message, path).toContain(`'${field}'`);
    }
  });

  it('refuses sources outside the allowed schemes, relative paths and traversal, storing nothing', async () => {
    for (const source of [
      'file:///etc/passwd',
      '/var/lib/warden/artifacts',
      'model',
      'http://example.com/model',
      's3://bucket/../../etc/passwd',
      'mlflow-artifacts:/x/%2e%2e/%2e%2e/secrets',
      'https:///#/../../etc/',
    ]) {
      const res = await call('POST', '/model-versions/create', { name: 'm', source });
      expect(res.status, source).toBe(400);
      expect(res.body.error_code, source).toBe('INVALID_PARAMETER_VALUE');
      expect(res.body.message, source).toContain("'source'");
    }
    const versions = await server.api('GET', '/api/v1/models/m/versions');
    expect(versions.body.items).toEqual([]);
    const first = await call('POST', '/model-versions/create', { name: 'm', source: 's3://bucket/m/1' });
    expect(first.body.model_version.version).toBe('1');
  });

  it('refuses malformed bodies, non-numeric versions, bad stages and reserved tags', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/registered-models/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE');
    const array = await call('POST', '/registered-models/create', [] as never);
    expect(array.status).toBe(400);
    const version = await call('GET', '/model-versions/get', { name: 'm', version: 'one' });
    expect(version.status).toBe(400);
    expect(version.body.message).toContain("'version'");
    const stage = await call('POST', '/model-versions/transition-stage', {
      name: 'm',
      version: '1',
      stage: 'Live',
      archive_existing_versions: false,
    });
    expect(stage.status).toBe(400);
    const reserved = await call('POST', '/model-versions/set-tag', {
      name: 'm',
      version: '1',
      key: 'warden.status',
      value: 'executed',
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.message).toContain('warden.');
    const alias = await call('POST', '/registered-models/alias', { name: 'm', alias: 'v3', version: '1' });
    expect(alias.status).toBe(400);
    const form = await fetch(`${server.url}/api/2.0/mlflow/registered-models/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/plain' },
      body: '{"name":"csrf"}',
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { error_code: string }).error_code).toBe('BAD_REQUEST');
    expect((await call('GET', '/registered-models/get', { name: 'csrf' })).status).toBe(404);
  });

  it('answers a request without a token with 401 UNAUTHENTICATED', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/registered-models/get?name=m`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { expectMessage, mlflowClient, tagMap } from './mlflow-client.test-helper.js';

/**
 * The requests MLflow's Python client sends (mlflow/store/model_registry/rest_store.py), checked
 * against the protobuf messages of mlflow/protos/model_registry.proto.
 */
describeEachBackend('MLflow registry contract', (backend) => {
  let server: TestServer;
  let call: ReturnType<typeof mlflowClient>;
  let dana: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    dana = await server.tokenFor('dana', ['data-scientist']);
    call = mlflowClient(server, { token: dana });
  });
  afterAll(() => server.close());

  it('creates a registered model (tier from WARDEN_MLFLOW_DEFAULT_TIER, caller as owner) and refuses a duplicate with RESOURCE_ALREADY_EXISTS 400', async () => {
    const res = await call('POST', '/registered-models/create', {
      name: 'churn',
      tags: [{ key: 'team', value: 'growth' }],
      description: 'Predicts churn',
    });
    expect(res.status).toBe(200);
    expectMessage('CreateRegisteredModel.Response', res.body);
    expect(res.body.registered_model).toMatchObject({
      name: 'churn',
      description: 'Predicts churn',
      tags: [{ key: 'team', value: 'growth' }],
    });
    const warden = await server.api('GET', '/api/v1/models/churn');
    expect(warden.body).toMatchObject({ owner: 'dana', riskTier: 3, tags: { team: 'growth' } });

    // mlflow.register_model relies on this code to go on with "create a new version".
    const again = await call('POST', '/registered-models/create', { name: 'churn' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      error_code: 'RESOURCE_ALREADY_EXISTS',
      message: 'Registered Model (name=churn) already exists.',
    });
    const audit = await server.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'subject'])
      .where('action', '=', 'model.created')
      .execute();
    expect(audit).toContainEqual({ actor: 'dana', subject: 'model:churn' });
  });

  it('registers versions numbered 1, 2 (strings) mapped onto Warden semantic versions', async () => {
    const one = await call('POST', '/model-versions/create', {
      name: 'churn',
      source: 'mlflow-artifacts:/0/abc/artifacts/model',
      run_id: 'abc',
      run_link: 'https://mlflow.example/#/runs/abc',
      description: 'first',
    });
    expect(one.status).toBe(200);
    expectMessage('CreateModelVersion.Response', one.body);
    expect(one.body.model_version).toMatchObject({
      name: 'churn',
      version: '1',
      current_stage: 'None',
      status: 'READY',
      source: 'mlflow-artifacts:/0/abc/artifacts/model',
      run_id: 'abc',
      run_link: 'https://mlflow.example/#/runs/abc',
      description: 'first',
      user_id: 'dana',
    });
    expect(tagMap(one.body.model_version)).toMatchObject({
      'warden.version': '1.0.0',
      'warden.stage': 'development',
    });
    const two = await call('POST', '/model-versions/create', {
      name: 'churn',
      source: 's3://bucket/churn/2',
      tags: [{ key: 'validation_status', value: 'pending' }],
    });
    expect(two.body.model_version.version).toBe('2');
    // Nothing the bump rule compares changed: a PATCH bump over 1.0.0.
    expect(tagMap(two.body.model_version)).toMatchObject({
      'warden.version': '1.0.1',
      validation_status: 'pending',
    });
    const warden = await server.api('GET', '/api/v1/models/churn/versions/1.0.1');
    expect(warden.status).toBe(200);
    expect(warden.body.tags).toEqual({ validation_status: 'pending' });
    expect(warden.body.lineage).toMatchObject({ datasets: [] });
  });

  it('reads a version, its download URI and the model with its latest versions', async () => {
    const got = await call('GET', '/model-versions/get', { name: 'churn', version: '2' });
    expect(got.status).toBe(200);
    expectMessage('GetModelVersion.Response', got.body);
    expect(got.body.model_version.source).toBe('s3://bucket/churn/2');
    const uri = await call('GET', '/model-versions/get-download-uri', { name: 'churn', version: '1' });
    expectMessage('GetModelVersionDownloadUri.Response', uri.body);
    expect(uri.body).toEqual({ artifact_uri: 'mlflow-artifacts:/0/abc/artifacts/model' });
    const model = await call('GET', '/registered-models/get', { name: 'churn' });
    expectMessage('GetRegisteredModel.Response', model.body);
    // Both versions are in stage None: the latest of that stage is 2.
    expect(model.body.registered_model.latest_versions.map((v: { version: string }) => v.version)).toEqual([
      '2',
    ]);
    const missing = await call('GET', '/model-versions/get', { name: 'churn', version: '9' });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('answers get-latest-versions on POST and GET, with and without stages', async () => {
    const post = await call('POST', '/registered-models/get-latest-versions', { name: 'churn' });
    expect(post.status).toBe(200);
    expectMessage('GetLatestVersions.Response', post.body);
    expect(post.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
    const get = await call('GET', '/registered-models/get-latest-versions', {
      name: 'churn',
      stages: ['None', 'production'],
    });
    expect(get.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
    const none = await call('POST', '/registered-models/get-latest-versions', {
      name: 'churn',
      stages: ['Production'],
    });
    expect(none.body).toEqual({});
    const bad = await call('POST', '/registered-models/get-latest-versions', {
      name: 'churn',
      stages: ['Live'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('updates descriptions and sets and deletes tags, answering {} where the message is empty', async () => {
    const upd = await call('PATCH', '/registered-models/update', { name: 'churn', description: 'v2 text' });
    expect(upd.status).toBe(200);
    expectMessage('UpdateRegisteredModel.Response', upd.body);
    expect(upd.body.registered_model.description).toBe('v2 text');
    const mv = await call('PATCH', '/model-versions/update', {
      name: 'churn',
      version: '1',
      description: 'changed',
    });
    expectMessage('UpdateModelVersion.Response', mv.body);
    expect(mv.body.model_version.description).toBe('changed');

    expect(
      await call('POST', '/registered-models/set-tag', { name: 'churn', key: 'domain', value: 'retail' }),
    ).toEqual({
      status: 200,
      body: {},
    });
    expect(await call('DELETE', '/registered-models/delete-tag', { name: 'churn', key: 'team' })).toEqual({
      status: 200,
      body: {},
    });
    const model = await call('GET', '/registered-models/get', { name: 'churn' });
    expect(model.body.registered_model.tags).toEqual([{ key: 'domain', value: 'retail' }]);

    expect(
      (await call('POST', '/model-versions/set-tag', { name: 'churn', version: '1', key: 'k', value: 'v' }))
        .body,
    ).toEqual({});
    expect(
      (
        await call('DELETE', '/model-versions/delete-tag', {
          name: 'churn',
          version: '2',
          key: 'validation_status',
        })
      ).body,
    ).toEqual({});
    const one = await call('GET', '/model-versions/get', { name: 'churn', version: '1' });
    expect(tagMap(one.body.model_version).k).toBe('v');
    const two = await call('GET', '/model-versions/get', { name: 'churn', version: '2' });
    expect(tagMap(two.body.model_version).validation_status).toBeUndefined();
    const actions = await server.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('actor', '=', 'dana')
      .execute();
    const counts = actions.reduce<Record<string, number>>(
      (m, a) => ({ ...m, [a.action]: (m[a.action] ?? 0) + 1 }),
      {},
    );
    // Model description and tag changes are audited as PATCH /api/v1/models is; version tags as PATCH of a version.
    expect(counts['model.updated']).toBe(3);
    expect(counts['version.tags_set']).toBe(2);
  });

  it('sets, reads and deletes an alias that is not protected', async () => {
    expect(
      (await call('POST', '/registered-models/alias', { name: 'churn', alias: 'challenger', version: '2' }))
        .body,
    ).toEqual({});
    const got = await call('GET', '/registered-models/alias', { name: 'churn', alias: 'challenger' });
    expectMessage('GetModelVersionByAlias.Response', got.body);
    expect(got.body.model_version).toMatchObject({ version: '2', aliases: ['challenger'] });
    const model = await call('GET', '/registered-models/get', { name: 'churn' });
    expect(model.body.registered_model.aliases).toEqual([{ alias: 'challenger', version: '2' }]);
    expect(
      (await call('DELETE', '/registered-models/alias', { name: 'churn', alias: 'challenger' })).body,
    ).toEqual({});
    const gone = await call('GET', '/registered-models/alias', { name: 'churn', alias: 'challenger' });
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('searches registered models with MLflow’s filter grammar, order_by and page tokens', async () => {
    for (const name of ['fraud-a', 'fraud-b', 'Fraud-C'])
      await call('POST', '/registered-models/create', {
        name,
        tags: [{ key: 'kind', value: name.endsWith('b') ? 'x' : 'y' }],
      });
    const like = await call('GET', '/registered-models/search', {
      filter: "name LIKE 'fraud%'",
      max_results: 100,
    });
    expectMessage('SearchRegisteredModels.Response', like.body);
    expect(like.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['fraud-a', 'fraud-b']);
    const ilike = await call('GET', '/registered-models/search', {
      filter: "name ILIKE 'fraud%' AND tags.kind = 'y'",
      max_results: 100,
    });
    expect(ilike.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['Fraud-C', 'fraud-a']);
    const eq = await call('GET', '/registered-models/search', { filter: 'name = "churn"', max_results: 100 });
    expect(eq.body.registered_models.map((m: { name: string }) => m.name)).toEqual(['churn']);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await call('GET', '/registered-models/search', {
        max_results: 2,
        order_by: ['name DESC'],
        ...(token ? { page_token: token } : {}),
      });
      expectMessage('SearchRegisteredModels.Response', res.body);
      seen.push(...res.body.registered_models.map((m: { name: string }) => m.name));
      token = res.body.next_page_token;
      pages++;
    } while (token && pages < 10);
    // Code-point order, descending: lower-case names sort after upper-case ones.
    expect(seen).toEqual(['fraud-b', 'fraud-a', 'churn', 'Fraud-C']);
    expect(pages).toBe(2);

    const or = await call('GET', '/registered-models/search', { filter: "name = 'a' OR name = 'b'" });
    expect(or.status).toBe(400);
    expect(or.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const badToken = await call('GET', '/registered-models/search', { page_token: 'not-a-token' });
    expect(badToken.status).toBe(400);
    const tooMany = await call('GET', '/registered-models/search', { max_results: 1001 });
    expect(tooMany.status).toBe(400);
  });

  it('searches model versions by name, run_id, source_path, tags and version_number', async () => {
    const byName = await call('GET', '/model-versions/search', {
      filter: "name='churn'",
      max_results: 10000,
    });
    expectMessage('SearchModelVersions.Response', byName.body);
    // MLflow's default order: name ascending, version descending.
    expect(byName.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2', '1']);
    const run = await call('GET', '/model-versions/search', { filter: "run_id IN ('abc', 'zzz')" });
    expect(run.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    const src = await call('GET', '/model-versions/search', { filter: "source_path LIKE 's3://%'" });
    expect(src.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
    const num = await call('GET', '/model-versions/search', {
      filter: "name = 'churn' and version_number >= 2",
      order_by: ['version_number ASC'],
    });
    expect(num.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
    const tag = await call('GET', '/model-versions/search', { filter: "tags.k = 'v'" });
    expect(
      tag.body.model_versions.map((v: { name: string; version: string }) => `${v.name}/${v.version}`),
    ).toEqual(['churn/1']);
    const paged = await call('GET', '/model-versions/search', { filter: "name='churn'", max_results: 1 });
    expect(paged.body.model_versions).toHaveLength(1);
    const rest = await call('GET', '/model-versions/search', {
      filter: "name='churn'",
      max_results: 1,
      page_token: paged.body.next_page_token,
    });
    expect(rest.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    expect(rest.body.next_page_token).toBeUndefined();
    const bad = await call('GET', '/model-versions/search', { filter: "version_number > 'x'" });
    expect(bad.status).toBe(400);
  });

  it('renames a model in MLflow’s namespace and keeps the Warden model', async () => {
    const res = await call('POST', '/registered-models/rename', { name: 'fraud-b', new_name: 'fraud beta' });
    expectMessage('RenameRegisteredModel.Response', res.body);
    expect(res.body.registered_model.name).toBe('fraud beta');
    expect((await call('GET', '/registered-models/get', { name: 'fraud-b' })).status).toBe(404);
    expect((await call('GET', '/registered-models/get', { name: 'fraud beta' })).status).toBe(200);
    expect((await server.api('GET', '/api/v1/models/fraud-b')).status).toBe(200);
    const clash = await call('POST', '/registered-models/rename', { name: 'fraud beta', new_name: 'churn' });
    expect(clash.status).toBe(400);
    expect(clash.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('deletes versions and models from MLflow’s view, numbers not reused, names free again', async () => {
    expect((await call('DELETE', '/model-versions/delete', { name: 'churn', version: '2' })).body).toEqual(
      {},
    );
    expect((await call('GET', '/model-versions/get', { name: 'churn', version: '2' })).status).toBe(404);
    const three = await call('POST', '/model-versions/create', { name: 'churn', source: 'gs://b/churn/3' });
    expect(three.body.model_version.version).toBe('3');
    expect((await call('DELETE', '/registered-models/delete', { name: 'fraud-a' })).body).toEqual({});
    expect((await call('GET', '/registered-models/get', { name: 'fraud-a' })).status).toBe(404);
    const again = await call('POST', '/registered-models/create', { name: 'fraud-a' });
    expect(again.status).toBe(200);
    const first = await call('POST', '/model-versions/create', { name: 'fraud-a', source: 's3://b/x' });
    expect(first.body.model_version.version).toBe('1');
    // The Warden record of the deleted model stays, with its audit trail.
    expect((await server.api('GET', '/api/v1/models/fraud-a')).status).toBe(200);
  });

  it('takes Basic auth with the token as password, and applies roles as /api/v1 does', async () => {
    const basic = mlflowClient(server, { basic: ['dana', dana] });
    expect((await basic('GET', '/registered-models/get', { name: 'churn' })).status).toBe(200);
    const wrong = mlflowClient(server, { basic: ['dana', 'wdn_wrong'] });
    const refused = await wrong('GET', '/registered-models/get', { name: 'churn' });
    expect(refused.status).toBe(401);
    expect(refused.body.error_code).toBe('UNAUTHENTICATED');
    const viewer = mlflowClient(server, { token: await server.tokenFor('vera', ['viewer']) });
    expect((await viewer('GET', '/registered-models/search', {})).status).toBe(200);
    const write = await viewer('POST', '/registered-models/create', { name: 'nope' });
    expect(write.status).toBe(403);
    expect(write.body.error_code).toBe('PERMISSION_DENIED');
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { up as numberExistingVersions } from '../db/migrations/0021-mlflow-version-numbers.js';
import { expectMessage, mlflowClient, tagMap } from './mlflow-client.test-helper.js';

const LINEAGE = versionBody('0.0.0').lineage as Record<string, unknown>;

type Version = {
  name: string;
  version: string;
  run_id?: string;
  source: string;
  tags?: Array<{ key: string; value: string }>;
};

/** Versions registered through /api/v1 seen through MLflow's REST API: numbered, never reused. */
describeEachBackend('MLflow numbers for versions registered through /api/v1', (backend) => {
  let server: TestServer;
  let call: ReturnType<typeof mlflowClient>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    call = mlflowClient(server);
  });
  afterAll(() => server.close());

  const create = async (model: string, version: string, extra: Record<string, unknown> = {}) => {
    const res = await server.api('POST', `/api/v1/models/${model}/versions`, {
      body: versionBody(version, extra),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  const numbers = async (model: string) => {
    const res = await call('GET', '/model-versions/search', { filter: `name = '${model}'` });
    expect(res.status).toBe(200);
    expectMessage('SearchModelVersions.Response', res.body);
    return ((res.body.model_versions ?? []) as Version[]).map((v) => [
      v.version,
      tagMap(v)['warden.version'],
    ]);
  };

  it('numbers /api/v1 versions 1, 2 in registration order, continues with MLflow’s own and never reuses a number', async () => {
    expect(
      (await server.api('POST', '/api/v1/models', { body: { name: 'scoring', owner: 'risk', riskTier: 3 } }))
        .status,
    ).toBe(201);
    await create('scoring', '1.0.0', { lineage: { ...LINEAGE, trainingRunId: 'run-7' } });
    await create('scoring', '1.1.0');

    const one = await call('GET', '/model-versions/get', { name: 'scoring', version: '1' });
    expect(one.status).toBe(200);
    expectMessage('GetModelVersion.Response', one.body);
    expect(one.body.model_version).toMatchObject({
      name: 'scoring',
      version: '1',
      run_id: 'run-7',
      current_stage: 'None',
    });
    expect(tagMap(one.body.model_version)['warden.version']).toBe('1.0.0');
    expect(await numbers('scoring')).toEqual([
      ['2', '1.1.0'],
      ['1', '1.0.0'],
    ]);

    // MLflow's own registration takes the next number.
    const viaMlflow = await call('POST', '/model-versions/create', {
      name: 'scoring',
      source: 's3://models/scoring/3',
    });
    expect(viaMlflow.status).toBe(200);
    expect(viaMlflow.body.model_version).toMatchObject({ version: '3', source: 's3://models/scoring/3' });
    // The bump rule over 1.1.0 for a version nothing is known about: a new minor at least.
    const semverOf3 = tagMap(viaMlflow.body.model_version)['warden.version'];
    expect(semverOf3 === '1.2.0' || semverOf3 === '2.0.0').toBe(true);

    await create('scoring', '3.0.0');
    expect((await numbers('scoring'))[0]).toEqual(['4', '3.0.0']);
    expect((await call('DELETE', '/model-versions/delete', { name: 'scoring', version: '4' })).status).toBe(
      200,
    );
    await create('scoring', '3.1.0');
    expect((await numbers('scoring')).map(([n]) => n)).toEqual(['5', '3', '2', '1']);

    const latest = await call('POST', '/registered-models/get-latest-versions', { name: 'scoring' });
    expect(latest.body.model_versions.map((v: Version) => v.version)).toEqual(['5']);
    const sourced = await server.ctx.db
      .selectFrom('audit_log')
      .select(['subject', 'change'])
      .where('action', '=', 'mlflow.version_source_set')
      .execute();
    expect(sourced).toHaveLength(1);
    expect(JSON.parse(sourced[0]!.change)).toMatchObject({
      mlflowVersion: 3,
      source: 's3://models/scoring/3',
    });
  });

  it('gives concurrent /api/v1 registrations of one model distinct numbers 1…6', async () => {
    expect(
      (await server.api('POST', '/api/v1/models', { body: { name: 'busy', owner: 'risk', riskTier: 3 } }))
        .status,
    ).toBe(201);
    await Promise.all(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0'].map((v) => create('busy', v)));
    const seen = await numbers('busy');
    expect(seen.map(([n]) => Number(n)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(seen.map(([, v]) => v)).size).toBe(6);
  });

  it('numbers versions registered before numbering existed, after the numbers MLflow gave out', async () => {
    expect(
      (await server.api('POST', '/api/v1/models', { body: { name: 'legacy', owner: 'risk', riskTier: 3 } }))
        .status,
    ).toBe(201);
    await create('legacy', '1.0.0');
    const viaMlflow = await call('POST', '/model-versions/create', {
      name: 'legacy',
      source: 's3://m/legacy',
    });
    expect(viaMlflow.body.model_version.version).toBe('2');
    await create('legacy', '5.0.0', { lineage: { ...LINEAGE, trainingRunId: 'r-9' } });
    await create('legacy', '5.1.0');
    // A store from before: the /api/v1 versions without their MLflow rows.
    const legacy = await server.ctx.db
      .selectFrom('models')
      .select('id')
      .where('name', '=', 'legacy')
      .executeTakeFirstOrThrow();
    const apiVersions = await server.ctx.db
      .selectFrom('model_versions')
      .select('id')
      .where('model_id', '=', legacy.id)
      .where('version', 'in', ['1.0.0', '5.0.0', '5.1.0'])
      .execute();
    await server.ctx.db
      .deleteFrom('mlflow_versions')
      .where(
        'version_id',
        'in',
        apiVersions.map((v) => v.id),
      )
      .execute();
    await server.ctx.db
      .updateTable('mlflow_models')
      .set({ last_version: 2 })
      .where('model_id', '=', legacy.id)
      .execute();
    expect(await numbers('legacy')).toEqual([['2', tagMap(viaMlflow.body.model_version)['warden.version']]]);

    await numberExistingVersions(server.ctx.db as never);
    // 1.0.0, 5.0.0 and 5.1.0 in registration order after MLflow's 2 (number 1 is not handed out again).
    expect((await numbers('legacy')).map(([n, v]) => `${n}:${v}`)).toEqual([
      '5:5.1.0',
      '4:5.0.0',
      '3:1.0.0',
      `2:${tagMap(viaMlflow.body.model_version)['warden.version']}`,
    ]);
    const four = await call('GET', '/model-versions/get', { name: 'legacy', version: '4' });
    expect(four.body.model_version.run_id).toBe('r-9');
    const next = await call('POST', '/model-versions/create', { name: 'legacy', source: 's3://m/legacy/6' });
    expect(next.body.model_version.version).toBe('6');
  });
});

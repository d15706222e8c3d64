import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import type { Stage } from '../registry/version.schema.js';
import { archiveDueRetirements } from '../workflow/index.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';

const DAY = 86_400_000;

describeEachBackend('deployments', (backend) => {
  let h: WorkflowHarness;
  let mlops: string;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    mlops = await h.as('mona', ['mlops']);
    // Every event, so each deployment write can be seen in the outbox.
    const hook = await h.s.api('POST', '/api/v1/webhooks', {
      body: { url: 'https://hooks.example.test/warden', events: ['*'], secret: 'a-long-enough-secret' },
    });
    expect(hook.status).toBe(201);
  });
  afterAll(() => h.s.close());

  /** Puts a version straight into a stage (and makes it champion when production): these tests are about deployments. */
  async function setStage(model: string, version: string, stage: Stage) {
    const row = await h.s.ctx.db
      .selectFrom('model_versions')
      .innerJoin('models', 'models.id', 'model_versions.model_id')
      .select(['model_versions.id as vid', 'models.id as mid'])
      .where('models.name', '=', model)
      .where('model_versions.version', '=', version)
      .executeTakeFirstOrThrow();
    await h.s.ctx.db.updateTable('model_versions').set({ stage }).where('id', '=', row.vid).execute();
    if (stage === 'production')
      await h.s.ctx.db
        .updateTable('models')
        .set({ champion_version_id: row.vid })
        .where('id', '=', row.mid)
        .execute();
  }

  const deploy = (model: string, version: string, body: Record<string, unknown>, token = mlops) =>
    h.s.api('POST', `/api/v1/models/${model}/versions/${version}/deployments`, { token, body });

  const outbox = async (type: string) =>
    (
      await h.s.ctx.db
        .selectFrom('webhook_deliveries')
        .select('body')
        .where('event_type', '=', type)
        .execute()
    ).map((r) => JSON.parse(r.body) as { subject: string; data: Record<string, unknown> });

  it('records, lists, filters, pages and ends deployments, audited and announced', async () => {
    await h.createModel('fraud', 3);
    for (const [version, stage] of [
      ['1.0.0', 'production'],
      ['1.0.1', 'approved'],
      ['1.1.0', 'staging'],
      ['2.0.0', 'development'],
    ] as const) {
      await h.createVersion('fraud', version);
      await setStage('fraud', version, stage);
    }

    const prod = await deploy('fraud', '1.0.0', {
      environment: 'production',
      target: 'api-gateway/us-east-1',
      note: 'blue slot',
    });
    expect(prod.status).toBe(201);
    expect(prod.body).toMatchObject({
      model: 'fraud',
      version: '1.0.0',
      environment: 'production',
      target: 'api-gateway/us-east-1',
      status: 'active',
      trafficPercent: 100, // the default
      note: 'blue slot',
      deployedBy: 'mona',
      deployedAt: '2026-03-02T09:00:00.000Z',
      endedAt: null,
    });
    expect(prod.body.id).toMatch(/^dep_/);
    const canary = await deploy(
      'fraud',
      '1.0.1',
      { environment: 'production', target: 'api-gateway/eu-west-1', trafficPercent: 10 },
      await h.as('eve', ['ml-engineer']),
    );
    expect(canary.status).toBe(201);
    expect(canary.body.trafficPercent).toBe(10);
    const staging = await deploy(
      'fraud',
      '1.1.0',
      { environment: 'staging', target: 'k8s/staging' },
      await h.as('opal', ['operations']),
    );
    expect(staging.status).toBe(201);
    const shadow = await deploy('fraud', '2.0.0', {
      environment: 'shadow',
      target: 'mirror',
      trafficPercent: 0,
    });
    expect(shadow.status).toBe(201);
    const ids = [prod, canary, staging, shadow].map((r) => r.body.id as string);

    // Audited in the version's trail, and announced to subscribers.
    expect(await h.auditCount('deployment.created', 'model:fraud@1.0.0')).toBe(1);
    expect(await h.auditCount('deployment.created', 'model:fraud@2.0.0')).toBe(1);
    const created = await outbox('deployment.created');
    expect(created).toHaveLength(4);
    expect(created.find((e) => e.data.deploymentId === ids[1])).toMatchObject({
      subject: 'model:fraud@1.0.1',
      data: { environment: 'production', target: 'api-gateway/eu-west-1', trafficPercent: 10 },
    });

    // Newest first; filters; pages that together hold every deployment once.
    const all = await h.s.api('GET', '/api/v1/deployments?model=fraud');
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: { id: string }) => d.id)).toEqual([...ids].reverse());
    const inProd = await h.s.api('GET', '/api/v1/deployments?model=fraud&environment=production');
    expect(inProd.body.items.map((d: { version: string }) => d.version).sort()).toEqual(['1.0.0', '1.0.1']);
    const ofVersion = await h.s.api('GET', '/api/v1/models/fraud/deployments?version=1.1.0');
    expect(ofVersion.body.items.map((d: { id: string }) => d.id)).toEqual([ids[2]]);
    const first = await h.s.api('GET', '/api/v1/models/fraud/deployments?limit=3');
    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextPageToken).toBeTypeOf('string');
    const second = await h.s.api(
      'GET',
      `/api/v1/models/fraud/deployments?limit=3&pageToken=${first.body.nextPageToken}`,
    );
    expect(second.body.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect(second.body.nextPageToken).toBeUndefined();
    const viewer = await h.as('vic', ['viewer']);
    expect((await h.s.api('GET', `/api/v1/deployments/${ids[0]}`, { token: viewer })).body.target).toBe(
      'api-gateway/us-east-1',
    );

    // Ending: by an operator, once; the place is then free for the next version.
    const ops = await h.as('opal', ['operations']);
    const ended = await h.s.api('POST', `/api/v1/deployments/${ids[0]}/end`, {
      token: ops,
      body: { reason: 'replaced by 1.0.1' },
    });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({
      status: 'ended',
      endedBy: 'opal',
      endedAt: '2026-03-02T09:00:00.000Z',
      endReason: 'replaced by 1.0.1',
    });
    const again = await h.s.api('POST', `/api/v1/deployments/${ids[0]}/end`, {
      token: ops,
      body: { reason: 'twice' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('already ended');
    expect(await h.auditCount('deployment.ended', 'model:fraud@1.0.0')).toBe(1);
    expect(await outbox('deployment.ended')).toEqual([
      expect.objectContaining({
        subject: 'model:fraud@1.0.0',
        data: expect.objectContaining({ deploymentId: ids[0], reason: 'replaced by 1.0.1' }),
      }),
    ]);
    const active = await h.s.api('GET', '/api/v1/deployments?model=fraud&status=active');
    expect(active.body.items.map((d: { id: string }) => d.id).sort()).toEqual(ids.slice(1).sort());
    const ended2 = await h.s.api('GET', '/api/v1/deployments?model=fraud&status=ended');
    expect(ended2.body.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    const reuse = await deploy('fraud', '1.0.1', {
      environment: 'production',
      target: 'api-gateway/us-east-1',
    });
    expect(reuse.status).toBe(201);
  });

  it('refuses what the lifecycle, the record or the caller does not allow, and stores nothing', async () => {
    await h.createModel('churn', 3);
    for (const [version, stage] of [
      ['1.0.0', 'production'],
      ['0.9.0', 'staging'],
      ['0.8.0', 'development'],
      ['0.7.0', 'rejected'],
      ['0.6.0', 'archived'],
      ['0.5.0', 'deprecated'],
    ] as const) {
      await h.createVersion('churn', version);
      await setStage('churn', version, stage);
    }
    const place = { environment: 'production', target: 'batch/nightly' };
    const first = await deploy('churn', '1.0.0', place);
    expect(first.status).toBe(201);

    const refusals: Array<[string, Record<string, unknown>, number, string, RegExp]> = [
      ['0.9.0', place, 409, 'environment', /in staging cannot be deployed to production/],
      ['0.8.0', { environment: 'staging', target: 's' }, 409, 'environment', /in development cannot/],
      ['0.8.0', { environment: 'prod-eu', target: 's' }, 409, 'environment', /production environment/],
      ['0.7.0', { environment: 'shadow', target: 's' }, 409, 'environment', /in rejected/],
      ['0.6.0', { environment: 'shadow', target: 's' }, 409, 'environment', /in archived/],
      ['0.5.0', { environment: 'production', target: 's' }, 409, 'environment', /in deprecated/],
      ['1.0.0', place, 409, 'target', new RegExp(`already deployed .*${first.body.id as string}`)],
      ['1.0.0', { ...place, target: 'x', trafficPercent: 101 }, 400, 'trafficPercent', /trafficPercent/],
      ['1.0.0', { ...place, target: 'x', trafficPercent: -1 }, 400, 'trafficPercent', /trafficPercent/],
      ['1.0.0', { environment: 'Prod EU', target: 'x' }, 400, 'environment', /environment/],
      ['1.0.0', { environment: 'production' }, 400, 'target', /target/],
      ['1.0.0', { ...place, target: 'x', region: 'eu' }, 400, 'region', /unknown field "region"/],
    ];
    for (const [version, body, status, field, message] of refusals) {
      const res = await deploy('churn', version, body);
      expect([version, body, res.status]).toEqual([version, body, status]);
      expect(res.body.error.field).toBe(field);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await deploy('nope', '1.0.0', place)).status).toBe(404);
    const noVersion = await deploy('churn', '9.9.9', { ...place, target: 'y' });
    expect(noVersion.status).toBe(404);
    expect(noVersion.body.error.message).toContain('9.9.9');
    for (const roles of [['viewer'], ['data-scientist'], ['validator']] as const) {
      const res = await deploy('churn', '1.0.0', { ...place, target: 'z' }, await h.as('x', [...roles]));
      expect(res.status).toBe(403);
    }
    const viewer = await h.as('vic', ['viewer']);
    const endByViewer = await h.s.api('POST', `/api/v1/deployments/${first.body.id}/end`, {
      token: viewer,
      body: { reason: 'no' },
    });
    expect(endByViewer.status).toBe(403);
    expect(
      (await h.s.api('POST', '/api/v1/deployments/dep_missing/end', { body: { reason: 'x' } })).status,
    ).toBe(404);
    const noReason = await h.s.api('POST', `/api/v1/deployments/${first.body.id}/end`, { body: {} });
    expect([noReason.status, noReason.body.error.field]).toEqual([400, 'reason']);
    expect((await h.s.api('GET', '/api/v1/deployments?model=nope')).status).toBe(404);
    expect((await h.s.api('GET', '/api/v1/deployments?model=churn&version=9.9.9')).status).toBe(404);
    const versionAlone = await h.s.api('GET', '/api/v1/deployments?version=1.0.0');
    expect([versionAlone.status, versionAlone.body.error.field]).toEqual([400, 'version']);

    // Only the first deployment was stored, and it is still active.
    const list = await h.s.api('GET', '/api/v1/models/churn/deployments');
    expect(list.body.items.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([
      [first.body.id, 'active'],
    ]);
    expect(await h.auditCount('deployment.created', 'model:churn@1.0.0')).toBe(1);
  });

  it('lets exactly one of several simultaneous deployments to the same place through', async () => {
    await h.createModel('race-dep', 3);
    await h.createVersion('race-dep', '1.0.0');
    await setStage('race-dep', '1.0.0', 'production');
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        deploy('race-dep', '1.0.0', { environment: 'production', target: 'api' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const list = await h.s.api('GET', '/api/v1/deployments?model=race-dep');
    expect(list.body.items).toHaveLength(1);
  });

  it('lists active deployments in the retirement impact and holds the archive until they end', async () => {
    await h.createModel('pricing', 3, { consumers: [{ name: 'checkout' }] });
    await h.createVersion('pricing', '1.0.0');
    await setStage('pricing', '1.0.0', 'production');
    const a = await deploy('pricing', '1.0.0', {
      environment: 'production',
      target: 'api/global',
      trafficPercent: 90,
    });
    const b = await deploy('pricing', '1.0.0', { environment: 'shadow', target: 'mirror' });
    const gone = await deploy('pricing', '1.0.0', { environment: 'staging', target: 'k8s/stg' });
    await h.s.api('POST', `/api/v1/deployments/${gone.body.id}/end`, { body: { reason: 'not needed' } });

    const retired = await h.s.api('POST', '/api/v1/models/pricing/versions/1.0.0/retire', {
      body: { reason: 'replaced by a rules engine' },
    });
    expect(retired.status).toBe(201);
    expect(retired.body.impact.deployments.recorded).toBe(true);
    expect(retired.body.impact.deployments.items).toEqual([
      {
        id: a.body.id,
        version: '1.0.0',
        environment: 'production',
        target: 'api/global',
        trafficPercent: 90,
        deployedAt: '2026-03-02T09:00:00.000Z',
      },
      {
        id: b.body.id,
        version: '1.0.0',
        environment: 'shadow',
        target: 'mirror',
        trafficPercent: 100,
        deployedAt: '2026-03-02T09:00:00.000Z',
      },
    ]);
    expect(retired.body.impact.deployments.note).toContain('archive waits');

    const saved = h.clock.now;
    h.clock.now = new Date(saved.getTime() + 31 * DAY);
    try {
      // Past the grace period, but still deployed: held, recorded once, version stays deprecated.
      expect(await archiveDueRetirements(h.s.ctx)).toBe(0);
      expect(await archiveDueRetirements(h.s.ctx)).toBe(0);
      expect(await h.stage('pricing', '1.0.0')).toBe('deprecated');
      expect(await h.auditCount('retirement.archive_held', 'model:pricing@1.0.0')).toBe(1);
      const held = await outbox('retirement.archive_held');
      expect(held).toHaveLength(1);
      expect((held[0]!.data.deployments as Array<{ id: string }>).map((d) => d.id)).toEqual([
        a.body.id,
        b.body.id,
      ]);

      // Archiving by hand is refused too, naming the deployments.
      const manual = await h.s.api('POST', '/api/v1/models/pricing/versions/1.0.0/transitions', {
        token: await h.as('dana', ['data-scientist']),
        body: { to: 'archived', reason: 'tidy up' },
      });
      expect(manual.status).toBe(409);
      expect(manual.body.error.message).toContain(a.body.id);
      expect(manual.body.error.message).toContain(b.body.id);

      await h.s.api('POST', `/api/v1/deployments/${a.body.id}/end`, { body: { reason: 'retired' } });
      expect(await archiveDueRetirements(h.s.ctx)).toBe(0); // the shadow copy still runs
      await h.s.api('POST', `/api/v1/deployments/${b.body.id}/end`, { body: { reason: 'retired' } });
      expect(await archiveDueRetirements(h.s.ctx)).toBe(1);
    } finally {
      h.clock.now = saved;
    }
    expect(await h.stage('pricing', '1.0.0')).toBe('archived');
    expect(await h.auditCount('version.archived', 'model:pricing@1.0.0')).toBe(1);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await h.s.api('GET', '/api/v1/openapi.json', { token: null })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/models/{name}/versions/{version}/deployments',
        '/api/v1/deployments',
        '/api/v1/deployments/{id}',
        '/api/v1/deployments/{id}/end',
        '/api/v1/models/{name}/deployments',
      ]),
    );
    const create = doc.paths['/api/v1/models/{name}/versions/{version}/deployments'].post;
    expect(create.description).toContain('roles admin, ml-engineer, mlops, operations');
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { mlflowClient, tagMap } from './mlflow-client.test-helper.js';

/** Governance under the MLflow API: stage moves and protected aliases wait for Warden approvals. */
describeEachBackend('MLflow registry governance', (backend) => {
  let h: WorkflowHarness;
  let call: ReturnType<typeof mlflowClient>;
  let pete: string;
  let mia: string;
  const decide = async (id: string, token: string, role: string) => {
    const res = await h.s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
      token,
      body: { decision: 'approve', role },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    call = mlflowClient(h.s, { token: await h.as('dana', ['data-scientist']) });
    pete = await h.as('pete', ['data-scientist']);
    mia = await h.as('mia', ['ml-engineer']);
    await call('POST', '/registered-models/create', { name: 'credit' });
    await call('POST', '/model-versions/create', { name: 'credit', source: 's3://models/credit/1' });
    await call('POST', '/model-versions/create', { name: 'credit', source: 's3://models/credit/2' });
  });
  afterAll(() => h.s.close());

  it('opens a change request for a move to Staging and answers the version unchanged, tagged with it', async () => {
    const res = await call('POST', '/model-versions/transition-stage', {
      name: 'credit',
      version: '1',
      stage: 'Staging',
      archive_existing_versions: false,
    });
    expect(res.status).toBe(200);
    expect(res.body.model_version.current_stage).toBe('None');
    const tags = tagMap(res.body.model_version);
    expect(tags['warden.status']).toBe('requested');
    const request = await h.s.api('GET', `/api/v1/change-requests/${tags['warden.change_request']}`);
    expect(request.body).toMatchObject({
      kind: 'transition',
      model: 'credit',
      version: '1.0.0',
      from: 'development',
      to: 'staging',
      requestedBy: 'dana',
      status: 'requested',
    });
    expect(await h.stage('credit', '1.0.0')).toBe('development');
    // Later reads carry the same tags.
    const read = await call('GET', '/model-versions/get', { name: 'credit', version: '1' });
    expect(tagMap(read.body.model_version)['warden.change_request']).toBe(tags['warden.change_request']);
  });

  it('moves the stage when the approvals execute the request', async () => {
    const read = await call('GET', '/model-versions/get', { name: 'credit', version: '1' });
    const id = tagMap(read.body.model_version)['warden.change_request']!;
    // The tier-3 peer review: another data scientist than the requester.
    await decide(id, pete, 'data-scientist');
    const after = await call('GET', '/model-versions/get', { name: 'credit', version: '1' });
    expect(after.body.model_version.current_stage).toBe('Staging');
    expect(tagMap(after.body.model_version)).toMatchObject({
      'warden.change_request': id,
      'warden.status': 'executed',
      'warden.stage': 'staging',
    });
    const latest = await call('POST', '/registered-models/get-latest-versions', {
      name: 'credit',
      stages: ['Staging'],
    });
    expect(latest.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
  });

  it('opens a change request to production for a protected alias and moves the alias when it executes', async () => {
    expect(
      (await call('POST', '/registered-models/alias', { name: 'credit', alias: 'champion', version: '1' }))
        .status,
    ).toBe(200);
    const waiting = await call('GET', '/registered-models/alias', { name: 'credit', alias: 'champion' });
    expect(waiting.status).toBe(404);
    const version = await call('GET', '/model-versions/get', { name: 'credit', version: '1' });
    const tags = tagMap(version.body.model_version);
    expect(tags['warden.status']).toBe('requested');
    const id = tags['warden.change_request']!;
    const request = await h.s.api('GET', `/api/v1/change-requests/${id}`);
    expect(request.body).toMatchObject({ from: 'staging', to: 'production', requestedBy: 'dana' });

    await decide(id, pete, 'data-scientist');
    await decide(id, mia, 'ml-engineer');
    const approved = await h.s.api('GET', `/api/v1/change-requests/${id}`);
    // Approved, waiting for the validation evidence the tier demands: nothing has moved yet.
    expect(approved.body.status).toBe('approved');
    expect(
      (await call('GET', '/registered-models/alias', { name: 'credit', alias: 'champion' })).status,
    ).toBe(404);
    const run = await h.storeRun('credit', '1.0.0', approved.body.requiredValidationLevel, true);
    const evidence = await h.s.api('POST', `/api/v1/change-requests/${id}/evidence`, {
      token: await h.as('dana', ['data-scientist']),
      body: { validationRunId: run },
    });
    expect(evidence.status, JSON.stringify(evidence.body)).toBe(200);

    const moved = await call('GET', '/registered-models/alias', { name: 'credit', alias: 'champion' });
    expect(moved.status).toBe(200);
    expect(moved.body.model_version).toMatchObject({
      version: '1',
      current_stage: 'Production',
      aliases: ['champion'],
    });
    expect(tagMap(moved.body.model_version)['warden.status']).toBe('executed');
    expect(await h.auditCount('mlflow.alias_set', 'model:credit')).toBe(1);
    const model = await call('GET', '/registered-models/get', { name: 'credit' });
    expect(model.body.registered_model.aliases).toEqual([{ alias: 'champion', version: '1' }]);
  });

  it('sets a protected alias at once on the version already in production, and refuses to delete it', async () => {
    expect(
      (await call('POST', '/registered-models/alias', { name: 'credit', alias: 'Production', version: '1' }))
        .status,
    ).toBe(200);
    expect(
      (await call('GET', '/registered-models/alias', { name: 'credit', alias: 'Production' })).status,
    ).toBe(200);
    const del = await call('DELETE', '/registered-models/alias', { name: 'credit', alias: 'champion' });
    expect(del.status).toBe(403);
    expect(del.body.error_code).toBe('PERMISSION_DENIED');
  });

  it('refuses to delete a version in production, or anything of a model under legal hold, saying why', async () => {
    const prod = await call('DELETE', '/model-versions/delete', { name: 'credit', version: '1' });
    expect(prod.status).toBe(403);
    expect(prod.body).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(prod.body.message).toContain('in production');
    const model = await call('DELETE', '/registered-models/delete', { name: 'credit' });
    expect(model.status).toBe(403);
    expect(model.body.message).toContain('production');

    const hold = await h.s.api('POST', '/api/v1/models/credit/legal-hold', {
      body: { reason: 'litigation 42' },
    });
    expect(hold.status).toBe(201);
    const held = await call('DELETE', '/model-versions/delete', { name: 'credit', version: '2' });
    expect(held.status).toBe(403);
    expect(held.body.message).toContain('legal hold');
    expect(held.body.message).toContain('litigation 42');
    expect((await call('GET', '/model-versions/get', { name: 'credit', version: '2' })).status).toBe(200);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startWorkflowHarness, type WorkflowHarness } from './workflow.test-helper.js';

describeEachBackend('governed changes of governance facts', (backend) => {
  let h: WorkflowHarness;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
  });
  afterAll(() => h.s.close());

  const decide = async (token: string, id: string, role: string) =>
    h.s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
      token,
      body: { decision: 'approve', role },
    });

  // Finding 1: a data scientist lowered a tier-1 model to tier 4, promoted under tier-4 rules, and raised it back.
  it('holds a tier lowering in a change request needing tier-1 approvals plus compliance', async () => {
    await h.createModel('gov-credit', 1, { consumers: [{ name: 'loans' }] });
    await h.createVersion('gov-credit', '1.0.0');
    const dana = await h.as('dana', ['data-scientist']);
    const lowered = await h.s.api('PATCH', '/api/v1/models/gov-credit', {
      token: dana,
      body: { riskTier: 4 },
    });
    expect(lowered.status).toBe(202);
    expect(lowered.body).toMatchObject({
      kind: 'governance_change',
      model: 'gov-credit',
      status: 'requested',
    });
    expect(lowered.body.reason).toMatch(/risk tier lowered from 1 to 4/);
    expect(
      Object.fromEntries(
        lowered.body.required.map((r: { role: string; count: number }) => [r.role, r.count]),
      ),
    ).toEqual({ 'review-board': 4, compliance: 1, legal: 1, 'business-owner': 1 });
    expect((await h.s.api('GET', '/api/v1/models/gov-credit')).body.riskTier).toBe(1);

    // While it is open, a promotion is judged under tier 1, and the tier cannot be changed again.
    const id = (await h.s.api('GET', '/api/v1/models/gov-credit')).body.id as string;
    await h.s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', id)
      .execute();
    const promote = await h.s.api('POST', '/api/v1/models/gov-credit/versions/1.0.0/transitions', {
      token: dana,
      body: { to: 'production', reason: 'release' },
    });
    expect(promote.body.required.map((r: { role: string }) => r.role)).toContain('review-board');
    const again = await h.s.api('PATCH', '/api/v1/models/gov-credit', { token: dana, body: { riskTier: 3 } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/pending governance change/);
    const dropConsumer = await h.s.api('PATCH', '/api/v1/models/gov-credit', {
      token: dana,
      body: { consumers: [] },
    });
    expect(dropConsumer.status).toBe(409);

    // The approvals execute the change, audited.
    const cr = lowered.body.id as string;
    for (const p of ['bea', 'bram', 'bo', 'bianca'])
      await decide(await h.as(p, ['review-board']), cr, 'review-board');
    await decide(await h.as('cora', ['compliance']), cr, 'compliance');
    await decide(await h.as('lee', ['legal']), cr, 'legal');
    const done = await decide(await h.as('otto', ['business-owner']), cr, 'business-owner');
    expect(done.body.status).toBe('executed');
    expect((await h.s.api('GET', '/api/v1/models/gov-credit')).body.riskTier).toBe(4);
    const audit = await h.s.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'change'])
      .where('subject', '=', 'model:gov-credit')
      .where('action', '=', 'model.updated')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.change)).toMatchObject({ patch: { riskTier: 4 }, changeRequestId: cr });
    // The promotion opened before the change keeps the stricter tier-1 requirements.
    const still = await h.s.api('GET', `/api/v1/change-requests/${promote.body.id}`);
    expect(still.body.required.map((r: { role: string }) => r.role)).toContain('review-board');
  });

  it('applies a tightening at once and raises what open promotions need', async () => {
    await h.createModel('gov-tight', 4, { consumers: [{ name: 'a' }] });
    await h.createVersion('gov-tight', '1.0.0');
    const id = (await h.s.api('GET', '/api/v1/models/gov-tight')).body.id as string;
    await h.s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', id)
      .execute();
    const dana = await h.as('dana', ['data-scientist']);
    const promote = await h.s.api('POST', '/api/v1/models/gov-tight/versions/1.0.0/transitions', {
      token: dana,
      body: { to: 'production', reason: 'release' },
    });
    expect(promote.body.required.map((r: { role: string }) => r.role)).toEqual(['data-scientist']);
    const raised = await h.s.api('PATCH', '/api/v1/models/gov-tight', {
      token: dana,
      body: { riskTier: 1, consumers: [{ name: 'a' }, { name: 'b' }] },
    });
    expect(raised.status).toBe(200);
    expect(raised.body.riskTier).toBe(1);
    const after = await h.s.api('GET', `/api/v1/change-requests/${promote.body.id}`);
    expect(after.body.required.map((r: { role: string }) => r.role).sort()).toEqual([
      'business-owner',
      'compliance',
      'data-scientist',
      'legal',
      'review-board',
    ]);
    expect(
      await h.auditCount('change_request.requirements_raised', `change_request:${promote.body.id}`),
    ).toBe(1);
    const owner = await h.s.api('PATCH', '/api/v1/models/gov-tight', {
      token: dana,
      body: { owner: 'dana' },
    });
    expect(owner.status).toBe(202);
    expect(owner.body.reason).toMatch(/owner olivia removed/);
  });
});

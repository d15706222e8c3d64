import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startWorkflowHarness, type WorkflowHarness } from './workflow.test-helper.js';

describeEachBackend('governed lifecycle API', (backend) => {
  let h: WorkflowHarness;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
  });
  afterAll(() => h.s.close());

  const transition = async (token: string, model: string, version: string, body: Record<string, unknown>) =>
    h.s.api('POST', `/api/v1/models/${model}/versions/${version}/transitions`, { token, body });
  const decide = async (token: string, id: string, role: string, decision = 'approve', comment?: string) =>
    h.s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
      token,
      body: { decision, role, ...(comment ? { comment } : {}) },
    });

  /** Tokens of the people the default policy names for a tier-1 promotion. */
  async function tier1Approvers() {
    return {
      board: await Promise.all(['bea', 'bram', 'bo', 'bianca', 'bert'].map((p) => h.as(p, ['review-board']))),
      compliance: await h.as('cora', ['compliance']),
      legal: await h.as('lee', ['legal']),
      owner: await h.as('otto', ['business-owner']),
      mlEngineer: await h.as('eve', ['ml-engineer']),
      validator: await h.as('val', ['validator']),
    };
  }

  it('takes a tier-1 model from development to production only with full validation and every approval', async () => {
    await h.createModel('credit-risk', 1);
    await h.createVersion('credit-risk', '1.0.0');
    const dana = await h.as('dana', ['data-scientist']);
    const a = await tier1Approvers();

    const toStaging = await transition(dana, 'credit-risk', '1.0.0', {
      to: 'staging',
      reason: 'ready for review',
    });
    expect(toStaging.status).toBe(201);
    expect(toStaging.body).toMatchObject({
      kind: 'transition',
      from: 'development',
      to: 'staging',
      status: 'requested',
    });
    expect(toStaging.body.required.map((r: { role: string; count: number }) => [r.role, r.count])).toEqual([
      ['ml-engineer', 1],
      ['validator', 1],
    ]);
    expect((await decide(a.mlEngineer, toStaging.body.id, 'ml-engineer')).body.status).toBe('in_review');
    expect(await h.stage('credit-risk', '1.0.0')).toBe('development');
    const staged = await decide(a.validator, toStaging.body.id, 'validator');
    expect(staged.body.status).toBe('executed');
    expect(await h.stage('credit-risk', '1.0.0')).toBe('staging');

    // The promotion: the seed's tier-1 matrix — review board 4 of 5, compliance, legal, business owner.
    const promote = await transition(dana, 'credit-risk', '1.0.0', {
      to: 'production',
      reason: 'quarterly release',
    });
    expect(promote.status).toBe(201);
    const id = promote.body.id as string;
    expect(
      Object.fromEntries(
        promote.body.required.map((r: { role: string; count: number }) => [r.role, r.count]),
      ),
    ).toEqual({ 'review-board': 4, compliance: 1, legal: 1, 'business-owner': 1 });
    expect(promote.body.requiredValidationLevel).toBe('full');
    expect(promote.body.missingEvidence).toHaveLength(1);
    expect(promote.body.missingEvidence[0]).toMatchObject({ kind: 'validation', level: 'full' });

    // Three board members, compliance, legal and the owner: not enough.
    for (const t of a.board.slice(0, 3)) expect((await decide(t, id, 'review-board')).status).toBe(200);
    expect((await decide(a.compliance, id, 'compliance')).status).toBe(200);
    expect((await decide(a.legal, id, 'legal')).status).toBe(200);
    const afterOwner = await decide(a.owner, id, 'business-owner', 'approve', 'business case holds');
    expect(afterOwner.body.status).toBe('in_review');
    expect(afterOwner.body.required.find((r: { role: string }) => r.role === 'review-board')).toMatchObject({
      approvals: 3,
      satisfied: false,
    });
    expect(await h.stage('credit-risk', '1.0.0')).toBe('staging');

    // The fourth board approval completes the approvals, but the full validation is still missing.
    const fourth = await decide(a.board[3]!, id, 'review-board');
    expect(fourth.body.status).toBe('approved');
    expect(await h.stage('credit-risk', '1.0.0')).toBe('staging');
    expect((await h.s.api('GET', '/api/v1/models/credit-risk')).body.championVersion).toBeNull();

    // A regression-level run does not satisfy a full requirement; a passing full run executes the change.
    const regression = await h.storeRun('credit-risk', '1.0.0', 'regression', true);
    const notEnough = await h.s.api('POST', `/api/v1/change-requests/${id}/evidence`, {
      token: dana,
      body: { validationRunId: regression },
    });
    expect(notEnough.body.status).toBe('approved');
    expect(notEnough.body.missingEvidence[0].message).toMatch(/only regression/);
    const full = await h.storeRun('credit-risk', '1.0.0', 'full', true);
    const done = await h.s.api('POST', `/api/v1/change-requests/${id}/evidence`, {
      token: dana,
      body: { validationRunId: full },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'executed', missingEvidence: [] });
    expect(await h.stage('credit-risk', '1.0.0')).toBe('production');
    const model = (await h.s.api('GET', '/api/v1/models/credit-risk')).body;
    expect(model.championVersion).toBe('1.0.0');
    expect(await h.auditCount('change_request.executed', `change_request:${id}`)).toBe(1);
    expect(await h.auditCount('model.promoted', 'model:credit-risk')).toBe(1);
    const queued = await h.s.ctx.db
      .selectFrom('webhook_deliveries')
      .select('event_type')
      .where('subject', '=', 'model:credit-risk@1.0.0')
      .execute();
    expect(queued).toEqual([]); // no subscriber: nothing queued, nothing blocked
  });

  it('promotes a tier-3 model with its two approvals only', async () => {
    await h.createModel('doc-classifier', 3);
    await h.createVersion('doc-classifier', '1.0.0');
    const dana = await h.as('dana', ['data-scientist']);
    const peer = await h.as('pete', ['data-scientist']);
    const eng = await h.as('eve', ['ml-engineer']);
    const moved = await transition(dana, 'doc-classifier', '1.0.0', { to: 'staging', reason: 'review' });
    expect((await decide(peer, moved.body.id, 'data-scientist')).body.status).toBe('executed');
    const run = await h.storeRun('doc-classifier', '1.0.0', 'full', true);
    const cr = await transition(dana, 'doc-classifier', '1.0.0', {
      to: 'production',
      reason: 'release',
      evidence: [run],
    });
    expect(cr.body.required.map((r: { role: string; count: number }) => [r.role, r.count])).toEqual([
      ['data-scientist', 1],
      ['ml-engineer', 1],
    ]);
    expect(cr.body.missingEvidence).toEqual([]);
    expect((await decide(peer, cr.body.id, 'data-scientist')).body.status).toBe('in_review');
    const executed = await decide(eng, cr.body.id, 'ml-engineer');
    expect(executed.body.status).toBe('executed');
    expect(executed.body.decisions.map((d: { principal: string }) => d.principal)).toEqual(['pete', 'eve']);
    expect(await h.stage('doc-classifier', '1.0.0')).toBe('production');
  });

  it('refuses what separation of duties and the state machine forbid, changing nothing', async () => {
    await h.createModel('fraud', 1);
    await h.createVersion('fraud', '1.0.0');
    await h.createVersion('fraud', '2.0.0');
    const dana = await h.as('dana', ['data-scientist', 'review-board']);
    const a = await tier1Approvers();
    const twoHats = await h.as('tess', ['review-board', 'legal']);

    const forbiddenMove = await transition(dana, 'fraud', '1.0.0', {
      to: 'production',
      reason: 'skip ahead',
    });
    expect(forbiddenMove.status).toBe(409);
    expect(forbiddenMove.body.error.code).toBe('invalid_transition');
    expect(forbiddenMove.body.error.details.allowed).toEqual([
      { from: 'development', to: 'staging' },
      { from: 'development', to: 'rejected' },
    ]);

    const fraudId = (await h.s.api('GET', '/api/v1/models/fraud')).body.id as string;
    // Both versions staged directly: this test is about the promotion request.
    await h.s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', fraudId)
      .execute();
    const otherVersionRun = await h.storeRun('fraud', '2.0.0', 'full', true);
    const wrongEvidence = await transition(dana, 'fraud', '1.0.0', {
      to: 'production',
      reason: 'release',
      evidence: [otherVersionRun],
    });
    expect(wrongEvidence.status).toBe(400);
    expect(wrongEvidence.body.error.field).toBe('evidence.0');
    expect(wrongEvidence.body.error.message).toMatch(/fraud@2\.0\.0/);
    const unknownEvidence = await transition(dana, 'fraud', '1.0.0', {
      to: 'production',
      reason: 'release',
      evidence: ['val_nope'],
    });
    expect(unknownEvidence.status).toBe(400);
    expect(
      await h.s.ctx.db.selectFrom('change_requests').select('id').where('model_name', '=', 'fraud').execute(),
    ).toEqual([]);

    const failed = await h.storeRun('fraud', '1.0.0', 'full', false);
    const cr = await transition(dana, 'fraud', '1.0.0', {
      to: 'production',
      reason: 'release',
      evidence: [failed],
    });
    expect(cr.status).toBe(201);
    const id = cr.body.id as string;
    expect(cr.body.missingEvidence[0].message).toMatch(/failed \(performance\.no-regression\)/);

    const self = await decide(dana, id, 'review-board');
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/opened this change request/);
    expect(await h.auditCount('change_request.decision_refused', `change_request:${id}`)).toBe(1);
    const notHeld = await decide(a.board[0]!, id, 'compliance');
    expect(notHeld.status).toBe(403);
    const adminAsCompliance = await decide(h.s.adminToken, id, 'compliance');
    expect(adminAsCompliance.status).toBe(403);
    const unknownRole = await decide(a.board[0]!, id, 'wizard');
    expect(unknownRole.status).toBe(400);
    expect(unknownRole.body.error.field).toBe('role');
    const notAsked = await decide(a.validator, id, 'validator');
    expect(notAsked.status).toBe(400);
    expect(notAsked.body.error.message).toMatch(/does not ask for role "validator"/);

    expect((await decide(twoHats, id, 'review-board')).status).toBe(200);
    const secondRole = await decide(twoHats, id, 'legal');
    expect(secondRole.status).toBe(409);
    expect(secondRole.body.error.message).toMatch(/one principal fills one role/);
    expect((await decide(a.board[0]!, id, 'review-board')).status).toBe(200);
    const twice = await decide(a.board[0]!, id, 'review-board');
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/already decided/);

    // Every approval in place, but the only evidence failed: approved, not executed.
    for (const t of a.board.slice(1, 3)) await decide(t, id, 'review-board');
    await decide(a.compliance, id, 'compliance');
    await decide(a.legal, id, 'legal');
    const allIn = await decide(a.owner, id, 'business-owner');
    expect(allIn.body.status).toBe('approved');
    expect(await h.stage('fraud', '1.0.0')).toBe('staging');
    // The board is 4 of 5: a fifth member still votes; a dissent leaves the passed vote standing.
    const dissent = await decide(a.board[4]!, id, 'review-board', 'reject', 'regression too large');
    expect(dissent.status).toBe(200);
    expect(dissent.body.status).toBe('approved');
    const sixth = await decide(a.board[3]!, id, 'review-board');
    expect(sixth.status).toBe(409);
    expect(sixth.body.error.message).toMatch(/cast all 5 of its vote/);
    // The requester withdraws the request; nothing more is accepted.
    const withdrawn = await h.s.api('POST', `/api/v1/change-requests/${id}/withdraw`, { token: dana });
    expect(withdrawn.body.status).toBe('withdrawn');
    const late = await decide(a.board[3]!, id, 'review-board');
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/is withdrawn/);
    expect((await h.s.api('POST', `/api/v1/change-requests/${id}/withdraw`, { token: dana })).status).toBe(
      409,
    );
    expect(await h.stage('fraud', '1.0.0')).toBe('staging');
    const otherCr = await transition(dana, 'fraud', '2.0.0', { to: 'rejected', reason: 'superseded' });
    expect(otherCr.body.status).toBe('executed'); // the policy asks nobody for staging → rejected
    expect(await h.stage('fraud', '2.0.0')).toBe('rejected');
  });

  it('splits a promotion into staging → approved and approved → production', async () => {
    await h.createModel('two-step', 3);
    await h.createVersion('two-step', '1.0.0');
    const twoStepId = (await h.s.api('GET', '/api/v1/models/two-step')).body.id as string;
    await h.s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', twoStepId)
      .execute();
    const dana = await h.as('dana', ['data-scientist']);
    const run = await h.storeRun('two-step', '1.0.0', 'full', true);
    const approve = await transition(dana, 'two-step', '1.0.0', {
      to: 'approved',
      reason: 'sign-off',
      evidence: [run],
    });
    expect(approve.body.required.map((r: { role: string }) => r.role)).toEqual([
      'data-scientist',
      'ml-engineer',
    ]);
    await decide(await h.as('pete', ['data-scientist']), approve.body.id, 'data-scientist');
    expect(
      (await decide(await h.as('eve', ['ml-engineer']), approve.body.id, 'ml-engineer')).body.status,
    ).toBe('executed');
    expect(await h.stage('two-step', '1.0.0')).toBe('approved');
    expect((await h.s.api('GET', '/api/v1/models/two-step')).body.championVersion).toBeNull();

    // The roll-out leg needs no approval in the default policy, but still the evidence.
    const noEvidence = await transition(dana, 'two-step', '1.0.0', { to: 'production', reason: 'roll out' });
    expect(noEvidence.body).toMatchObject({ status: 'approved', required: [] });
    expect(await h.stage('two-step', '1.0.0')).toBe('approved');
    const withEvidence = await h.s.api('POST', `/api/v1/change-requests/${noEvidence.body.id}/evidence`, {
      token: dana,
      body: { validationRunId: run },
    });
    expect(withEvidence.body.status).toBe('executed');
    expect(await h.stage('two-step', '1.0.0')).toBe('production');
    expect((await h.s.api('GET', '/api/v1/models/two-step')).body.championVersion).toBe('1.0.0');
  });

  it('closes a request on a rejection', async () => {
    await h.createModel('churn', 3);
    await h.createVersion('churn', '1.0.0');
    const dana = await h.as('dana', ['data-scientist']);
    const peer = await h.as('pete', ['data-scientist']);
    const cr = await transition(dana, 'churn', '1.0.0', { to: 'staging', reason: 'try' });
    const rejected = await decide(peer, cr.body.id, 'data-scientist', 'reject', 'lineage incomplete');
    expect(rejected.body.status).toBe('rejected');
    expect(rejected.body.decisions[0]).toMatchObject({ decision: 'reject', comment: 'lineage incomplete' });
    expect((await decide(await h.as('eve', ['ml-engineer']), cr.body.id, 'ml-engineer')).status).toBe(409);
    expect(await h.stage('churn', '1.0.0')).toBe('development');
    const queue = await h.s.api('GET', '/api/v1/change-requests?status=rejected&model=churn');
    expect(queue.body.items.map((r: { id: string }) => r.id)).toEqual([cr.body.id]);

    const again = await transition(dana, 'churn', '1.0.0', { to: 'staging', reason: 'fixed lineage' });
    const byOther = await h.s.api('POST', `/api/v1/change-requests/${again.body.id}/withdraw`, {
      token: peer,
    });
    expect(byOther.status).toBe(403);
    const withdrawn = await h.s.api('POST', `/api/v1/change-requests/${again.body.id}/withdraw`, {
      token: dana,
    });
    expect(withdrawn.body.status).toBe('withdrawn');
    const closed = await decide(peer, again.body.id, 'data-scientist');
    expect(closed.status).toBe(409);
    expect(closed.body.error.message).toMatch(/is withdrawn/);
  });

  it('executes at once when the policy asks for no approval, and previews without storing', async () => {
    await h.createModel('sandbox', 4);
    await h.createVersion('sandbox', '0.1.0');
    const dana = await h.as('dana', ['data-scientist']);
    const before = (await h.s.ctx.db.selectFrom('change_requests').select('id').execute()).length;
    const preview = await h.s.api(
      'GET',
      '/api/v1/models/sandbox/versions/0.1.0/transitions/preview?to=production',
      {
        token: dana,
      },
    );
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ allowed: false, from: 'development', to: 'production' });
    expect(preview.body.allowedMoves).toEqual(['development → staging', 'development → rejected']);
    const toStaging = await h.s.api(
      'GET',
      '/api/v1/models/sandbox/versions/0.1.0/transitions/preview?to=staging',
      {
        token: dana,
      },
    );
    expect(toStaging.body).toMatchObject({ allowed: true, blockers: [], required: [], missingEvidence: [] });
    expect((await h.s.ctx.db.selectFrom('change_requests').select('id').execute()).length).toBe(before);

    const cr = await transition(dana, 'sandbox', '0.1.0', { to: 'staging', reason: 'experiment' });
    expect(cr.status).toBe(201);
    expect(cr.body.status).toBe('executed');
    expect(await h.stage('sandbox', '0.1.0')).toBe('staging');
    const promotePreview = await h.s.api(
      'GET',
      '/api/v1/models/sandbox/versions/0.1.0/transitions/preview?to=production',
      { token: dana },
    );
    expect(promotePreview.body).toMatchObject({
      allowed: true,
      requiredValidationLevel: 'smoke',
      bump: 'initial',
      champion: null,
    });
    expect(promotePreview.body.required).toEqual([
      { role: 'data-scientist', count: 1, approvals: 0, approvedBy: [], satisfied: false },
    ]);
    expect(promotePreview.body.openRequest).toBeNull();
    expect(promotePreview.body.missingEvidence[0].level).toBe('smoke');
  });

  it('previews a move already requested as what that request still lacks', async () => {
    await h.createModel('triage', 3);
    await h.createVersion('triage', '1.0.0');
    const dana = await h.as('dana', ['data-scientist']);
    const peer = await h.as('pete', ['data-scientist']);
    const eve = await h.as('eve', ['ml-engineer']);
    const staged = await transition(dana, 'triage', '1.0.0', { to: 'staging', reason: 'review' });
    expect((await decide(peer, staged.body.id, 'data-scientist')).body.status).toBe('executed');
    const failed = await h.storeRun('triage', '1.0.0', 'full', false);
    const cr = await transition(dana, 'triage', '1.0.0', {
      to: 'production',
      reason: 'first release',
      evidence: [failed],
    });
    expect((await decide(peer, cr.body.id, 'data-scientist')).body.status).toBe('in_review');
    const preview = async (query: string) =>
      h.s.api('GET', `/api/v1/models/triage/versions/1.0.0/transitions/preview?${query}`, { token: dana });

    const same = await preview('to=production');
    expect(same.status).toBe(200);
    expect(same.body.blockers).toEqual([]);
    expect(same.body.openRequest).toEqual({ id: cr.body.id, status: 'in_review' });
    expect(same.body.required).toEqual([
      { role: 'data-scientist', count: 1, approvals: 1, approvedBy: ['pete'], satisfied: true },
      { role: 'ml-engineer', count: 1, approvals: 0, approvedBy: [], satisfied: false },
    ]);
    expect(same.body.missingEvidence).toHaveLength(1);
    expect(same.body.missingEvidence[0].offered).toEqual([
      { id: failed, level: 'full', passed: false, failedChecks: ['performance.no-regression'] },
    ]);
    // A passing run offered in the query counts together with the request's own evidence.
    const passing = await h.storeRun('triage', '1.0.0', 'full', true);
    expect((await preview(`to=production&evidence=${passing}`)).body.missingEvidence).toEqual([]);

    // Another move of the same version is blocked by the open request, named with what it asks.
    const other = await preview('to=rejected');
    expect(other.body.openRequest).toBeNull();
    expect(other.body.blockers).toEqual([
      `open change request ${cr.body.id} (transition to production) must be decided or withdrawn first`,
    ]);
    expect((await decide(eve, cr.body.id, 'ml-engineer')).body.status).toBe('approved');
    expect((await preview('to=production')).body.openRequest).toEqual({ id: cr.body.id, status: 'approved' });
  });

  it('lists the approval queue with paging and refuses an open duplicate', async () => {
    await h.createModel('pager', 3);
    for (const v of ['1.0.0', '1.0.1', '1.0.2']) await h.createVersion('pager', v);
    const dana = await h.as('dana', ['data-scientist']);
    const ids: string[] = [];
    for (const v of ['1.0.0', '1.0.1', '1.0.2'])
      ids.push((await transition(dana, 'pager', v, { to: 'staging', reason: 'batch' })).body.id);
    const dup = await transition(dana, 'pager', '1.0.0', { to: 'staging', reason: 'again' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toContain(ids[0]);
    const first = await h.s.api('GET', '/api/v1/change-requests?model=pager&status=requested&limit=2');
    expect(first.body.items.map((r: { id: string }) => r.id)).toEqual(ids.slice(0, 2));
    const second = await h.s.api(
      `GET`,
      `/api/v1/change-requests?model=pager&status=requested&limit=2&pageToken=${first.body.nextPageToken}`,
    );
    expect(second.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2]]);
    expect(second.body.nextPageToken).toBeUndefined();
    expect((await h.s.api('GET', '/api/v1/change-requests/cr_missing')).status).toBe(404);
  });

  it('expires a request left open past 30 days', async () => {
    await h.createModel('stale', 3);
    await h.createVersion('stale', '1.0.0');
    const dana = await h.as('dana', ['data-scientist']);
    const cr = await transition(dana, 'stale', '1.0.0', { to: 'staging', reason: 'forgotten' });
    const saved = h.clock.now;
    try {
      h.clock.now = new Date(saved.getTime() + 31 * 86_400_000);
      const late = await decide(await h.as('pete', ['data-scientist']), cr.body.id, 'data-scientist');
      expect(late.status).toBe(409);
      expect(late.body.error.message).toMatch(/expired/);
      const { expireChangeRequests } = await import('./change-request.service.js');
      expect(await expireChangeRequests(h.s.ctx)).toBeGreaterThanOrEqual(1);
      expect((await h.s.api('GET', `/api/v1/change-requests/${cr.body.id}`)).body.status).toBe('expired');
    } finally {
      h.clock.now = saved;
    }
  });
});

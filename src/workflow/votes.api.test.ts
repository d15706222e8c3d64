import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { versionBody } from '../../test/support/server.js';
import { startWorkflowHarness, type WorkflowHarness } from './workflow.test-helper.js';

describeEachBackend('votes, minutes and separation of duties', (backend) => {
  let h: WorkflowHarness;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
  });
  afterAll(() => h.s.close());

  const decide = async (token: string, id: string, role: string, decision = 'approve', comment?: string) =>
    h.s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
      token,
      body: { decision, role, ...(comment ? { comment } : {}) },
    });

  /** A tier-1 model with version 1.0.0 in staging and a promotion request carrying a passing full run. */
  async function tier1Promotion(model: string) {
    await h.createModel(model, 1);
    await h.createVersion(model, '1.0.0');
    const id = (await h.s.api('GET', `/api/v1/models/${model}`)).body.id as string;
    await h.s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', id)
      .execute();
    const run = await h.storeRun(model, '1.0.0', 'full', true);
    const dana = await h.as('dana', ['data-scientist']);
    const cr = await h.s.api('POST', `/api/v1/models/${model}/versions/1.0.0/transitions`, {
      token: dana,
      body: { to: 'production', reason: 'quarterly release', evidence: [run] },
    });
    expect(cr.status).toBe(201);
    return cr.body.id as string;
  }
  const boardTokens = async () =>
    Promise.all(['bea', 'bram', 'bo', 'bianca', 'bert'].map((p) => h.as(p, ['review-board'])));

  // Finding 4: one board rejection after four approvals used to kill the request.
  it('passes a 4-of-5 board vote with one dissent, and keeps the dissent in the minutes', async () => {
    const id = await tier1Promotion('vote-pass');
    const board = await boardTokens();
    for (const t of board.slice(0, 4))
      expect((await decide(t, id, 'review-board', 'approve', 'sound')).status).toBe(200);
    const dissent = await decide(board[4]!, id, 'review-board', 'reject', 'segment 3 regresses | 1.2 pts');
    expect(dissent.status).toBe(200);
    expect(dissent.body.status).toBe('in_review');
    await decide(await h.as('cora', ['compliance']), id, 'compliance');
    await decide(await h.as('lee', ['legal']), id, 'legal');
    const done = await decide(await h.as('otto', ['business-owner']), id, 'business-owner', 'approve', 'go');
    expect(done.body.status).toBe('executed');
    expect(await h.stage('vote-pass', '1.0.0')).toBe('production');

    const minutes = await h.s.api('GET', `/api/v1/change-requests/${id}/minutes`);
    expect(minutes.status).toBe(200);
    expect(minutes.body.outcome).toBe('executed');
    expect(minutes.body.policyVersion).toBe(done.body.policyVersion);
    expect(minutes.body.votes).toHaveLength(8);
    expect(minutes.body.votes[0]).toMatchObject({
      principal: 'bea',
      role: 'review-board',
      decision: 'approve',
      comment: 'sound',
    });
    expect(minutes.body.votes.every((v: { at: string }) => typeof v.at === 'string')).toBe(true);
    expect(minutes.body.dissent).toEqual([
      {
        principal: 'bert',
        role: 'review-board',
        decision: 'reject',
        comment: 'segment 3 regresses | 1.2 pts',
        at: minutes.body.votes[4].at,
      },
    ]);
    expect(minutes.body.tally.find((t: { role: string }) => t.role === 'review-board')).toEqual({
      role: 'review-board',
      count: 4,
      of: 5,
      veto: false,
      approvals: 4,
      rejections: 1,
      result: 'passed',
    });

    const md = await fetch(`${h.s.url}/api/v1/change-requests/${id}/minutes`, {
      headers: { authorization: `Bearer ${h.s.adminToken}`, accept: 'text/markdown' },
    });
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    const text = await md.text();
    expect(text).toMatch(/^# Minutes of change request /);
    expect(text).toContain('Outcome: **executed**');
    expect(text).toContain('| review-board | 4 | 5 | no | 4 | 1 | passed |');
    expect(text).toContain('bert (review-board) voted to reject');
    expect(text).toContain('segment 3 regresses \\| 1.2 pts');
  });

  it('fails the board vote only when four approvals can no longer be reached, and on a veto', async () => {
    const id = await tier1Promotion('vote-fail');
    const board = await boardTokens();
    await decide(board[0]!, id, 'review-board', 'reject', 'not ready');
    expect((await h.s.api('GET', `/api/v1/change-requests/${id}`)).body.status).toBe('in_review');
    await decide(board[1]!, id, 'review-board', 'approve');
    const second = await decide(board[2]!, id, 'review-board', 'reject', 'agree: not ready');
    expect(second.body.status).toBe('rejected');
    const minutes = (await h.s.api('GET', `/api/v1/change-requests/${id}/minutes`)).body;
    expect(minutes.outcome).toBe('rejected');
    expect(minutes.dissent.map((v: { principal: string }) => v.principal)).toEqual(['bram']);

    const vetoed = await tier1Promotion('vote-veto');
    for (const t of board.slice(0, 4)) await decide(t, vetoed, 'review-board');
    const veto = await decide(
      await h.as('lee', ['legal']),
      vetoed,
      'legal',
      'reject',
      'consent basis unclear',
    );
    expect(veto.body.status).toBe('rejected');
    expect(await h.stage('vote-veto', '1.0.0')).toBe('staging');
  });

  // Finding 3: the version's author approved its promotion as a peer when a colleague filed it.
  it('refuses an approval from who created the version, uploaded its artifact or filed its evidence', async () => {
    await h.createModel('authored', 3);
    const dana = await h.as('dana', ['data-scientist']);
    const created = await h.s.api('POST', '/api/v1/models/authored/versions', {
      token: dana,
      body: versionBody('1.0.0'),
    });
    expect(created.status).toBe(201);
    const mo = await h.as('mo', ['mlops', 'ml-engineer']);
    const upload = await fetch(`${h.s.url}/api/v1/models/authored/versions/1.0.0/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${mo}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(upload.status).toBeLessThan(300);
    const modelId = (await h.s.api('GET', '/api/v1/models/authored')).body.id as string;
    await h.s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', modelId)
      .execute();
    const run = await h.storeRun('authored', '1.0.0', 'full', true); // filed by valerie
    const pete = await h.as('pete', ['data-scientist']);
    const cr = await h.s.api('POST', '/api/v1/models/authored/versions/1.0.0/transitions', {
      token: pete,
      body: { to: 'production', reason: 'release', evidence: [run] },
    });
    expect(cr.status).toBe(201);
    const id = cr.body.id as string;
    const refusedBefore = await h.auditCount('change_request.decision_refused', `change_request:${id}`);

    const author = await decide(dana, id, 'data-scientist');
    expect(author.status).toBe(403);
    expect(author.body.error.message).toMatch(
      /separation of duties \(authorship\): dana created authored@1\.0\.0/,
    );
    expect(author.body.error.message).toMatch(/someone who did not create the version/);
    const uploader = await decide(mo, id, 'ml-engineer');
    expect(uploader.status).toBe(403);
    expect(uploader.body.error.message).toMatch(/mo uploaded the artifact of authored@1\.0\.0/);
    const filer = await decide(await h.as('valerie', ['data-scientist']), id, 'data-scientist');
    expect(filer.status).toBe(403);
    expect(filer.body.error.message).toMatch(new RegExp(`valerie filed validation run ${run}`));

    const after = (await h.s.api('GET', `/api/v1/change-requests/${id}`)).body;
    expect(after.status).toBe('requested');
    expect(after.decisions).toEqual([]);
    expect(await h.auditCount('change_request.decision_refused', `change_request:${id}`)).toBe(
      refusedBefore + 3,
    );

    // Colleagues who authored nothing may approve.
    expect((await decide(await h.as('paula', ['data-scientist']), id, 'data-scientist')).status).toBe(200);
    expect((await decide(await h.as('eve', ['ml-engineer']), id, 'ml-engineer')).body.status).toBe(
      'executed',
    );
  });
});

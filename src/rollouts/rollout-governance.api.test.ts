import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { DEFAULT_POLICY, savePolicyVersion } from '../policy/index.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { championAndApprovedCandidate } from './rollout.test-helper.js';

const TOXICITY = { name: 'toxicity', signal: 'signals.toxicity', aggregate: 'rate', maxValue: 0.02 } as const;

/**
 * Tier 3 of the default policy (errorRate 0.5 %, accuracy drop 0.5 %, canary 10 → 25 → 50 → 100,
 * 30-minute steps), with a toxicity rate limit of 0.02 and 200 samples per variant stated in its
 * rollout analysis.
 */
describeEachBackend('rollouts looser than the tier’s policy are governed', (backend) => {
  let h: WorkflowHarness;
  let mlops: string;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    mlops = await h.as('mo', ['mlops']);
    const doc = structuredClone(DEFAULT_POLICY);
    doc.tiers['3'].rollout.analysis = { minSamplesPerVariant: 200, custom: [TOXICITY] };
    const ctx = h.s.ctx;
    await ctx.db.transaction().execute((trx) =>
      savePolicyVersion(trx, ctx.audit, doc, {
        actor: 'alice',
        requestId: null,
        reason: 'toxicity judged in tier-3 rollouts',
        now: ctx.now(),
      }),
    );
  });
  afterAll(() => h.s.close());

  const start = (model: string, body: Record<string, unknown>) =>
    h.s.api('POST', `/api/v1/models/${model}/rollouts`, { token: mlops, body });
  const decide = (token: string, id: string, role: string) =>
    h.s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
      token,
      body: { decision: 'approve', role },
    });
  const auditOf = async (action: string, subject: string) =>
    (
      await h.s.ctx.db
        .selectFrom('audit_log')
        .select(['actor', 'change'])
        .where('action', '=', action)
        .where('subject', '=', subject)
        .execute()
    ).map((r) => ({ actor: r.actor, change: JSON.parse(r.change) }));
  const rolloutCount = async (model: string) =>
    (await h.s.ctx.db.selectFrom('rollouts').select('id').where('model_name', '=', model).execute()).length;

  it('holds a looser errorRate in a governance change request; the approvals start it as asked', async () => {
    await championAndApprovedCandidate(h, 'gov-loose');
    const asked = await start('gov-loose', {
      candidate: '1.1.0',
      strategy: 'canary',
      analysis: { thresholds: { errorRate: 0.02 } },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body).toMatchObject({
      kind: 'governance_change',
      model: 'gov-loose',
      version: '1.1.0',
      status: 'requested',
      payload: {
        fact: 'rollout',
        candidate: '1.1.0',
        strategy: 'canary',
        fields: [
          {
            field: 'analysis.thresholds.errorRate',
            requested: 0.02,
            policy: 0.005, // tier 3: rollbackErrorRatePct 0.5
            policyPath: 'tiers.3.rollout.rollbackErrorRatePct',
          },
        ],
      },
    });
    expect(asked.body.reason).toMatch(
      /analysis\.thresholds\.errorRate 0\.02 is higher than the tier's 0\.005/,
    );
    // Tier 3's governance changes: its promotion approvals (peer data scientist, ML engineer) plus compliance.
    expect(
      Object.fromEntries(asked.body.required.map((r: { role: string; count: number }) => [r.role, r.count])),
    ).toEqual({ 'data-scientist': 1, 'ml-engineer': 1, compliance: 1 });
    // Not started: no rollout, the route still answers the champion.
    expect(await rolloutCount('gov-loose')).toBe(0);
    expect((await h.s.api('GET', '/api/v1/models/gov-loose/route?key=k')).body).toMatchObject({
      version: '1.0.0',
      variant: 'champion',
    });
    const held = await auditOf('rollout.held_for_approval', 'model:gov-loose');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      actor: 'mo',
      change: {
        candidate: '1.1.0',
        governanceChangeRequestId: asked.body.id,
        loosened: [{ field: 'analysis.thresholds.errorRate', requested: 0.02, policy: 0.005 }],
      },
    });
    // While it is held, no other rollout of the model starts, even a strict one.
    const other = await start('gov-loose', { candidate: '1.1.0', strategy: 'canary' });
    expect([other.status, other.body.error.details?.changeRequestId]).toEqual([409, asked.body.id]);
    expect(other.body.error.message).toMatch(/held for approval/);

    // The requester cannot approve it; the approvals named start the rollout with the plan held.
    const cr = asked.body.id as string;
    expect((await decide(await h.as('mo', ['mlops', 'compliance']), cr, 'compliance')).status).toBe(403);
    await decide(await h.as('gina', ['data-scientist']), cr, 'data-scientist');
    await decide(await h.as('gus', ['ml-engineer']), cr, 'ml-engineer');
    expect(await rolloutCount('gov-loose')).toBe(0);
    const done = await decide(await h.as('cleo', ['compliance']), cr, 'compliance');
    expect(done.body.status, JSON.stringify(done.body)).toBe('executed');
    const current = (await h.s.api('GET', '/api/v1/models/gov-loose/rollouts/current')).body;
    expect(current).toMatchObject({
      status: 'progressing',
      candidate: '1.1.0',
      champion: '1.0.0',
      steps: [10, 25, 50, 100],
      weights: { champion: 90, candidate: 10 },
      createdBy: 'mo',
    });
    expect(current.plan.analysis.thresholds.errorRate).toBe(0.02);
    expect(current.plan.analysis.sources['thresholds.errorRate']).toBe('request');
    const started = await auditOf('rollout.started', `rollout:${current.id}`);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      actor: 'cleo',
      change: {
        governanceChangeRequestId: cr,
        loosened: [{ field: 'analysis.thresholds.errorRate', requested: 0.02, policy: 0.005 }],
      },
    });
  });

  it('starts a stricter request at once, audited with nothing loosened', async () => {
    await championAndApprovedCandidate(h, 'gov-strict');
    const started = await start('gov-strict', {
      candidate: '1.1.0',
      strategy: 'canary',
      steps: [5, 10, 25, 50, 100],
      analysis: {
        stepSeconds: 3600,
        minSamplesPerVariant: 500,
        failureLimit: 0,
        thresholds: { errorRate: 0.001, accuracyDrop: 0.002 },
        custom: [{ ...TOXICITY, maxValue: 0.01 }],
      },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ status: 'progressing', weights: { champion: 95, candidate: 5 } });
    const audit = await auditOf('rollout.started', `rollout:${started.body.id}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.change.loosened).toEqual([]);
    expect(audit[0]!.change.governanceChangeRequestId).toBeUndefined();
    expect(await h.auditCount('rollout.held_for_approval', 'model:gov-strict')).toBe(0);
  });

  it('starts a request equal to the policy at once', async () => {
    await championAndApprovedCandidate(h, 'gov-equal');
    const started = await start('gov-equal', {
      candidate: '1.1.0',
      strategy: 'canary',
      steps: [10, 25, 50, 100],
      analysis: {
        stepSeconds: 1800,
        minSamplesPerVariant: 200,
        thresholds: { errorRate: 0.005, accuracyDrop: 0.005 },
        custom: [TOXICITY],
      },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const audit = await auditOf('rollout.started', `rollout:${started.body.id}`);
    expect(audit[0]!.change.loosened).toEqual([]);
  });

  it('catches a loosened custom metric and every other loosened field, naming each policy value', async () => {
    await championAndApprovedCandidate(h, 'gov-many');
    const asked = await start('gov-many', {
      candidate: '1.1.0',
      strategy: 'canary',
      steps: [10, 100],
      analysis: {
        stepSeconds: 60,
        minSamplesPerVariant: 50,
        failureLimit: 2,
        thresholds: { accuracyDrop: 0.01 },
        custom: [{ ...TOXICITY, maxValue: 0.05 }],
      },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    const byField = Object.fromEntries(
      asked.body.payload.fields.map((f: any) => [f.field, [f.requested, f.policy]]),
    );
    expect(byField).toEqual({
      'analysis.thresholds.accuracyDrop': [0.01, 0.005],
      'analysis.minSamplesPerVariant': [50, 200],
      'analysis.stepSeconds': [60, 1800], // tier 3: minStepMinutes 30
      'analysis.failureLimit': [2, 0],
      'analysis.custom.toxicity.maxValue': [0.05, 0.02],
      // failureLimit 2 applies to the toxicity metric too (the tier's: 0)
      'analysis.custom.toxicity.failureLimit': [2, 0],
      steps: [
        [10, 100],
        [10, 25, 50, 100],
      ],
    });
    expect(await rolloutCount('gov-many')).toBe(0);
    const held = await auditOf('rollout.held_for_approval', 'model:gov-many');
    expect(held[0]!.change.loosened.map((l: any) => l.field).sort()).toEqual(Object.keys(byField).sort());
    // Withdrawn, the model is free for a rollout within the policy.
    const withdrawn = await h.s.api('POST', `/api/v1/change-requests/${asked.body.id}/withdraw`, {
      token: mlops,
      body: { reason: 'within the policy instead' },
    });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    expect((await start('gov-many', { candidate: '1.1.0', strategy: 'canary' })).status).toBe(201);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { DEFAULT_POLICY, savePolicyVersion, type PolicyDocument } from '../policy/index.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { runDueRollouts } from './rollout.task.js';
import {
  advance,
  championAndApprovedCandidate,
  ingest,
  rolloutOf,
  startWithApprovals,
  traffic,
} from './rollout.test-helper.js';

const TOXICITY = { name: 'toxicity', signal: 'signals.toxicity', aggregate: 'rate', maxValue: 0.02 } as const;

/** The default policy with analysis defaults for tier 1's rollouts, a toxicity rate among them. */
function policyWithToxicity(maxValue: number): PolicyDocument {
  const doc = structuredClone(DEFAULT_POLICY);
  doc.tiers['1'].rollout.analysis = {
    intervalSeconds: 10,
    minSamplesPerVariant: 100,
    maxWaitSeconds: 7200,
    thresholds: { predictionPsi: 0.5 },
    custom: [{ ...TOXICITY, maxValue }],
  };
  return doc;
}

describeEachBackend('rollout analysis from the tier’s policy', (backend) => {
  let h: WorkflowHarness;
  let mlops: string;
  let policyVersion: number;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    mlops = await h.as('mo', ['mlops']);
    const ctx = h.s.ctx;
    policyVersion = (
      await ctx.db.transaction().execute((trx) =>
        savePolicyVersion(trx, ctx.audit, policyWithToxicity(0.02), {
          actor: 'alice',
          requestId: null,
          reason: 'toxicity judged in every tier-1 rollout',
          now: ctx.now(),
        }),
      )
    ).version;
  });
  afterAll(() => h.s.close());

  const metric = (r: any, name: string) => r.analysis.find((m: any) => m.metric === name);

  /** A tier-1 model with a champion and an approved candidate. */
  async function tierOneModel(model: string): Promise<void> {
    await championAndApprovedCandidate(h, model);
    // Set up directly: the tier-1 approval chain is not what is tested here, the rollout's policy is.
    await h.s.ctx.db.updateTable('models').set({ risk_tier: 1 }).where('name', '=', model).execute();
  }

  /** Champion: 400 records, 4 flagged toxic (0.01). Candidate: 200 records, 10 flagged (0.05). */
  async function toxicTraffic(model: string): Promise<void> {
    await ingest(
      h,
      model,
      '1.0.0',
      traffic(`${model}-c`, 400).map((r, i) => ({ ...r, signals: { toxicity: i % 100 === 0 } })),
    );
    await ingest(
      h,
      model,
      '1.1.0',
      traffic(`${model}-k`, 200).map((r, i) => ({
        ...r,
        score: i / 200,
        signals: { toxicity: i % 20 === 0 },
      })),
    );
  }

  it('judges a rollout that names no custom metric on the tier’s, and aborts on its breach', async () => {
    await tierOneModel('tox-policy');
    const started = await h.s.api('POST', '/api/v1/models/tox-policy/rollouts', {
      token: mlops,
      body: { candidate: '1.1.0', strategy: 'canary' },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const { analysis, policyVersion: usedVersion } = started.body.plan;
    expect(usedVersion).toBe(policyVersion);
    expect(analysis).toMatchObject({
      intervalSeconds: 10,
      minSamplesPerVariant: 100,
      maxWaitSeconds: 7200,
      stepSeconds: 3600, // tier 1: minStepMinutes 60
      alpha: 0.01,
      failureLimit: 0,
      thresholds: { errorRate: 0.005, accuracyDrop: 0.005, predictionPsi: 0.5, shadowAgreement: 0.95 },
      custom: [TOXICITY],
    });
    expect(analysis.sources).toMatchObject({
      intervalSeconds: 'policy',
      minSamplesPerVariant: 'policy',
      maxWaitSeconds: 'policy',
      stepSeconds: 'policy',
      alpha: 'default',
      'thresholds.errorRate': 'policy',
      'thresholds.predictionPsi': 'policy',
      'thresholds.shadowAgreement': 'default',
      'custom.toxicity': 'policy',
    });
    const id = started.body.id as string;
    advance(h, 5);
    await toxicTraffic('tox-policy');
    advance(h, 6);
    await runDueRollouts(h.s.ctx);
    const r = await rolloutOf(h, 'tox-policy', id);
    // By hand: candidate 10/200 = 0.05 against the limit 0.02; z = 0.03 / sqrt(0.02·0.98/200) = 3.0305,
    // one-sided p = 0.0012209 (scipy.stats.norm.sf) < α 0.01: it fails at once.
    expect(metric(r, 'custom:toxicity')).toMatchObject({
      counts: { champion: 400, candidate: 200 },
      value: { champion: 0.01, candidate: 0.05 },
      threshold: 0.02,
      verdict: 'fail',
    });
    expect(metric(r, 'custom:toxicity').pValue).toBeCloseTo(0.0012209172, 6);
    expect(r).toMatchObject({ status: 'aborted', weights: { champion: 100, candidate: 0 } });
    expect(r.reason).toMatch(/custom:toxicity 0\.05 > 0\.02/);
    expect(await h.auditCount('rollout.aborted', `rollout:${id}`)).toBe(1);
  });

  it('lets a rollout replace the tier’s metric of the same name and add its own', async () => {
    await tierOneModel('tox-override');
    // Raising the tier's toxicity limit (0.02 → 0.1) is a loosening: the rollout starts once approved.
    const started = await startWithApprovals(
      h,
      'tox-override',
      {
        candidate: '1.1.0',
        strategy: 'canary',
        analysis: {
          intervalSeconds: 5,
          custom: [
            { name: 'score_mean', signal: 'score', aggregate: 'mean', maxValue: 0.9 },
            { ...TOXICITY, maxValue: 0.1 },
          ],
        },
      },
      mlops,
    );
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const held = (await h.s.api('GET', `/api/v1/change-requests/${started.changeRequestId}`)).body;
    expect(held).toMatchObject({ kind: 'governance_change', status: 'executed' });
    // Only the raised limit: the shorter interval is stricter, score_mean is the rollout's own.
    expect(held.payload.fields).toEqual([
      {
        field: 'analysis.custom.toxicity.maxValue',
        requested: 0.1,
        policy: 0.02,
        policyPath: 'tiers.1.rollout.analysis.custom.toxicity.maxValue',
      },
    ]);
    const { analysis } = started.body.plan;
    // The tier's order, the rollout's value; then the rollout's own metric.
    expect(analysis.custom).toEqual([
      { ...TOXICITY, maxValue: 0.1 },
      { name: 'score_mean', signal: 'score', aggregate: 'mean', maxValue: 0.9 },
    ]);
    expect(analysis.sources).toMatchObject({
      intervalSeconds: 'request',
      minSamplesPerVariant: 'policy',
      'custom.toxicity': 'request',
      'custom.score_mean': 'request',
    });
    const id = started.body.id as string;
    advance(h, 2);
    await toxicTraffic('tox-override');
    advance(h, 4);
    await runDueRollouts(h.s.ctx);
    const r = await rolloutOf(h, 'tox-override', id);
    expect(metric(r, 'custom:toxicity')).toMatchObject({
      value: { champion: 0.01, candidate: 0.05 },
      threshold: 0.1,
      verdict: 'pass',
    });
    // Mean of i/200 for i < 200: 199/400 = 0.4975.
    expect(metric(r, 'custom:score_mean')).toMatchObject({ verdict: 'pass', threshold: 0.9 });
    expect(metric(r, 'custom:score_mean').value.candidate).toBeCloseTo(0.4975, 9);
    expect(r).toMatchObject({ status: 'progressing', step: 0 });
  });

  it('refuses a policy whose rollout analysis is wrong, naming the path, and saves nothing', async () => {
    const cases: Array<[(doc: any) => void, string]> = [
      [(d) => (d.tiers['1'].rollout.analysis.custom[0].aggregate = 'median'), 'custom[0].aggregate'],
      [(d) => (d.tiers['1'].rollout.analysis.custom[0].aggregate = 'mean'), 'custom[0].aggregate'],
      [(d) => (d.tiers['1'].rollout.analysis.custom[0].signal = 'tokens'), 'custom[0].signal'],
      [(d) => delete d.tiers['1'].rollout.analysis.custom[0].maxValue, 'custom[0].maxValue'],
      [(d) => (d.tiers['1'].rollout.analysis.custom[0].name = 'Toxicity!'), 'custom[0].name'],
      [(d) => d.tiers['1'].rollout.analysis.custom.push({ ...TOXICITY }), 'custom[1].name'],
      [(d) => (d.tiers['1'].rollout.analysis.thresholds.predictionPsi = -1), 'thresholds.predictionPsi'],
      [(d) => (d.tiers['1'].rollout.analysis.minSamplesPerVariant = 0), 'minSamplesPerVariant'],
      [(d) => (d.tiers['1'].rollout.analysis.inconclusive = 3), ''],
    ];
    const before = (await h.s.api('GET', '/api/v1/policy')).body.version;
    for (const [spoil, at] of cases) {
      const doc: any = policyWithToxicity(0.02);
      spoil(doc);
      const path = `tiers.1.rollout.analysis${at ? `.${at}` : ''}`;
      const validated = await h.s.api('POST', '/api/v1/policy/validate', { body: { document: doc } });
      expect([validated.status, validated.body.error?.field], path).toEqual([400, path]);
      expect(validated.body.error.message.startsWith(`${path}: `), validated.body.error.message).toBe(true);
      const proposed = await h.s.api('POST', '/api/v1/policy/proposals', {
        body: { document: doc, reason: 'spoilt' },
      });
      expect([proposed.status, proposed.body.error?.field], path).toEqual([400, path]);
    }
    expect((await h.s.api('GET', '/api/v1/policy')).body.version).toBe(before);
    const opened = await h.s.ctx.db
      .selectFrom('change_requests')
      .select('id')
      .where('kind', '=', 'policy')
      .execute();
    expect(opened).toEqual([]);
  });

  it('loosens a tier’s rollout limit only through an approved policy change', async () => {
    const proposed = await h.s.api('POST', '/api/v1/policy/proposals', {
      body: { document: policyWithToxicity(0.2), reason: 'tier 1 toxicity limit 0.2' },
    });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    expect(proposed.body).toMatchObject({ kind: 'policy', status: 'requested' });
    const id = proposed.body.id as string;
    // While it waits, rollouts still get the policy in force.
    await tierOneModel('tox-pending');
    const pending = await h.s.api('POST', '/api/v1/models/tox-pending/rollouts', {
      token: mlops,
      body: { candidate: '1.1.0', strategy: 'canary' },
    });
    expect(pending.body.plan.analysis.custom).toEqual([TOXICITY]);
    expect(pending.body.plan.policyVersion).toBe(policyVersion);
    const decide = async (token: string, role: string) =>
      h.s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
        token,
        body: { decision: 'approve', role },
      });
    expect((await decide(await h.as('ada', ['admin']), 'admin')).body.status).toBe('in_review');
    expect((await h.s.api('GET', '/api/v1/policy')).body.version).toBe(policyVersion);
    expect((await decide(await h.as('cora', ['compliance']), 'compliance')).body.status).toBe('executed');
    const after = (await h.s.api('GET', '/api/v1/policy')).body;
    expect(after.version).toBe(policyVersion + 1);
    expect(after.document.tiers['1'].rollout.analysis.custom).toEqual([{ ...TOXICITY, maxValue: 0.2 }]);
    expect(await h.auditCount('policy.version_saved', `policy:${policyVersion + 1}`)).toBe(1);
    // A rollout started already keeps the plan it started with.
    expect((await rolloutOf(h, 'tox-pending', pending.body.id)).plan.analysis.custom).toEqual([TOXICITY]);
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { DEFAULT_POLICY, savePolicyVersion, type PolicyDocument } from '../policy/index.js';
import { post, registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';
const V = '/api/v1/models/credit/versions/1.0.0';

/** Tier 1 runs only the explanation gate at smoke level, with small, hand-checkable thresholds. */
function gatePolicy(sparsityMaxFeatures: number): PolicyDocument {
  const doc = structuredClone(DEFAULT_POLICY);
  const tier = doc.tiers['1'];
  tier.validation.checks.smoke = ['explainability.evidence'];
  tier.explainability = {
    required: true,
    minRecords: 2,
    sparsityMaxFeatures,
    stabilityMin: 0.8,
    fidelityMin: 0.7,
    requireCounterfactuals: true,
  };
  return doc;
}

type Check = {
  name: string;
  status: string;
  value: Record<string, unknown>;
  detail: string;
  missing?: string;
  items?: Record<string, unknown>[];
};

describeEachBackend('validation gate: explainability.evidence', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, 'credit');
  });
  afterEach(async () => {
    await server.close();
  });

  const usePolicy = (doc: PolicyDocument) =>
    server.ctx.db.transaction().execute((trx) =>
      savePolicyVersion(trx, server.ctx.audit, doc, {
        actor: 'test',
        requestId: null,
        reason: 'explanation gate',
        now: server.ctx.now(),
      }),
    );
  const gate = async (version = '1.0.0'): Promise<{ passed: boolean; check: Check }> => {
    const res = await server.api('POST', `/api/v1/models/credit/versions/${version}/validations`, {
      body: {
        level: 'smoke',
        records: Array.from({ length: 10 }, (_, i) => ({ label: i % 2, score: i % 2 ? 0.9 : 0.1 })),
      },
    });
    expect(res.status).toBe(201);
    const checks = res.body.checks as Check[];
    expect(checks.map((c) => c.name)).toEqual(['explainability.evidence']);
    return { passed: res.body.passed as boolean, check: checks[0]! };
  };
  const counterfactuals = {
    method: 'dice',
    examples: [
      {
        recordId: 'r1',
        original: { amount: 120, age: 40, country: 'de' },
        counterfactual: { amount: 80, age: 40, country: 'de' },
        originalOutcome: 'deny',
        counterfactualOutcome: 'approve',
      },
      {
        original: { amount: 95, age: 22, country: 'fr' },
        counterfactual: { amount: 95, age: 31, country: 'fr' },
      },
    ],
  };

  it('fails naming everything missing, then passes on monitored attributions and attached counterfactual examples', async () => {
    await usePolicy(gatePolicy(2));
    const none = await gate();
    expect(none.passed).toBe(false);
    expect(none.check.status).toBe('fail');
    expect(none.check.missing).toBe(
      'global importance, sparsity, stability, fidelity, counterfactual examples',
    );
    expect(none.check.detail).toContain('PUT …/explanation-evidence/counterfactuals');

    // Three records and one probe of each. Sparsity (features for 80 % of Σ|a|): r0 1 (0.9 of 1.0),
    // r1 2 (0.5, then 0.9), r2 2 (0.6, then 0.9): mean 5/3. Stability: d = Σ|a−b| / (Σ|a|+Σ|b|) =
    // 0.1/2.1, 0.2/1.8, 0.3/2.3; 1 − mean d = 0.903612. Fidelity: Pearson of ΔΣa (0.1, −0.2, 0.3)
    // and Δscore (0.1, −0.2, 0.25) = 0.997176 (numpy.corrcoef).
    const rec = (id: string, amount: number, a: number[], score: number, probeOf?: string) => ({
      id,
      timestamp: '2026-03-02T09:15:00Z',
      features: { amount, age: 40, country: 'de' },
      prediction: 'deny',
      score,
      attributions: { amount: a[0], age: a[1], country: a[2] },
      ...(probeOf ? { probeOf } : {}),
    });
    await post(server, `${V}/inferences`, [
      rec('r0', 100, [0.9, 0.05, 0.05], 0.9),
      rec('r1', 110, [0.5, 0.4, 0.1], 0.8),
      rec('r2', 120, [0.6, 0.3, 0.1], 0.7),
    ]);
    await post(server, `${V}/inferences`, [
      rec('p0', 101, [1.0, 0.05, 0.05], 1.0, 'r0'),
      rec('p1', 111, [0.5, 0.2, 0.1], 0.6, 'r1'),
      rec('p2', 121, [0.6, 0.3, 0.4], 0.95, 'r2'),
    ]);
    const run = await server.api('POST', '/api/v1/models/credit/monitoring/run?rules=explanations');
    expect(run.status).toBe(200);

    const monitored = await gate();
    expect(monitored.passed).toBe(false);
    expect(monitored.check.missing).toBe('counterfactual examples');
    expect(monitored.check.value).toMatchObject({ globalImportance: 'monitoring', topFeature: 'amount' });
    expect(monitored.check.value.sparsity).toBeCloseTo(5 / 3, 6);
    expect(monitored.check.value.stability).toBeCloseTo(0.903612, 6);
    expect(monitored.check.value.fidelity).toBeCloseTo(0.997176, 6);

    const refused = await server.api('PUT', `${V}/explanation-evidence/counterfactuals`, {
      body: { examples: [{ original: { income: 1 }, counterfactual: { amount: 1 } }] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe('examples[0].original.income');
    const viewer = await server.tokenFor('vera', ['viewer']);
    expect(
      (
        await server.api('PUT', `${V}/explanation-evidence/counterfactuals`, {
          token: viewer,
          body: counterfactuals,
        })
      ).status,
    ).toBe(403);
    const stored = await server.api('PUT', `${V}/explanation-evidence/counterfactuals`, {
      body: counterfactuals,
    });
    expect(stored.status).toBe(201);
    expect(stored.body.sha256).toMatch(/^[0-9a-f]{64}$/);

    const passed = await gate();
    expect(passed.passed).toBe(true);
    expect(passed.check.status).toBe('pass');
    expect(passed.check.value.counterfactualExamples).toBe(2);
    const audit = await server.ctx.db
      .selectFrom('audit_log')
      .select('change')
      .where('action', '=', 'explanations.evidence_uploaded')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.change)).toMatchObject({ kind: 'counterfactuals', examples: 2 });
    const view = await server.api('GET', `${V}/explanation-evidence`);
    expect(view.body.counterfactuals).toMatchObject({ examples: 2, sha256: stored.body.sha256 });
    expect(view.body.quality.stability.source).toBe('monitoring');
  });

  it('reads an uploaded explanation report when monitoring has none, and fails a score outside the policy naming it', async () => {
    await usePolicy(gatePolicy(2));
    const unknown = await server.api('PUT', `${V}/explanation-evidence/report`, {
      body: { globalImportance: { amount: 0.5, income: 0.2 } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('globalImportance.income');
    const report = await server.api('PUT', `${V}/explanation-evidence/report`, {
      body: {
        method: 'shap',
        records: 5000,
        globalImportance: { amount: 0.6, age: 0.3, country: 0.1 },
        quality: { sparsity: 3, stability: 0.85, fidelity: 0.69 },
      },
    });
    expect(report.status).toBe(201);
    await server.api('PUT', `${V}/explanation-evidence/counterfactuals`, { body: counterfactuals });
    const out = await gate();
    expect(out.passed).toBe(false);
    expect(out.check.missing).toBeUndefined();
    expect(out.check.detail).toContain(
      "outside the policy's thresholds: sparsity 3 > 2, fidelity 0.69 < 0.7",
    );
    expect(out.check.value).toMatchObject({
      globalImportance: 'report',
      topFeature: 'amount',
      sparsity: 3,
      stability: 0.85,
      fidelity: 0.69,
    });
    const view = await server.api('GET', `${V}/explanation-evidence`);
    // Shares of 0.6 / 0.3 / 0.1 over a total of 1.0.
    expect(view.body.globalImportance.features.map((f: { share: number }) => f.share)).toEqual([
      expect.closeTo(0.6, 12),
      expect.closeTo(0.3, 12),
      expect.closeTo(0.1, 12),
    ]);

    // A looser sparsity bound and a better report: the gate passes at the boundary (fidelity = 0.7).
    await usePolicy(gatePolicy(3));
    await server.api('PUT', `${V}/explanation-evidence/report`, {
      body: {
        globalImportance: { amount: 0.6, age: 0.3 },
        quality: { sparsity: 3, stability: 0.8, fidelity: 0.7 },
      },
    });
    expect((await gate()).passed).toBe(true);
  });

  it('is skipped on a tier that does not require explanations', async () => {
    const doc = gatePolicy(2);
    doc.tiers['1'].explainability!.required = false;
    await usePolicy(doc);
    const out = await gate();
    expect(out.passed).toBe(true);
    expect(out.check.status).toBe('skipped');
  });
});

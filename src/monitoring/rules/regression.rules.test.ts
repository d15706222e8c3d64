import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../policy/index.js';
import { resolveThresholds } from '../monitoring-config.js';
import { seeded } from '../monitoring.test-helper.js';
import { WindowProfile } from '../window-profile.js';
import { labelDriftRule, predictionDriftRule } from './data.rules.js';
import { evaluateRules } from './evaluate.js';
import { maeIncreaseRule, mapeIncreaseRule, r2DecayRule, rmseIncreaseRule } from './regression.rules.js';
import { DEFAULT_RULE_OPTIONS, type RuleInput } from './rule.types.js';

const tier1 = resolveThresholds(DEFAULT_POLICY, 1, {});
const REGRESSION = { ...DEFAULT_RULE_OPTIONS, task: 'regression' as const };

/** n labelled records: label 100 + (i mod 10), prediction off by ±error alternately. */
function errors(n: number, error: number): WindowProfile {
  const p = new WindowProfile();
  for (let i = 0; i < n; i++) {
    const y = 100 + (i % 10);
    const yhat = i % 2 === 0 ? y + error : y - error;
    p.addRecord({ features: {}, prediction: yhat });
    p.addLabel({ prediction: yhat, score: null, label: y }, '1');
  }
  return p;
}

function input(current: WindowProfile, extra: Partial<RuleInput> = {}): RuleInput {
  return {
    current,
    reference: null,
    baseline: {},
    inputSchema: [],
    thresholds: tier1,
    options: REGRESSION,
    ...extra,
  };
}

describe('regression degradation rules', () => {
  it('has the default policy thresholds per tier, marked as regression triggers', () => {
    expect(tier1.values.rmseIncreasePct).toBe(5);
    expect(tier1.sources.rmseIncreasePct).toBe('regressionTriggers.rmseIncreasePct');
    const tier3 = resolveThresholds(DEFAULT_POLICY, 3, {});
    expect([tier3.values.maeIncreasePct, tier3.values.mapeIncreasePct, tier3.values.r2Decay]).toEqual([
      20, 20, 0.1,
    ]);
  });

  it.each([
    // |error| against a validated RMSE of 10: (|e| − 10) / 10 in percent; tier 1 alerts above 5 %, warns above 4 %.
    [11, 10, 'alert'],
    [10.45, 4.5, 'warning'],
    [10.2, 2, 'ok'],
    [9, -10, 'ok'],
  ] as const)('RMSE with every error ±%d: %d %% → %s', (error, pct, status) => {
    const check = rmseIncreaseRule(input(errors(200, error), { baseline: { rmse: 10 } }))[0]!;
    expect(check.value).toBeCloseTo(pct, 9);
    expect(check.status).toBe(status);
    expect(check.observed).toBeCloseTo(error, 9);
    expect(check.baseline).toBe(10);
    expect(check.threshold).toBe(5);
    expect(check.policyRule).toBe('regressionTriggers.rmseIncreasePct');
    expect(check.n).toBe(200);
  });

  it('compares MAE and MAPE relative to their baselines and R² as a drop', () => {
    const window = errors(200, 2);
    // Labels 100..109 (each 20 times), |error| 2: MAE 2, MAPE = mean(2 / y).
    let mape = 0;
    for (let k = 0; k < 10; k++) mape += 2 / (100 + k) / 10;
    // Σ(y − ȳ)² over 200 labels cycling 100..109: 20 · Σ(k − 4.5)² = 20 · 82.5; SS_res = 200 · 4.
    const r2 = 1 - (200 * 4) / (20 * 82.5);
    const baseline = { mae: 1.8, mape: 0.019, r2: 0.6 };
    const mae = maeIncreaseRule(input(window, { baseline }))[0]!;
    expect(mae.value).toBeCloseTo(((2 - 1.8) / 1.8) * 100, 9);
    expect(mae.status).toBe('alert');
    const mapeCheck = mapeIncreaseRule(input(window, { baseline }))[0]!;
    expect(mapeCheck.observed).toBeCloseTo(mape, 12);
    expect(mapeCheck.value).toBeCloseTo(((mape - 0.019) / 0.019) * 100, 8);
    const r2Check = r2DecayRule(input(window, { baseline }))[0]!;
    expect(r2Check.observed).toBeCloseTo(r2, 12);
    expect(r2Check.value).toBeCloseTo(0.6 - r2, 12);
    expect(r2Check.status).toBe('alert'); // 0.085 > 0.02
  });

  it('falls back to the reference baseline’s metric when the version records none', () => {
    const reference = errors(300, 4);
    const check = rmseIncreaseRule(input(errors(200, 5), { reference }))[0]!;
    expect(check.baseline).toBeCloseTo(4, 12);
    expect(check.value).toBeCloseTo(25, 9);
    expect(check.status).toBe('alert');
    expect(check.detail).toContain('reference');
  });

  it('is insufficient without a baseline, below minLabels, or where the metric is undefined', () => {
    expect(rmseIncreaseRule(input(errors(200, 5)))[0]!.status).toBe('insufficient_data');
    const few = rmseIncreaseRule(input(errors(99, 50), { baseline: { rmse: 1 } }))[0]!;
    expect([few.status, few.value]).toEqual(['insufficient_data', null]);
    const zero = errors(200, 1);
    zero.addLabel({ prediction: 1, score: null, label: 0 }, '1');
    const mape = mapeIncreaseRule(input(zero, { baseline: { mape: 0.01 } }))[0]!;
    expect(mape.status).toBe('insufficient_data');
    expect(mape.detail).toContain('1 labels in the window are 0');
    const perfect = rmseIncreaseRule(input(errors(200, 1), { baseline: { rmse: 0 } }))[0]!;
    expect(perfect.status).toBe('insufficient_data');
  });

  it('runs the regression rules for a regression model and the class rules for a classifier only', () => {
    const window = errors(200, 11);
    const common = {
      overall: window,
      segments: new Map<string, WindowProfile>(),
      reference: null,
      baseline: { rmse: 10, accuracy: 0.9 },
      segmentBaselines: {},
      inputSchema: [],
      thresholds: tier1,
      sensitiveAttributes: ['region'],
      newData: { records: 0, since: '2026-01-01T00:00:00Z' },
    };
    const regression = evaluateRules({ ...common, options: REGRESSION }).map((c) => c.rule);
    expect(regression).toEqual(expect.arrayContaining(['rmse_increase', 'mae_increase', 'r2_decay']));
    expect(regression).not.toContain('accuracy_decay');
    expect(regression).not.toContain('fairness');
    const classification = evaluateRules({ ...common, options: DEFAULT_RULE_OPTIONS }).map((c) => c.rule);
    expect(classification).toContain('accuracy_decay');
    expect(classification).not.toContain('rmse_increase');
  });
});

describe('regression concept drift', () => {
  /** Predictions ~ N(mean, 10) with an unrelated score column, labels ~ N(labelMean, 10). */
  function sample(n: number, mean: number, labelMean: number, seed: number): WindowProfile {
    const rng = seeded(seed);
    const p = new WindowProfile();
    for (let i = 0; i < n; i++) {
      const yhat = rng.normal(mean, 10);
      p.addRecord({ features: {}, prediction: yhat, score: 0.5 });
      p.addLabel({ prediction: yhat, score: 0.5, label: rng.normal(labelMean, 10) }, '1');
    }
    return p;
  }

  it('judges the numeric prediction column, not the scores, and numeric labels on quantile bins', () => {
    const reference = sample(3000, 100, 100, 1);
    const shifted = sample(3000, 110, 115, 2);
    const prediction = predictionDriftRule(input(shifted, { reference }))[0]!;
    expect(prediction.detail).toMatch(/^predictions: psi over 10 reference-quantile bins/);
    expect(prediction.status).toBe('alert');
    // The same window judged as a classifier looks at the (constant) scores and sees nothing.
    const asClassifier = predictionDriftRule(
      input(shifted, { reference, options: DEFAULT_RULE_OPTIONS }),
    )[0]!;
    expect(asClassifier.detail).toMatch(/^scores/);
    const label = labelDriftRule(input(shifted, { reference }))[0]!;
    expect(label.detail).toMatch(/^labels: psi over 10 reference-quantile bins/);
    expect(label.status).toBe('alert');
    const stable = labelDriftRule(input(sample(3000, 100, 100, 3), { reference }))[0]!;
    expect(stable.status).toBe('ok');
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../policy/index.js';
import { resolveThresholds } from '../monitoring-config.js';
import { seeded } from '../monitoring.test-helper.js';
import type { InputField } from '../monitoring.types.js';
import { WindowProfile } from '../window-profile.js';
import {
  dataDriftRule,
  missingIncreaseRule,
  newCategoriesRule,
  predictionDriftRule,
  psiNoiseFloor,
  schemaChangeRule,
} from './data.rules.js';
import { evaluateRules, rulesOfFamilies } from './evaluate.js';
import { fairnessRule, newDataVolumeRule } from './fairness.rules.js';
import {
  accuracyDecayRule,
  brierDriftRule,
  precisionDecayRule,
  recallDecayRule,
} from './performance.rules.js';
import { errorRateRule, latencyRule } from './sla.rules.js';
import { DEFAULT_RULE_OPTIONS, type RuleInput } from './rule.types.js';
import { negativeFeedbackRule, safetySignalRule } from './signal.rules.js';
import { judge } from './status.js';

const tier1 = resolveThresholds(DEFAULT_POLICY, 1, {});
const tier3 = resolveThresholds(DEFAULT_POLICY, 3, {});

function input(current: WindowProfile, extra: Partial<RuleInput> = {}): RuleInput {
  return {
    current,
    reference: null,
    baseline: {},
    inputSchema: [],
    thresholds: tier1,
    options: DEFAULT_RULE_OPTIONS,
    ...extra,
  };
}

/** n records with `x` ~ N(mean, 1) and `c` cycling through `categories`. */
function sample(n: number, mean: number, seed: number, categories = ['a', 'b', 'c']): WindowProfile {
  const rng = seeded(seed);
  const p = new WindowProfile();
  for (let i = 0; i < n; i++) {
    p.addRecord({
      features: { x: rng.normal(mean, 1), c: categories[i % categories.length]! },
      prediction: i % 2,
      score: rng.uniform(),
    });
  }
  return p;
}

/** A profile whose performance counts are given directly (labels joined to predictions). */
function withConfusion(
  c: { tp: number; fp: number; tn: number; fn: number },
  score?: (y: number) => number,
): WindowProfile {
  const p = new WindowProfile();
  const add = (label: number, prediction: number, times: number) => {
    for (let i = 0; i < times; i++)
      p.addLabel({ prediction, label, score: score ? score(label) : null }, '1');
  };
  add(1, 1, c.tp);
  add(0, 1, c.fp);
  add(0, 0, c.tn);
  add(1, 0, c.fn);
  return p;
}

describe('judge', () => {
  it.each([
    [0.06, 0.05, true, 'alert'],
    [0.05, 0.05, true, 'warning'], // past the warning band, not strictly past the threshold
    [0.045, 0.05, true, 'warning'],
    [0.04, 0.05, true, 'ok'],
    [0.2, 0.05, false, 'insufficient_data'],
    [null, 0.05, true, 'insufficient_data'],
    [3, 0, true, 'alert'],
    [0, 0, true, 'ok'],
    [7, null, true, 'ok'],
  ] as const)('value %s against %s (sufficient %s) is %s', (value, threshold, sufficient, expected) => {
    expect(judge(value, threshold, { sufficient, warningFraction: 0.8 })).toBe(expected);
  });
});

describe('psiNoiseFloor', () => {
  it.each([
    [10, 1000, 1000, 0.018],
    [10, 100, 1e9, 0.09],
    [2, 50, 50, 0.04],
    [1, 10, 10, 0],
  ])('%i bins, n=%i, m=%i → %f', (bins, n, m, expected) => {
    expect(psiNoiseFloor(bins, n, m)).toBeCloseTo(expected, 6);
  });
});

describe('data rules', () => {
  const reference = sample(5000, 0, 1);

  it.each([
    ['same distribution', 0, 'ok'],
    ['mean shifted by 0.5 sd', 0.5, 'alert'],
    ['mean shifted by 1 sd', 1, 'alert'],
  ])('data drift of a numeric feature: %s → %s', (_what, shift, status) => {
    const checks = dataDriftRule(input(sample(5000, shift, 2), { reference }));
    const x = checks.find((c) => c.feature === 'x')!;
    expect(x.status).toBe(status);
    expect(x.policyRule).toBe('triggers.dataDriftPsi');
    expect(x.threshold).toBe(0.05);
  });

  it('states the KS p-value beside the PSI: scipy’s asymptotic p-value of the raw values lies within its bounds', () => {
    // The same draws as sample(): per record a normal x, then a uniform score.
    const raw = (n: number, mean: number, seed: number) => {
      const rng = seeded(seed);
      return Array.from({ length: n }, () => {
        const x = rng.normal(mean, 1);
        rng.uniform();
        return x;
      });
    };
    const x = dataDriftRule(input(sample(400, 0.15, 2), { reference: sample(600, 0, 1) })).find(
      (c) => c.feature === 'x',
    )!;
    const m = /KS D ≈ ([\d.e-]+) .*KS p-value ≈ ([\d.e-]+) \(between ([\d.e-]+) and ([\d.e-]+)\)/.exec(
      x.detail!,
    );
    expect(m, x.detail).not.toBeNull();
    const [d, p, lower, upper] = m!.slice(1).map(Number) as [number, number, number, number];
    const run = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import json,sys
from scipy import stats
a=json.load(sys.stdin)
en=round(len(a['ref'])*len(a['cur'])/(len(a['ref'])+len(a['cur'])))
print(json.dumps({'raw': stats.ks_2samp(a['ref'], a['cur'], method='asymp').pvalue, 'of_d': float(stats.kstwo.sf(a['d'], en))}))`,
      ],
      { input: JSON.stringify({ ref: raw(600, 0, 1), cur: raw(400, 0.15, 2), d }), encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const scipy = JSON.parse(run.stdout) as { raw: number; of_d: number };
    expect(p).toBeCloseTo(scipy.of_d, 9);
    expect(lower).toBeLessThanOrEqual(scipy.raw * (1 + 1e-9));
    expect(upper).toBeGreaterThanOrEqual(scipy.raw * (1 - 1e-9));
    expect(scipy.raw).toBeGreaterThan(0.001); // a p-value far from 0, so the bounds say something
  });

  it('PSI of a 0.5 sd shift is near its exact value (ln-ratio over deciles, about 0.25)', () => {
    const x = dataDriftRule(input(sample(20000, 0.5, 2), { reference: sample(20000, 0, 1) })).find(
      (c) => c.feature === 'x',
    )!;
    // Exact PSI of N(0.5,1) against N(0,1) over the reference deciles is 0.2498 (numerical integration).
    expect(x.value!).toBeGreaterThan(0.22);
    expect(x.value!).toBeLessThan(0.28);
  });

  it('categorical drift uses the categories and reports the chi-square p-value', () => {
    const checks = dataDriftRule(input(sample(3000, 0, 2, ['a', 'a', 'b', 'c']), { reference }));
    const c = checks.find((k) => k.feature === 'c')!;
    expect(c.status).toBe('alert');
    expect(c.detail).toMatch(/p-value/);
  });

  it.each([
    ['no reference', null, 5000, 'no reference baseline'],
    ['a small window', reference, 50, 'at least 100'],
  ])('data drift with %s is insufficient_data', (_what, ref, n, reason) => {
    const x = dataDriftRule(input(sample(n, 3, 2), { reference: ref })).find((c) => c.feature === 'x')!;
    expect(x.status).toBe('insufficient_data');
    expect(x.detail).toContain(reason);
  });

  it('a blatant shift alerts in a window far above the noise floor; a stable small window stays undecided', () => {
    const shifted = dataDriftRule(input(sample(300, 3, 2), { reference })).find((c) => c.feature === 'x')!;
    expect(shifted.status).toBe('alert');
    expect(shifted.detail).toContain('significant');
    const stable = dataDriftRule(input(sample(150, 0, 2), { reference })).find((c) => c.feature === 'x')!;
    expect(stable.status).toBe('insufficient_data');
    expect(stable.detail).toContain('too few records to detect a PSI of 0.05');
  });

  it('prediction drift compares scores when both sides have them', () => {
    const shifted = new WindowProfile();
    const rng = seeded(9);
    for (let i = 0; i < 5000; i++)
      shifted.addRecord({ features: {}, prediction: 1, score: Math.min(1, rng.uniform() * 0.5 + 0.5) });
    const check = predictionDriftRule(input(shifted, { reference }))[0]!;
    expect(check.status).toBe('alert');
    expect(check.detail).toMatch(/^scores/);
    expect(check.threshold).toBe(0.03);
  });

  function withMissing(n: number, missing: number): WindowProfile {
    const p = new WindowProfile();
    for (let i = 0; i < n; i++) p.addRecord({ features: { x: i < missing ? null : 1 } });
    return p;
  }

  it.each([
    [10000, 0, 10000, 200, 2, 'alert'],
    [10000, 0, 10000, 28, 0.28, 'warning'],
    [10000, 100, 10000, 110, 0.1, 'ok'],
    [10000, 500, 10000, 100, -4, 'ok'],
  ])(
    'missing increase: ref %i/%i missing, window %i/%i → %f points, %s',
    (rn, rm, cn, cm, points, status) => {
      const check = missingIncreaseRule(input(withMissing(cn, cm), { reference: withMissing(rn, rm) }))[0]!;
      expect(check.value).toBeCloseTo(points, 9);
      expect(check.status).toBe(status);
      expect(check.threshold).toBe(0.3);
    },
  );

  it('new categories: share of values outside the reference and the declared categories', () => {
    const current = new WindowProfile();
    for (let i = 0; i < 1000; i++)
      current.addRecord({ features: { c: i < 30 ? 'zz' : i < 40 ? 'declared' : 'a' } });
    const schema: InputField[] = [{ name: 'c', type: 'category', categories: ['declared'] }];
    const check = newCategoriesRule(input(current, { reference, inputSchema: schema }))[0]!;
    expect(check.value).toBeCloseTo(3, 9);
    expect(check.count).toBe(30);
    expect(check.status).toBe('alert');
    expect(check.detail).toBe('new: "zz"');
  });

  it.each([
    ['an added field', { x: 1, c: 'a', extra: 2 }, 1, 'new: extra'],
    ['a missing field', { x: 1 }, 1, 'missing: c'],
    ['a retyped field', { x: 'one', c: 'a' }, 1, 'retyped: x (number → string)'],
    ['no change', { x: 1, c: 'a' }, 0, undefined],
  ])('schema change: %s', (_what, fields, changed, detail) => {
    const current = new WindowProfile();
    current.addRecord({ features: fields });
    const check = schemaChangeRule(input(current, { reference }))[0]!;
    expect(check.value).toBe(changed);
    expect(check.status).toBe(changed > 0 ? 'alert' : 'ok');
    expect(check.detail).toBe(detail);
  });

  it('schema change is a warning where the policy says next business day (tier 3)', () => {
    const current = new WindowProfile();
    current.addRecord({ features: { x: 1, c: 'a', extra: 2 } });
    expect(schemaChangeRule(input(current, { reference, thresholds: tier3 }))[0]!.status).toBe('warning');
  });

  it('schema change compares with the declared input schema when there is no reference', () => {
    const current = new WindowProfile();
    current.addRecord({ features: { amount: 1 } });
    const schema: InputField[] = [
      { name: 'amount', type: 'number' },
      { name: 'age', type: 'integer', nullable: true },
    ];
    expect(schemaChangeRule(input(current, { inputSchema: schema }))[0]!.detail).toBe('missing: age');
  });
});

describe('performance rules', () => {
  // Accuracy decay against a validated 0.9, in points, by the three-way rule at α = 0.01: the
  // standard error under "no decay" is √(0.9·0.1/n)·100 (2.1213 points at n = 200, 0.67082 at
  // n = 2,000). z, p and power from scipy: norm.sf(decay/se), norm.sf(norm.isf(0.01) − 2/se).
  it.each([
    // n = 200, tier 3 (2 points): power at the threshold 0.083, so nothing below it is ok.
    [{ tp: 80, fp: 20, tn: 80, fn: 20 }, 'alert'], // 10 points: z 4.714, p 1.2e-6
    [{ tp: 87, fp: 13, tn: 87, fn: 13 }, 'insufficient_data'], // 3 points: z 1.414, p 0.079 > α
    [{ tp: 88, fp: 12, tn: 88, fn: 12 }, 'insufficient_data'], // 2 points, not past 2; power 0.083
    // n = 2,000: power at the threshold 0.744.
    [{ tp: 870, fp: 130, tn: 870, fn: 130 }, 'alert'], // 3 points: z 4.472, p 3.9e-6
    [{ tp: 883, fp: 117, tn: 883, fn: 117 }, 'warning'], // 1.7 points > 1.6: z 2.534, p 0.0056
    [{ tp: 900, fp: 100, tn: 900, fn: 100 }, 'ok'], // no decay
  ] as const)('accuracy decay %o', (confusion, status) => {
    const p = withConfusion(confusion);
    const check = accuracyDecayRule(input(p, { baseline: { accuracy: 0.9 }, thresholds: tier3 }))[0]!;
    const labelled = confusion.tp + confusion.fp + confusion.tn + confusion.fn;
    const accuracy = (confusion.tp + confusion.tn) / labelled;
    expect(check.value).toBeCloseTo((0.9 - accuracy) * 100, 9);
    expect(check.policyRule).toBe('triggers.accuracyDecayPct');
    expect(check.status).toBe(status);
    expect(check.detail).toContain(`standard error ${labelled === 200 ? '2.121' : '0.6708'}`);
  });

  it('a 1-point decay on 200 labels cannot be told from noise at the tier-1 threshold of 0.5 points', () => {
    const check = accuracyDecayRule(
      input(withConfusion({ tp: 89, fp: 11, tn: 89, fn: 11 }), { baseline: { accuracy: 0.9 } }),
    )[0]!;
    expect(check.status).toBe('insufficient_data');
    expect(check.detail).toContain('within sampling noise');
  });

  it('precision and recall decay rest on predicted and actual positives', () => {
    const p = withConfusion({ tp: 80, fp: 20, tn: 60, fn: 40 });
    // Precision 80/100 against 0.95: 15 points, se √(0.95·0.05/100) = 2.179 points, z 6.88.
    const precision = precisionDecayRule(input(p, { baseline: { precision: 0.95 } }))[0]!;
    expect(precision.value).toBeCloseTo(15, 9);
    expect(precision.status).toBe('alert');
    expect(precision.detail).toContain('over 100 records');
    // Recall 80/120 against 0.67: 0.333 points < 1, but se 4.293 points: power 0.018.
    const recall = recallDecayRule(input(p, { baseline: { recall: 0.67 } }))[0]!;
    expect(recall.value).toBeCloseTo((0.67 - 80 / 120) * 100, 9);
    expect(recall.threshold).toBe(1); // tier 1
    expect(recall.status).toBe('insufficient_data');
    expect(recall.detail).toContain('too few records');
    // The same recall over 15,000 positives: se 0.3839 points, power 0.61 → ok.
    const large = withConfusion({ tp: 10_000, fp: 0, tn: 100, fn: 5_000 });
    expect(recallDecayRule(input(large, { baseline: { recall: 0.67 } }))[0]!.status).toBe('ok');
  });

  it('baselines given in percent are read as percent', () => {
    const p = withConfusion({ tp: 90, fp: 10, tn: 90, fn: 10 });
    expect(accuracyDecayRule(input(p, { baseline: { accuracy: 92 } }))[0]!.value).toBeCloseTo(2, 9);
  });

  it.each([
    ['no baseline', {}, { tp: 90, fp: 10, tn: 90, fn: 10 }, 'no validated accuracy'],
    ['too few labels', { accuracy: 0.9 }, { tp: 9, fp: 1, tn: 9, fn: 1 }, 'at least 100'],
  ])('accuracy decay with %s is insufficient_data', (_what, baseline, confusion, reason) => {
    const check = accuracyDecayRule(input(withConfusion(confusion), { baseline }))[0]!;
    expect(check.status).toBe('insufficient_data');
    expect(check.detail).toContain(reason);
  });

  it('Brier drift: window Brier minus the validated one', () => {
    // Every positive scored 0.8, every negative 0.3: Brier = (100·0.04 + 100·0.09) / 200 = 0.065.
    // The terms' sample standard deviation over √200 is 0.0017722 (numpy std(ddof=1)), z 5.643.
    const p = withConfusion({ tp: 100, fp: 100, tn: 0, fn: 0 }, (y) => (y === 1 ? 0.8 : 0.3));
    const check = brierDriftRule(input(p, { baseline: { brier: 0.055 } }))[0]!;
    expect(check.value).toBeCloseTo(0.01, 9);
    expect(check.status).toBe('alert'); // tier 1: > 0.005
    expect(check.detail).toContain('standard error 0.001772');
    expect(brierDriftRule(input(p, { baseline: { brier: 0.055 }, thresholds: tier3 }))[0]!.status).toBe('ok');
  });

  it('error rate and p95 latency', () => {
    const p = new WindowProfile();
    for (let i = 0; i < 1000; i++) p.addRecord({ features: {}, error: i < 6, latencyMs: i < 900 ? 10 : 120 });
    const errors = errorRateRule(input(p))[0]!;
    expect(errors).toMatchObject({
      value: 0.6,
      n: 1000,
      count: 6,
      status: 'alert',
      policyRule: 'sla.errorRatePct',
    });
    const latency = latencyRule(input(p))[0]!;
    expect(latency.value!).toBeGreaterThan(118.8); // 120 within the sketch's 1 % error
    expect(latency.value!).toBeLessThan(121.2);
    expect(latency.status).toBe('alert'); // tier 1 SLA p95 50 ms
  });
});

describe('signal and feedback rules', () => {
  it('safety signals: share of records where each signal fired, with n and count', () => {
    const p = new WindowProfile();
    for (let i = 0; i < 400; i++) {
      p.addRecord({
        features: {},
        signals: { refusal: i < 6, policy_violation: i < 2 ? 'hate' : 'none' },
      });
    }
    const checks = safetySignalRule(input(p));
    expect(checks.map((c) => [c.rule, c.value, c.n, c.count, c.status])).toEqual([
      ['safety_signal:policy_violation', 0.5, 400, 2, 'ok'],
      ['safety_signal:refusal', 1.5, 400, 6, 'alert'],
    ]);
  });

  it('negative feedback rate over the feedback given', () => {
    const p = new WindowProfile();
    for (let i = 0; i < 150; i++) p.addFeedback(i < 45 ? 'down' : 'up');
    expect(negativeFeedbackRule(input(p))[0]).toMatchObject({
      rule: 'negative_feedback_rate',
      value: 30,
      n: 150,
      count: 45,
      status: 'alert',
    });
    expect(negativeFeedbackRule(input(new WindowProfile()))).toEqual([]);
  });
});

describe('population rules', () => {
  it('fairness: equal-opportunity difference between the groups of a sensitive attribute', () => {
    // TPR 0.4 and 0.7 over 100 positives each: pooled se √(0.55·0.45·0.02) = 0.07036, z 4.264.
    const segments = new Map([
      ['sex=f', withConfusion({ tp: 40, fp: 10, tn: 90, fn: 60 })],
      ['sex=m', withConfusion({ tp: 70, fp: 10, tn: 90, fn: 30 })],
      ['region=eu', withConfusion({ tp: 1, fp: 1, tn: 1, fn: 1 })],
    ]);
    const [check] = fairnessRule(segments, ['sex'], tier1, DEFAULT_RULE_OPTIONS);
    expect(check).toMatchObject({ rule: 'fairness', feature: 'sex', status: 'alert', threshold: 0.05 });
    expect(check!.value).toBeCloseTo(0.3, 9);
    expect(check!.detail).toContain('disparate-impact ratio');
    expect(check!.detail).toContain('standard error 0.07036');
    const [alone] = fairnessRule(segments, ['region'], tier1, DEFAULT_RULE_OPTIONS);
    expect(alone!.status).toBe('insufficient_data');
  });

  it('fairness: a gap within sampling noise is undecided; equal rates over many positives are ok', () => {
    // TPR 0.6 and 0.7 over 100 positives: z 1.483, p 0.069 > 0.01.
    const noisy = new Map([
      ['sex=f', withConfusion({ tp: 60, fp: 10, tn: 90, fn: 40 })],
      ['sex=m', withConfusion({ tp: 70, fp: 10, tn: 90, fn: 30 })],
    ]);
    const [undecided] = fairnessRule(noisy, ['sex'], tier1, DEFAULT_RULE_OPTIONS);
    expect(undecided!.status).toBe('insufficient_data');
    expect(undecided!.detail).toContain('within sampling noise');
    // Equal TPR 0.6 over 1,500 positives each: se 0.01789, power at 0.05 is 0.68.
    const equal = new Map([
      ['sex=f', withConfusion({ tp: 900, fp: 10, tn: 90, fn: 600 })],
      ['sex=m', withConfusion({ tp: 900, fp: 10, tn: 90, fn: 600 })],
    ]);
    expect(fairnessRule(equal, ['sex'], tier1, DEFAULT_RULE_OPTIONS)[0]!.status).toBe('ok');
  });

  it.each([
    [60_000, 'alert'],
    [50_000, 'alert'],
    [45_000, 'warning'],
    [10_000, 'ok'],
  ])('new-data volume %i against the tier-1 trigger of 50K → %s', (records, status) => {
    expect(newDataVolumeRule(records, '2026-01-01T00:00:00Z', tier1, DEFAULT_RULE_OPTIONS).status).toBe(
      status,
    );
  });
});

describe('evaluateRules', () => {
  it('runs each rule overall and per segment, and only the rules asked for', () => {
    const overall = sample(3000, 0, 5);
    const eu = sample(1500, 2, 6);
    const checks = evaluateRules({
      overall,
      segments: new Map([['region=eu', eu]]),
      reference: { overall: sample(3000, 0, 7), segments: new Map() },
      baseline: {},
      segmentBaselines: {},
      inputSchema: [],
      thresholds: tier1,
      options: DEFAULT_RULE_OPTIONS,
      sensitiveAttributes: [],
      newData: { records: 3000, since: '2026-01-01T00:00:00Z' },
      rules: new Set(['data_drift']),
    });
    expect(checks.map((c) => [c.feature, c.segment, c.status])).toEqual([
      ['c', undefined, 'ok'],
      ['x', undefined, 'ok'],
      ['c', 'region=eu', 'ok'],
      ['x', 'region=eu', 'alert'],
    ]);
  });

  it('families name their rules', () => {
    expect(rulesOfFamilies(['conceptDrift'])).toEqual(['prediction_drift', 'label_drift']);
    expect(rulesOfFamilies(['fairness'])).toEqual(['fairness']);
    expect(rulesOfFamilies(['dataDrift'])).toContain('new_data_volume');
  });
});

import { describe, expect, it } from 'vitest';
import { abMeanTest, abProportionTest, meanSampleSize, proportionSampleSize } from './rollout-ab.rules.js';
import {
  analyseStep,
  countFailures,
  judgeErrorRate,
  judgePredictionPsi,
  type AnalysisOptions,
  type VariantSample,
} from './rollout-analysis.rules.js';
import { decideRoute, routeBucket, type RouteEntry } from './rollout-routing.js';
import { compareShadow, type ShadowPair } from './rollout-shadow.rules.js';
import { applyControl, decideStep, resolvePlan, type TierRolloutPolicy } from './rollout.rules.js';

const POLICY: TierRolloutPolicy = {
  canaryStepsPct: [10, 25, 50, 100],
  minStepMinutes: 30,
  shadowHours: 72,
  rollbackErrorRatePct: 0.5,
  rollbackAccuracyDropPct: 0.5,
  automaticRollback: true,
};

function sample(n: number, errors: number, latency = 20): VariantSample {
  return {
    n,
    errors,
    latencies: Float64Array.from({ length: n }, (_, i) => latency + (i % 10)),
    labelled: 0,
    correct: 0,
    predictions: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'yes' : 'no')),
  };
}

const OPTIONS: AnalysisOptions = {
  thresholds: { errorRate: 0.005, accuracyDrop: 0.005, predictionPsi: 0.25 },
  minSamplesPerVariant: 200,
  alpha: 0.01,
  requireLabels: false,
  championServes: true,
};

describe('A/B tests match scipy on the same counts', () => {
  it('two-proportion z-test: 260/2000 against 220/2000', () => {
    // scipy: z = (p1-p2)/sqrt(P(1-P)(1/n1+1/n2)), p = 2*norm.sf(|z|) (= chi2_contingency without correction);
    // Wald interval with norm.ppf(0.975); Cohen's h = 2 asin sqrt p1 - 2 asin sqrt p2.
    const r = abProportionTest(260, 2000, 220, 2000);
    expect(r.statistic).toBeCloseTo(1.9462473604038077, 12);
    expect(r.pValue).toBeCloseTo(0.051625033394238504, 12);
    expect(r.ci[0]).toBeCloseTo(-0.00013141588620209366, 12);
    expect(r.ci[1]).toBeCloseTo(0.0401314158862021, 12);
    expect(r.effectSize).toBeCloseTo(0.06159545889258755, 12);
    expect(r.significant).toBe(false);
  });

  it("Welch's t-test, interval and Cohen's d", () => {
    const a = Float64Array.from({ length: 40 }, (_, i) => 20 + ((i * 7) % 13) * 0.9);
    const b = Float64Array.from({ length: 55 }, (_, i) => 18 + ((i * 5) % 11) * 1.1);
    // scipy.stats.ttest_ind(a, b, equal_var=False) and its confidence_interval(0.95).
    const r = abMeanTest(a, b);
    expect(r.statistic).toBeCloseTo(2.4340797383097477, 10);
    expect(r.pValue).toBeCloseTo(0.01703086018917973, 10);
    expect(r.ci[0]).toBeCloseTo(0.3231929792381609, 9);
    expect(r.ci[1]).toBeCloseTo(3.20680702076184, 9);
    expect(r.effectSize).toBeCloseTo(0.5049641095079803, 10);
    expect(r.significant).toBe(true);
  });

  it('sample size per variant from the MDE and power', () => {
    // ceil((norm.ppf(.975)+norm.ppf(.8))**2 * (0.1*0.9 + 0.12*0.88) / 0.02**2) and the two-mean analogue.
    expect(proportionSampleSize(0.1, 0.02, 0.05, 0.8)).toBe(3839);
    expect(meanSampleSize(15, 5, 0.05, 0.8)).toBe(142);
  });
});

describe('shadow agreement', () => {
  const classes = ['a', 'b', 'c'];
  const segments = ['de', 'fr', 'it'];
  const pairs: ShadowPair[] = Array.from({ length: 300 }, (_, i) => {
    const segment = segments[i % 3]!;
    const champion = classes[(Math.floor(i / 3) + Math.floor(i / 7)) % 3]!;
    let candidate = champion;
    if (i % 10 === 0) candidate = classes[(classes.indexOf(champion) + 1) % 3]!;
    if (segment === 'it' && i % 4 === 1) candidate = 'a';
    return { recordId: `r${String(i).padStart(3, '0')}`, champion, candidate, segment: { country: segment } };
  });

  it('agreement, κ, per class and per segment match an independent computation', () => {
    // numpy: confusion matrix M, po = trace(M)/n, pe = Σ row·col / n², κ = (po − pe)/(1 − pe).
    const r = compareShadow(pairs);
    expect(r.agreementRate).toBeCloseTo(0.8433333333333334, 12);
    expect(r.kappa).toBeCloseTo(0.7650587353161709, 12);
    expect(r.perSegment['country=de']).toMatchObject({ n: 100, agreementRate: 0.9 });
    expect(r.perSegment['country=de']!.kappa).toBeCloseTo(0.8499174546000301, 12);
    expect(r.perSegment['country=fr']!.kappa).toBeCloseTo(0.8499399759903962, 12);
    expect(r.perSegment['country=it']!.agreementRate).toBeCloseTo(0.73, 12);
    expect(r.perSegment['country=it']!.kappa).toBeCloseTo(0.5954450104884627, 12);
    expect(r.perClass!.a!.n).toBe(99);
    expect(r.perClass!.b!.agreementRate).toBeCloseTo(0.8080808080808081, 12);
    expect(r.perClass!.c!.agreementRate).toBeCloseTo(0.8431372549019608, 12);
    expect(r.mostDisagreeing).toHaveLength(10);
    for (const d of r.mostDisagreeing) expect(d.champion).not.toBe(d.candidate);
  });

  it('regression: mean absolute difference and correlation (numpy)', () => {
    const reg: ShadowPair[] = Array.from({ length: 100 }, (_, i) => ({
      recordId: `r${i}`,
      champion: i * 0.5,
      candidate: i * 0.5 + ((i % 5) - 2) * 0.3,
      segment: null,
    }));
    const r = compareShadow(reg, 3);
    expect(r.task).toBe('regression');
    expect(r.meanAbsDifference).toBeCloseTo(0.36, 12);
    expect(r.correlation).toBeCloseTo(0.9995705094002587, 12);
    expect(r.mostDisagreeing.map((d) => d.difference)).toEqual(
      [0.6, 0.6, 0.6].map((x) => expect.closeTo(x, 12)),
    );
  });
});

describe('analysis verdicts', () => {
  it('a blatant error rate fails at a small sample; a small one at a small sample is insufficient, never a pass', () => {
    expect(judgeErrorRate(sample(100, 2), sample(900, 1), OPTIONS).verdict).toBe('fail');
    expect(judgeErrorRate(sample(100, 0), sample(900, 1), OPTIONS).verdict).toBe('insufficient_data');
    // one error in 100 is 1 % but not yet significant at alpha 0.01
    expect(judgeErrorRate(sample(100, 1), sample(900, 1), OPTIONS).verdict).toBe('insufficient_data');
    expect(judgeErrorRate(sample(400, 0), sample(900, 1), OPTIONS).verdict).toBe('pass');
  });

  it('prediction PSI follows the monitors’ three-way rule: a blatant shift in a small canary fails at once', () => {
    // 30 candidate predictions all "yes" against the champion's 1/3 "yes": PSI 6.6014 (ε 1e-4);
    // scipy: chi2.sf(6.6014·30·900/930, 1) = 1.4e-43.
    const shifted = { ...sample(30, 0), predictions: Array.from({ length: 30 }, () => 'yes') };
    const blatant = judgePredictionPsi(shifted, sample(900, 0), OPTIONS);
    expect(blatant.value.candidate).toBeCloseTo(6.601444547497699, 5); // stored to 6 decimals
    expect(blatant.verdict).toBe('fail');
    expect(blatant.pValue!).toBeLessThan(1e-40);
    expect(blatant.detail).toContain('significant');
    // The same 30 predictions in the champion's proportions: PSI 0, but 30 is below the minimum.
    expect(judgePredictionPsi(sample(30, 0), sample(900, 0), OPTIONS).verdict).toBe('insufficient_data');
    expect(judgePredictionPsi(sample(300, 0), sample(900, 0), OPTIONS).verdict).toBe('pass');
  });

  it('every metric of a healthy step passes once the samples suffice; latency over its threshold fails', () => {
    const ok = analyseStep(sample(300, 0), sample(900, 0), OPTIONS);
    expect(ok.filter((m) => m.blocking).map((m) => [m.metric, m.verdict])).toEqual([
      ['error_rate', 'pass'],
      ['latency_p95_ms', 'pass'],
      ['prediction_psi', 'pass'],
    ]);
    const slow = analyseStep(sample(300, 0, 60), sample(900, 0), {
      ...OPTIONS,
      thresholds: { ...OPTIONS.thresholds, latencyP95Ms: 50 },
    });
    expect(slow.find((m) => m.metric === 'latency_p95_ms')!.verdict).toBe('fail');
  });
});

describe('step decisions', () => {
  const base = {
    stepStartedAt: 0,
    holdSeconds: 300,
    maxWaitSeconds: 3600,
    lastStep: false,
    automaticRollback: true,
  };
  const pass = analyseStep(sample(300, 0), sample(900, 0), OPTIONS);
  const short = analyseStep(sample(20, 0), sample(900, 0), OPTIONS);
  const bad = analyseStep(sample(100, 5), sample(900, 0), OPTIONS);
  it.each([
    ['fail aborts at once, even before the hold', 10_000, bad, false, 'abort'],
    ['pass before the hold time holds', 100_000, pass, false, 'hold'],
    ['pass after the hold advances', 300_000, pass, false, 'advance'],
    ['pass after the hold of the last step completes', 300_000, pass, true, 'complete'],
    ['insufficient data holds', 600_000, short, false, 'hold'],
    ['insufficient data past maxWait pauses', 3_600_000, short, false, 'pause'],
  ] as const)('%s', (_, now, results, lastStep, kind) => {
    expect(decideStep({ ...base, now, results, lastStep }).kind).toBe(kind);
  });
  it('failureLimit: failures within the limit hold the step; one more aborts; counts carry over analyses', () => {
    const first = countFailures(bad, [], 1, {});
    const errors = first.find((m) => m.metric === 'error_rate')!;
    expect([errors.verdict, errors.failures, errors.failureLimit]).toEqual(['fail', 1, 1]);
    expect(decideStep({ ...base, now: 10_000, results: first }).kind).toBe('hold');
    // Even after the hold time a step with a tolerated failure does not advance.
    expect(decideStep({ ...base, now: 400_000, results: first }).kind).toBe('hold');
    const healthy = countFailures(pass, first, 1, {});
    expect(healthy.find((m) => m.metric === 'error_rate')!.failures).toBe(1);
    const second = countFailures(bad, healthy, 1, {});
    const decision = decideStep({ ...base, now: 20_000, results: second });
    expect(decision).toMatchObject({ kind: 'abort' });
    expect((decision as { reason: string }).reason).toContain('2 failed analyses, limit 1');
    // A per-metric limit overrides the default.
    const strict = countFailures(bad, [], 3, { error_rate: 0 });
    expect(decideStep({ ...base, now: 10_000, results: strict }).kind).toBe('abort');
  });
  it('a failure pauses instead of aborting where the tier does not roll back automatically', () => {
    expect(decideStep({ ...base, now: 1, results: bad, automaticRollback: false }).kind).toBe('pause');
  });
});

describe('plans and controls', () => {
  const size = () => 1000;
  it('fills omitted fields from the tier policy', () => {
    const plan = resolvePlan({ strategy: 'canary' }, POLICY, size);
    expect(plan.steps).toEqual([10, 25, 50, 100]);
    expect(plan.analysis).toMatchObject({ stepSeconds: 1800, intervalSeconds: 60 });
    expect(plan.analysis.thresholds).toMatchObject({ errorRate: 0.005, accuracyDrop: 0.005 });
    expect(resolvePlan({ strategy: 'shadow' }, POLICY, size).durationHours).toBe(72);
  });
  it.each([
    [[10, 5, 100], 'steps.1'],
    [[10, 150], 'steps.1'],
    [[0, 100], 'steps.0'],
    [[10, 50], 'steps.1'],
  ])('refuses steps %j naming %s', (steps, field) => {
    expect(() => resolvePlan({ strategy: 'canary', steps }, POLICY, size)).toThrow(
      expect.objectContaining({ field }) as Error,
    );
  });
  it('allows each control only where it makes sense', () => {
    expect(applyControl('progressing', 'pause')).toBe('paused');
    expect(applyControl('paused', 'resume')).toBe('progressing');
    expect(() => applyControl('aborted', 'resume')).toThrow(/cannot resume/);
    expect(() => applyControl('succeeded', 'abort')).toThrow(/cannot abort/);
  });
});

describe('routing', () => {
  const entry = (w: number): RouteEntry => ({
    model: 'm',
    champion: '1.0.0',
    rollout: { id: 'rol_1', strategy: 'canary', candidate: '1.1.0', candidateWeight: w, shadow: false },
  });
  it('is sticky: a key on the candidate stays there as the share grows, and shares match the weights', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
    let previous = new Set<string>();
    for (const w of [10, 25, 50, 100]) {
      const now = new Set(keys.filter((k) => decideRoute(entry(w), k).variant === 'candidate'));
      for (const k of previous) expect(now.has(k)).toBe(true);
      expect(now.size / keys.length).toBeCloseTo(w / 100, 1);
      previous = now;
    }
  });
  it('depends on the rollout id, and names the shadow target', () => {
    const differ = Array.from({ length: 100 }, (_, i) => `k${i}`).filter(
      (k) => routeBucket('rol_1', k) !== routeBucket('rol_2', k),
    );
    expect(differ.length).toBeGreaterThan(90);
    const shadow: RouteEntry = {
      ...entry(0),
      rollout: { ...entry(0).rollout!, strategy: 'shadow', shadow: true },
    };
    expect(decideRoute(shadow, 'x')).toEqual({
      version: '1.0.0',
      variant: 'champion',
      shadow: '1.1.0',
      rolloutId: 'rol_1',
    });
    expect(decideRoute({ model: 'm', champion: '2.0.0' }, 'x')).toEqual({
      version: '2.0.0',
      variant: 'champion',
    });
  });
});

/**
 * A/B test arithmetic, pure: the sample size per variant from the minimum detectable effect and
 * power, decided up front, and the final significance test with its effect size and confidence
 * interval — the two-proportion z-test for rates, Welch's t-test for continuous outcomes.
 */
import { normalQuantile, studentTQuantile } from '../stats/distributions/index.js';
import { twoProportionZTest, welchTTest } from '../stats/drift/index.js';

/**
 * Records per variant to detect an absolute change `mde` from the baseline rate `p` with a
 * two-sided test at `alpha` and the given power (normal approximation with the variances of both
 * rates: n = (z₁₋α/₂ + z_power)² · (p₁(1−p₁) + p₂(1−p₂)) / mde², rounded up).
 */
export function proportionSampleSize(p: number, mde: number, alpha: number, power: number): number {
  if (!(p > 0 && p < 1) || !(mde > 0) || !(p + mde < 1))
    throw new Error('need 0 < p, p + mde < 1 and mde > 0');
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  const p2 = p + mde;
  return Math.ceil((z * z * (p * (1 - p) + p2 * (1 - p2))) / (mde * mde));
}

/** Records per variant to detect a mean shift `mde` for an outcome with standard deviation `sd`. */
export function meanSampleSize(sd: number, mde: number, alpha: number, power: number): number {
  if (!(sd > 0) || !(mde > 0)) throw new Error('need sd > 0 and mde > 0');
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return Math.ceil((2 * z * z * sd * sd) / (mde * mde));
}

export interface AbResult {
  test: 'two-proportion-z' | 'welch-t';
  /** Candidate minus champion. */
  difference: number;
  statistic: number;
  pValue: number;
  /** Confidence interval of the difference. */
  ci: [number, number];
  confidence: number;
  /** Cohen's h for rates, Cohen's d (pooled sd) for means. */
  effectSize: number;
  significant: boolean;
  champion: { n: number; value: number };
  candidate: { n: number; value: number };
}

/**
 * Two-proportion z-test of the candidate's rate (x1 of n1) against the champion's (x2 of n2):
 * pooled z, two-sided p; unpooled (Wald) interval of p1 − p2; Cohen's h = 2·asin√p1 − 2·asin√p2.
 */
export function abProportionTest(x1: number, n1: number, x2: number, n2: number, alpha = 0.05): AbResult {
  const { statistic, pValue } = twoProportionZTest(x1, n1, x2, n2);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const z = normalQuantile(1 - alpha / 2);
  return {
    test: 'two-proportion-z',
    difference: p1 - p2,
    statistic,
    pValue,
    ci: [p1 - p2 - z * se, p1 - p2 + z * se],
    confidence: 1 - alpha,
    effectSize: 2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p2)),
    significant: pValue < alpha,
    champion: { n: n2, value: p2 },
    candidate: { n: n1, value: p1 },
  };
}

function meanVar(x: Float64Array): { mean: number; variance: number } {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  return { mean: m, variance: s / (x.length - 1) };
}

/**
 * Welch's t-test of the candidate's values against the champion's (as `scipy.stats.ttest_ind`
 * with `equal_var=False`), the Welch interval of the mean difference, and Cohen's d with the pooled sd.
 */
export function abMeanTest(candidate: Float64Array, champion: Float64Array, alpha = 0.05): AbResult {
  const t = welchTTest(candidate, champion);
  const a = meanVar(candidate);
  const b = meanVar(champion);
  const n1 = candidate.length;
  const n2 = champion.length;
  const se = Math.sqrt(a.variance / n1 + b.variance / n2);
  const q = studentTQuantile(1 - alpha / 2, t.df);
  const diff = a.mean - b.mean;
  const pooled = Math.sqrt(((n1 - 1) * a.variance + (n2 - 1) * b.variance) / (n1 + n2 - 2));
  return {
    test: 'welch-t',
    difference: diff,
    statistic: t.statistic,
    pValue: t.pValue,
    ci: [diff - q * se, diff + q * se],
    confidence: 1 - alpha,
    effectSize: pooled > 0 ? diff / pooled : 0,
    significant: t.pValue < alpha,
    champion: { n: n2, value: b.mean },
    candidate: { n: n1, value: a.mean },
  };
}

import { chi2Isf, chi2Sf, ncChi2Sf, normalSf } from '../../stats/distributions/index.js';
import type { CheckStatus } from '../monitoring.types.js';

/**
 * The three-way verdict of a statistic measured on samples, sound in both directions:
 *
 * - `alert` when the statistic is past the threshold AND significant against sampling noise
 *   (its p-value under "no change" is at most α);
 * - `ok` when the statistic is at or below the threshold AND the samples are large enough that a
 *   change of exactly the threshold is detectable: the test would flag it with probability at
 *   least {@link DETECTABLE_POWER} (the power rule); `warning` instead when it is also past the
 *   warning fraction of the threshold and significant;
 * - `insufficient_data` in the band where neither holds: past the threshold but within noise,
 *   or below it with too few records to have seen a change of the threshold's size.
 *
 * Callers report `insufficient_data` themselves, before this rule, when a side has fewer
 * records than the configured minimum.
 */

/** Power at the threshold the samples need before a value below the threshold counts as `ok`. */
export const DETECTABLE_POWER = 0.5;

/** Significance level of the monitors when neither the policy nor the model's config sets one. */
export const DEFAULT_MONITOR_ALPHA = 0.01;

/** Which branch of the rule decided. */
export type VerdictCase =
  /** Past the threshold and significant: `alert`. */
  | 'significant'
  /** At or below the threshold, with the threshold detectable: `ok` or `warning`. */
  | 'below_threshold'
  /** Past the threshold but within sampling noise: `insufficient_data`. */
  | 'not_significant'
  /** Below the threshold, but too few records to detect a change of the threshold's size. */
  | 'not_detectable';

/** What the rule needs: the statistic, its threshold, and the two probabilities. */
export interface VerdictEvidence {
  statistic: number;
  threshold: number;
  /** P(a statistic at least this large | no change). */
  pValue: number;
  /** P(the test flags a change | the true value is exactly the threshold), at `alpha`. */
  power: number;
  alpha: number;
  warningFraction: number;
}

/** Compares at 12 significant digits, as the other rules do, so 0.1 counts as 0.1. */
function round12(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(12)) : value;
}

/** The three-way verdict (see the module comment). */
export function threeWayVerdict(e: VerdictEvidence): { status: CheckStatus; case: VerdictCase } {
  if (Number.isNaN(e.statistic)) return { status: 'insufficient_data', case: 'not_detectable' };
  const value = round12(e.statistic);
  if (value > e.threshold) {
    return e.pValue <= e.alpha
      ? { status: 'alert', case: 'significant' }
      : { status: 'insufficient_data', case: 'not_significant' };
  }
  if (e.power < DETECTABLE_POWER) return { status: 'insufficient_data', case: 'not_detectable' };
  // Sampling noise alone lifts small samples into the warning band; a warning also needs evidence.
  const warning = e.threshold > 0 && value > round12(e.threshold * e.warningFraction) && e.pValue <= e.alpha;
  return { status: warning ? 'warning' : 'ok', case: 'below_threshold' };
}

/** A number for a check's detail: 4 significant digits, exponent form for tiny p-values. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 1e-4) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/**
 * Power of a chi-square test at level `alpha` against a noncentral alternative:
 * P(χ'²(df, λ) > χ²_{1−α}(df)). Far from the critical value the normal approximation of the
 * noncentral distribution is used (beyond 12 standard deviations, where the answer is 0 or 1).
 */
function chiSquarePower(df: number, lambda: number, alpha: number): number {
  const critical = chi2Isf(alpha, df);
  const z = (critical - (df + lambda)) / Math.sqrt(2 * (df + 2 * lambda));
  if (z < -12) return 1;
  if (z > 12) return 0;
  return ncChi2Sf(critical, df, lambda);
}

/** The PSI of two samples and what the verdict needs to judge it. */
export interface PsiSample {
  psi: number;
  threshold: number;
  /** Values in the window. */
  n: number;
  /** Values in the reference. */
  m: number;
  /** Bins (or categories) the PSI was computed over; degrees of freedom are bins − 1. */
  bins: number;
  alpha: number;
  warningFraction: number;
  /**
   * A homogeneity test's p-value for the same counts (Pearson's, for categories), used instead
   * of the PSI's chi-square approximation when given.
   */
  pValue?: number | null;
}

/** The PSI verdict with the numbers behind it. */
export interface PsiVerdict {
  status: CheckStatus;
  case: VerdictCase;
  /** Expected PSI of two samples of one distribution, (bins − 1)·(1/n + 1/m). */
  noiseFloor: number;
  pValue: number;
  /** Where the p-value came from. */
  pSource: 'psi-chi2' | 'homogeneity';
  power: number;
  /** Smallest PSI significant at α at these sample sizes, χ²_{1−α}(bins − 1)·(1/n + 1/m). */
  criticalPsi: number;
  /** One sentence stating the case and the numbers. */
  detail: string;
}

/**
 * PSI of two samples of one distribution is not 0: PSI·nm/(n+m) is approximately chi-square
 * with bins − 1 degrees of freedom (PSI is locally the chi-square divergence of the two
 * histograms), so its mean, the noise floor, is (bins − 1)·(1/n + 1/m).
 */
export function psiNoiseFloor(bins: number, n: number, m: number): number {
  return Math.max(0, bins - 1) * (1 / n + 1 / m);
}

/**
 * Judges a PSI against its threshold and sampling noise with {@link threeWayVerdict}. The
 * p-value is P(χ²(bins − 1) > PSI·nm/(n+m)) (or the homogeneity test's, when given); the power
 * is that of the same test when the true PSI equals the threshold, P(χ'²(bins − 1, λ) > χ²_{1−α})
 * with noncentrality λ = threshold·nm/(n+m).
 */
export function judgePsiAgainstNoise(s: PsiSample): PsiVerdict {
  const df = Math.max(1, s.bins - 1);
  const scale = (s.n * s.m) / (s.n + s.m);
  const noiseFloor = psiNoiseFloor(df + 1, s.n, s.m);
  const pSource = s.pValue !== undefined && s.pValue !== null ? 'homogeneity' : 'psi-chi2';
  const pValue = pSource === 'homogeneity' ? s.pValue! : chi2Sf(s.psi * scale, df);
  const power = chiSquarePower(df, s.threshold * scale, s.alpha);
  const criticalPsi = chi2Isf(s.alpha, df) / scale;
  const verdict = threeWayVerdict({
    statistic: s.psi,
    threshold: s.threshold,
    pValue,
    power,
    alpha: s.alpha,
    warningFraction: s.warningFraction,
  });
  const f = formatNumber;
  const test =
    pSource === 'homogeneity'
      ? `homogeneity p-value ${f(pValue)}`
      : `p-value ${f(pValue)} (PSI·nm/(n+m) = ${f(s.psi * scale)} against χ² with ${df} df)`;
  const numbers = `noise floor ${f(noiseFloor)}, n ${s.n} in the window, m ${s.m} in the reference`;
  const reason: Record<VerdictCase, string> = {
    significant: `PSI ${f(s.psi)} > threshold ${f(s.threshold)} and significant: ${test} ≤ α ${f(s.alpha)}`,
    not_significant: `PSI ${f(s.psi)} > threshold ${f(s.threshold)} but within sampling noise: ${test} > α ${f(s.alpha)} (significant from PSI ${f(criticalPsi)})`,
    below_threshold: `PSI ${f(s.psi)} ≤ threshold ${f(s.threshold)}, which is detectable: power ${f(power)} ≥ ${DETECTABLE_POWER} to flag a PSI of ${f(s.threshold)} at α ${f(s.alpha)}; ${test}`,
    not_detectable: `PSI ${f(s.psi)} ≤ threshold ${f(s.threshold)}, but too few records to detect a PSI of ${f(s.threshold)}: power ${f(power)} < ${DETECTABLE_POWER} at α ${f(s.alpha)}; ${test}`,
  };
  return {
    status: verdict.status,
    case: verdict.case,
    noiseFloor,
    pValue,
    pSource,
    power,
    criticalPsi,
    detail: `${reason[verdict.case]}; ${numbers}`,
  };
}

/** A change measured against a fixed baseline, with the standard error of its estimate. */
export interface ChangeSample {
  /** The observed change in the direction that is bad (e.g. accuracy decay), in the threshold's unit. */
  change: number;
  threshold: number;
  /** Standard error of the change under no change, in the same unit; 0 when it has no noise. */
  standardError: number;
  alpha: number;
  warningFraction: number;
}

/**
 * Judges a change (a metric's decay, a difference between groups) with {@link threeWayVerdict},
 * by a one-sided z test: p-value P(Z > change/se); power P(Z > z_{1−α} − threshold/se), which
 * reaches 1/2 exactly when threshold/se ≥ z_{1−α}.
 */
export function judgeChangeAgainstNoise(s: ChangeSample): {
  status: CheckStatus;
  case: VerdictCase;
  pValue: number;
  power: number;
} {
  const se = s.standardError;
  const pValue = se > 0 ? normalSf(s.change / se) : s.change > 0 ? 0 : 1;
  let power: number;
  if (se > 0) {
    // z_{1−α} by bisection on the normal tail (monotone).
    let lo = -40;
    let hi = 40;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (normalSf(mid) > s.alpha) lo = mid;
      else hi = mid;
    }
    power = normalSf((lo + hi) / 2 - s.threshold / se);
  } else power = 1;
  const verdict = threeWayVerdict({
    statistic: s.change,
    threshold: s.threshold,
    pValue,
    power,
    alpha: s.alpha,
    warningFraction: s.warningFraction,
  });
  return { ...verdict, pValue, power };
}

import {
  binomialCriticalCount,
  binomialUpperTail,
  chi2Isf,
  chi2Sf,
  ncChi2Sf,
  normalQuantile,
  normalSf,
} from '../../stats/distributions/index.js';
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
  /** What the change is, for the detail ("accuracy decay (points)"); default "change". */
  name?: string;
}

/** The verdict of a change with the numbers behind it. */
export interface ChangeVerdict {
  status: CheckStatus;
  case: VerdictCase;
  /** One-sided p-value of the change under "no change". */
  pValue: number;
  /** Probability of flagging a change of exactly the threshold at α. */
  power: number;
  /** Smallest change significant at α with this standard error, z_{1−α}·se. */
  criticalChange: number;
  /** One sentence stating the case and the numbers. */
  detail: string;
}

/**
 * Judges a change (a metric's decay, a difference between groups) with {@link threeWayVerdict},
 * by a one-sided z test: p-value P(Z > change/se); power P(Z > z_{1−α} − threshold/se), which
 * reaches 1/2 exactly when threshold/se ≥ z_{1−α}, so a value below the threshold counts as `ok`
 * once the standard error is at most threshold/z_{1−α}.
 */
export function judgeChangeAgainstNoise(s: ChangeSample): ChangeVerdict {
  const se = s.standardError;
  const zCritical = normalQuantile(1 - s.alpha);
  const pValue = se > 0 ? normalSf(s.change / se) : s.change > 0 ? 0 : 1;
  const power = se > 0 ? normalSf(zCritical - s.threshold / se) : 1;
  const criticalChange = zCritical * se;
  const verdict = threeWayVerdict({
    statistic: s.change,
    threshold: s.threshold,
    pValue,
    power,
    alpha: s.alpha,
    warningFraction: s.warningFraction,
  });
  const f = formatNumber;
  const name = s.name ?? 'change';
  const test =
    se > 0 ? `p-value ${f(pValue)} (z = ${f(s.change / se)}, standard error ${f(se)})` : 'no sampling noise';
  const reason: Record<VerdictCase, string> = {
    significant: `${name} ${f(s.change)} > threshold ${f(s.threshold)} and significant: ${test} ≤ α ${f(s.alpha)}`,
    not_significant: `${name} ${f(s.change)} > threshold ${f(s.threshold)} but within sampling noise: ${test} > α ${f(s.alpha)} (significant from ${f(criticalChange)})`,
    below_threshold: `${name} ${f(s.change)} ≤ threshold ${f(s.threshold)}, which is detectable: power ${f(power)} ≥ ${DETECTABLE_POWER} to flag ${f(s.threshold)} at α ${f(s.alpha)}; ${test}`,
    not_detectable: `${name} ${f(s.change)} ≤ threshold ${f(s.threshold)}, but too few records to detect ${f(s.threshold)}: power ${f(power)} < ${DETECTABLE_POWER} at α ${f(s.alpha)}; ${test}`,
  };
  return { ...verdict, pValue, power, criticalChange, detail: reason[verdict.case] };
}

/**
 * Standard error of a proportion's change from a fixed baseline p0 over n records, under "no
 * change": √(p0(1 − p0)/n).
 */
export function proportionStandardError(p0: number, n: number): number {
  return n > 0 ? Math.sqrt(Math.max(0, p0 * (1 - p0)) / n) : Number.POSITIVE_INFINITY;
}

/**
 * Standard error of the difference of two proportions under "both equal", pooled:
 * √(p̄(1 − p̄)(1/n1 + 1/n2)) with p̄ = (x1 + x2)/(n1 + n2).
 */
export function pooledDifferenceStandardError(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return Number.POSITIVE_INFINITY;
  const p = (x1 + x2) / (n1 + n2);
  return Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
}

/** Events among records, judged against a limit on their rate (an error-rate SLA). */
export interface RateLimitSample {
  events: number;
  n: number;
  /** The highest acceptable rate, in percent. */
  limitPct: number;
  alpha: number;
  warningFraction: number;
  /** What the rate is, for the detail ("error rate"); default "rate". */
  name?: string;
}

/** The verdict of a rate against its limit, with the numbers behind it. */
export interface RateLimitVerdict {
  status: CheckStatus;
  case: VerdictCase;
  /** The observed rate, in percent. */
  ratePct: number;
  /**
   * One-sided exact binomial p-value: P(X ≥ events | rate = limit) when the rate is past the
   * limit, P(X ≥ events | rate = warningFraction·limit) otherwise.
   */
  pValue: number;
  /** Probability that the test flags a true rate of twice the limit, at α. */
  power: number;
  /** Fewest events that are significantly past the limit at these records. */
  criticalEvents: number;
  detail: string;
}

/**
 * Judges a rate against an upper limit with {@link threeWayVerdict}, by an exact one-sided
 * binomial test of "the rate is at most the limit": p = P(X ≥ events) for X ~ Binomial(n, limit).
 * A rate past the limit alerts only when that p is at most α. A rate within the limit counts as
 * `ok` once the records could have shown a breach of the limit's size: the test would flag a true
 * rate of twice the limit with probability at least {@link DETECTABLE_POWER}. It is a `warning`
 * when it is also past `warningFraction` of the limit and significantly so (the same test against
 * that fraction). A limit of 0 has no sampling noise: any event alerts.
 */
export function judgeRateAgainstLimit(s: RateLimitSample): RateLimitVerdict {
  const f = formatNumber;
  const name = s.name ?? 'rate';
  const ratePct = s.n > 0 ? (s.events / s.n) * 100 : Number.NaN;
  const limit = s.limitPct / 100;
  const counts = `${s.events} of ${s.n} records`;
  if (limit <= 0) {
    const status: CheckStatus = s.events > 0 ? 'alert' : 'ok';
    return {
      status,
      case: status === 'alert' ? 'significant' : 'below_threshold',
      ratePct,
      pValue: s.events > 0 ? 0 : 1,
      power: 1,
      criticalEvents: 1,
      detail: `${name} ${f(ratePct)} % (${counts}) against a limit of 0 %`,
    };
  }
  const pAbove = binomialUpperTail(s.events, s.n, limit);
  const criticalEvents = binomialCriticalCount(s.n, limit, s.alpha);
  const power = binomialUpperTail(criticalEvents, s.n, Math.min(1, 2 * limit));
  const pWarn = binomialUpperTail(s.events, s.n, s.warningFraction * limit);
  const past = ratePct > s.limitPct;
  const pValue = past ? pAbove : pWarn;
  const verdict = threeWayVerdict({
    statistic: ratePct,
    threshold: s.limitPct,
    pValue,
    power,
    alpha: s.alpha,
    warningFraction: s.warningFraction,
  });
  const test = `one-sided binomial p-value ${f(pAbove)} against ${f(s.limitPct)} %`;
  const significantFrom = `significant from ${criticalEvents} events`;
  const reason: Record<VerdictCase, string> = {
    significant: `${name} ${f(ratePct)} % (${counts}) > limit ${f(s.limitPct)} % and significant: ${test} ≤ α ${f(s.alpha)}`,
    not_significant: `${name} ${f(ratePct)} % (${counts}) > limit ${f(s.limitPct)} % but within sampling noise: ${test} > α ${f(s.alpha)} (${significantFrom})`,
    below_threshold:
      `${name} ${f(ratePct)} % (${counts}) ≤ limit ${f(s.limitPct)} %, which is detectable: power ${f(power)} ≥ ${DETECTABLE_POWER} to flag a rate of ${f(2 * s.limitPct)} % at α ${f(s.alpha)}` +
      (verdict.status === 'warning'
        ? `; past ${f(s.warningFraction * s.limitPct)} % (the warning band) with p-value ${f(pWarn)}`
        : ''),
    not_detectable: `${name} ${f(ratePct)} % (${counts}) ≤ limit ${f(s.limitPct)} %, but too few records to detect a rate of ${f(2 * s.limitPct)} %: power ${f(power)} < ${DETECTABLE_POWER} at α ${f(s.alpha)} (${significantFrom})`,
  };
  return { ...verdict, ratePct, pValue, power, criticalEvents, detail: reason[verdict.case] };
}

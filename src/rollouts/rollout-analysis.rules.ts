/**
 * Live analysis of a rollout step, pure: candidate against champion over the same interval, one
 * verdict per metric. A verdict is `pass`, `fail` or `insufficient_data`; too few samples is never
 * a pass, but a failure that is already significant at a small sample (a candidate failing 2 % of
 * its requests where the champion fails 0.1 %) fails at once. The prediction PSI is judged by the
 * monitors' own three-way rule ({@link judgePsiAgainstNoise}), with the champion as reference.
 */
import { judgePsiAgainstNoise } from '../monitoring/index.js';
import { normalSf } from '../stats/distributions/index.js';
import { populationStabilityIndex, quantileEdges, twoProportionZTest } from '../stats/drift/index.js';

export type Verdict = 'pass' | 'fail' | 'insufficient_data';

/** What the analysis needs of one variant's records over the interval. */
export interface VariantSample {
  /** Records. */
  n: number;
  /** Records flagged as errors. */
  errors: number;
  /** Latencies (ms) of the records that reported one. */
  latencies: Float64Array;
  /** Records with a label, and how many of them the prediction got right. */
  labelled: number;
  correct: number;
  /** Predictions (class labels or numbers), for the prediction-distribution PSI. */
  predictions: ReadonlyArray<string | number | boolean>;
  /**
   * Per custom metric (by name), one value per record that carries its source: the number
   * (`score`, `latencyMs`), or 1/0 for a record flagged or not (`signals.<name>`, `feedback.down`).
   */
  custom?: Readonly<Record<string, Float64Array>>;
}

/**
 * A custom metric of the analysis: a record value aggregated per variant over the interval and
 * judged against an absolute limit (`maxValue`), an increase over the champion (`maxIncrease`),
 * or both (the lower limit holds).
 */
export interface CustomMetric {
  name: string;
  /** `signals.<name>` or `feedback.down` (aggregate `rate`); `score` or `latencyMs` (`mean` or `p95`). */
  signal: string;
  aggregate: 'rate' | 'mean' | 'p95';
  maxValue?: number;
  maxIncrease?: number;
  failureLimit?: number;
}

/** Thresholds of one rollout's analysis (fractions, not percent). */
export interface AnalysisThresholds {
  /** Highest acceptable candidate error rate (0.005 = 0.5 %). */
  errorRate: number;
  /** Highest acceptable candidate p95 latency; unset: 1.5 × the champion's p95. */
  latencyP95Ms?: number;
  /** Highest acceptable candidate p99 latency; unset: not judged (reported). */
  latencyP99Ms?: number;
  /** Largest acceptable accuracy drop against the champion (0.005 = 0.5 points). */
  accuracyDrop: number;
  /** Largest acceptable PSI between the candidate's and the champion's predictions. */
  predictionPsi: number;
}

export interface AnalysisOptions {
  thresholds: AnalysisThresholds;
  minSamplesPerVariant: number;
  /** Significance level of the early-failure tests (one-sided). */
  alpha: number;
  /** Whether accuracy must reach its sample size before a step may pass (labels can lag). */
  requireLabels: boolean;
  /** False when the champion takes no traffic (blue-green after the switch): judge against thresholds only. */
  championServes: boolean;
}

/** One metric of one analysis, as stored and shown. */
export interface MetricResult {
  metric: string;
  /** Sample count per variant the value rests on. */
  counts: { champion: number; candidate: number };
  value: { champion: number | null; candidate: number | null };
  threshold: number | null;
  verdict: Verdict;
  /** Whether the verdict gates the step (an advisory metric is reported but never holds it). */
  blocking: boolean;
  /** One-sided p-value of the failure test, where there is one. */
  pValue?: number;
  /** How the verdict was reached, with its numbers, where a sentence helps. */
  detail?: string;
  /** Analyses of this rollout in which the metric failed so far, this one included. */
  failures?: number;
  /** Failed analyses the metric tolerates before the rollout aborts (0: the first failure aborts). */
  failureLimit?: number;
}

/**
 * Counts each metric's failures over the rollout's analyses (the previous analysis carries the
 * count) and attaches its limit: `limits[metric]`, else `defaultLimit`.
 */
export function countFailures(
  results: readonly MetricResult[],
  previous: readonly MetricResult[],
  defaultLimit: number,
  limits: Readonly<Record<string, number>>,
): MetricResult[] {
  return results.map((r) => {
    const before = previous.find((p) => p.metric === r.metric)?.failures ?? 0;
    return {
      ...r,
      failures: before + (r.verdict === 'fail' ? 1 : 0),
      failureLimit: limits[r.metric] ?? defaultLimit,
    };
  });
}

/** Whether a failing metric has used up its failure limit (a result without a count: its first failure). */
export function breachesLimit(r: MetricResult): boolean {
  return r.verdict === 'fail' && (r.failures ?? 1) > (r.failureLimit ?? 0);
}

function round(x: number | null, digits = 6): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Percentile (linear interpolation, as numpy's default) of unsorted values; null when empty. */
export function percentile(values: Float64Array, q: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * One-sided p-value that proportion a (x1 of n1) is above proportion b (x2 of n2), from the
 * pooled two-proportion z statistic; 1 when either sample is empty.
 */
export function worseThanP(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  return normalSf(twoProportionZTest(x1, n1, x2, n2).statistic);
}

/** One-sided p-value that x of n is above the proportion p0 (normal approximation); 1 when p0 ≤ 0 or n = 0. */
export function aboveP(x: number, n: number, p0: number): number {
  if (n === 0 || !(p0 > 0 && p0 < 1)) return x > 0 && p0 <= 0 && n > 0 ? 0 : 1;
  return normalSf((x / n - p0) / Math.sqrt((p0 * (1 - p0)) / n));
}

/** Error rate: fails once it is above the threshold and significantly worse than the champion or the threshold. */
export function judgeErrorRate(c: VariantSample, k: VariantSample, o: AnalysisOptions): MetricResult {
  const t = o.thresholds.errorRate;
  const rc = c.n > 0 ? c.errors / c.n : null;
  const rk = k.n > 0 ? k.errors / k.n : null;
  const p = Math.min(
    o.championServes ? worseThanP(c.errors, c.n, k.errors, k.n) : 1,
    aboveP(c.errors, c.n, t),
  );
  const enough = c.n >= o.minSamplesPerVariant && (!o.championServes || k.n >= o.minSamplesPerVariant);
  let verdict: Verdict;
  if (rc !== null && rc > t && p < o.alpha) verdict = 'fail';
  else if (!enough) verdict = 'insufficient_data';
  else verdict = rc! > t ? 'fail' : 'pass';
  return {
    metric: 'error_rate',
    counts: { champion: k.n, candidate: c.n },
    value: { champion: round(rk), candidate: round(rc) },
    threshold: t,
    verdict,
    blocking: true,
    pValue: round(p, 12)!,
  };
}

/** Latency at one percentile against an absolute threshold (or 1.5 × the champion's, at p95). */
export function judgeLatency(
  c: VariantSample,
  k: VariantSample,
  o: AnalysisOptions,
  q: 0.95 | 0.99,
): MetricResult {
  const pc = percentile(c.latencies, q);
  const pk = percentile(k.latencies, q);
  const given = q === 0.95 ? o.thresholds.latencyP95Ms : o.thresholds.latencyP99Ms;
  const threshold = given ?? (q === 0.95 && pk !== null && o.championServes ? pk * 1.5 : null);
  const enough =
    c.latencies.length >= o.minSamplesPerVariant &&
    (!o.championServes || k.latencies.length >= o.minSamplesPerVariant);
  let verdict: Verdict = 'insufficient_data';
  if (enough && pc !== null) verdict = threshold !== null && pc > threshold ? 'fail' : 'pass';
  return {
    metric: q === 0.95 ? 'latency_p95_ms' : 'latency_p99_ms',
    counts: { champion: k.latencies.length, candidate: c.latencies.length },
    value: { champion: round(pk, 3), candidate: round(pc, 3) },
    threshold: round(threshold, 3),
    verdict,
    // p99 without a threshold is only reported.
    blocking: threshold !== null,
  };
}

/** Accuracy on labelled records: fails when the drop passes the threshold and is significant. */
export function judgeAccuracy(c: VariantSample, k: VariantSample, o: AnalysisOptions): MetricResult {
  const ac = c.labelled > 0 ? c.correct / c.labelled : null;
  const ak = k.labelled > 0 ? k.correct / k.labelled : null;
  const t = o.thresholds.accuracyDrop;
  const p = worseThanP(c.labelled - c.correct, c.labelled, k.labelled - k.correct, k.labelled);
  const enough = c.labelled >= o.minSamplesPerVariant && k.labelled >= o.minSamplesPerVariant;
  const drop = ac !== null && ak !== null ? ak - ac : null;
  let verdict: Verdict;
  if (drop !== null && drop > t && p < o.alpha) verdict = 'fail';
  else if (!enough) verdict = 'insufficient_data';
  else verdict = drop! > t ? 'fail' : 'pass';
  return {
    metric: 'accuracy',
    counts: { champion: k.labelled, candidate: c.labelled },
    value: { champion: round(ak), candidate: round(ac) },
    threshold: t,
    verdict,
    blocking: o.requireLabels,
    pValue: round(p, 12)!,
  };
}

/**
 * PSI between the candidate's and the champion's predictions, with the bins it was computed
 * over: class shares for labels, the champion's deciles for numbers (the champion is the
 * reference).
 */
export function predictionPsi(
  candidate: ReadonlyArray<string | number | boolean>,
  champion: ReadonlyArray<string | number | boolean>,
): { psi: number; bins: number } | null {
  if (candidate.length === 0 || champion.length === 0) return null;
  if (champion.every((v) => typeof v === 'number') && candidate.every((v) => typeof v === 'number')) {
    const ref = Float64Array.from(champion as number[]).sort();
    const edges = quantileEdges(ref, 10);
    const bin = (values: ArrayLike<number>) => {
      const counts = new Float64Array(edges.length + 1);
      for (let i = 0; i < values.length; i++) {
        let b = 0;
        while (b < edges.length && values[i]! > edges[b]!) b++;
        counts[b]!++;
      }
      return counts;
    };
    return { psi: populationStabilityIndex(bin(ref), bin(candidate)), bins: edges.length + 1 };
  }
  const classes = [...new Set([...champion, ...candidate].map(String))].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const count = (values: ReadonlyArray<string | number | boolean>) => {
    const counts = new Float64Array(classes.length);
    for (const v of values) counts[index.get(String(v))!]!++;
    return counts;
  };
  return { psi: populationStabilityIndex(count(champion), count(candidate)), bins: classes.length };
}

/**
 * Prediction PSI by the three-way rule: a PSI past the threshold and significant against
 * sampling noise fails at any sample size; a pass needs the minimum sample on both sides and a
 * PSI below the threshold at sizes where a PSI of the threshold is detectable.
 */
export function judgePredictionPsi(c: VariantSample, k: VariantSample, o: AnalysisOptions): MetricResult {
  const n = c.predictions.length;
  const m = k.predictions.length;
  const enough = n >= o.minSamplesPerVariant && m >= o.minSamplesPerVariant;
  const measured = predictionPsi(c.predictions, k.predictions);
  const result = {
    metric: 'prediction_psi',
    counts: { champion: m, candidate: n },
    threshold: o.thresholds.predictionPsi,
    blocking: o.championServes,
  };
  if (measured === null) {
    return { ...result, value: { champion: 0, candidate: null }, verdict: 'insufficient_data' };
  }
  const judged = judgePsiAgainstNoise({
    psi: measured.psi,
    threshold: o.thresholds.predictionPsi,
    n,
    m,
    bins: measured.bins,
    alpha: o.alpha,
    warningFraction: 1,
  });
  let verdict: Verdict;
  if (judged.status === 'alert') verdict = 'fail';
  else if (!enough || judged.status === 'insufficient_data') verdict = 'insufficient_data';
  else verdict = 'pass';
  return {
    ...result,
    value: { champion: 0, candidate: round(measured.psi) },
    verdict,
    pValue: round(judged.pValue, 12)!,
    detail: judged.detail,
  };
}

function aggregate(values: Float64Array, how: CustomMetric['aggregate']): number | null {
  if (values.length === 0) return null;
  if (how === 'p95') return percentile(values, 0.95);
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * A custom metric for candidate against champion. The candidate needs the minimum sample; the
 * champion too where its value sets the limit (`maxIncrease` while it serves). Where the champion
 * serves nobody, `maxIncrease` is judged only against a champion sample of the minimum size (a
 * blue-green baseline). A rate above `maxValue` that is significant at `alpha` fails at any
 * sample size, like the error rate.
 */
export function judgeCustom(
  m: CustomMetric,
  c: VariantSample,
  k: VariantSample,
  o: AnalysisOptions,
): MetricResult {
  const cv = c.custom?.[m.name] ?? new Float64Array(0);
  const kv = k.custom?.[m.name] ?? new Float64Array(0);
  const vc = aggregate(cv, m.aggregate);
  const vk = aggregate(kv, m.aggregate);
  const championEnough = kv.length >= o.minSamplesPerVariant;
  const relative = m.maxIncrease !== undefined && (o.championServes || championEnough);
  const enough = cv.length >= o.minSamplesPerVariant && (!relative || championEnough);
  const limits: number[] = [];
  if (m.maxValue !== undefined) limits.push(m.maxValue);
  if (relative && vk !== null) limits.push(vk + m.maxIncrease!);
  const limit = limits.length > 0 ? Math.min(...limits) : null;
  let pValue: number | undefined;
  let verdict: Verdict = 'insufficient_data';
  if (m.aggregate === 'rate' && m.maxValue !== undefined && vc !== null) {
    let flagged = 0;
    for (const v of cv) flagged += v;
    pValue = aboveP(flagged, cv.length, m.maxValue);
    if (vc > m.maxValue && pValue < o.alpha) verdict = 'fail';
  }
  if (verdict !== 'fail' && enough && vc !== null) verdict = limit !== null && vc > limit ? 'fail' : 'pass';
  const parts = [
    m.maxValue !== undefined ? `max ${m.maxValue}` : null,
    m.maxIncrease !== undefined
      ? relative
        ? `champion + ${m.maxIncrease}`
        : `champion + ${m.maxIncrease} (not judged: no champion sample)`
      : null,
  ].filter((x) => x !== null);
  return {
    metric: `custom:${m.name}`,
    counts: { champion: kv.length, candidate: cv.length },
    value: { champion: round(vk), candidate: round(vc) },
    threshold: round(limit),
    verdict,
    blocking: true,
    ...(pValue !== undefined ? { pValue: round(pValue, 12)! } : {}),
    detail: `${m.aggregate} of ${m.signal}; limit ${parts.join(', ')}`,
  };
}

/** Every metric of one step's analysis. */
export function analyseStep(
  candidate: VariantSample,
  champion: VariantSample,
  o: AnalysisOptions,
  custom: readonly CustomMetric[] = [],
): MetricResult[] {
  return [
    judgeErrorRate(candidate, champion, o),
    judgeLatency(candidate, champion, o, 0.95),
    judgeLatency(candidate, champion, o, 0.99),
    judgeAccuracy(candidate, champion, o),
    judgePredictionPsi(candidate, champion, o),
    ...custom.map((m) => judgeCustom(m, candidate, champion, o)),
  ];
}

/** The step's overall verdict: any failure fails; every blocking metric must pass for a pass. */
export function overallVerdict(results: readonly MetricResult[]): Verdict {
  if (results.some((r) => r.verdict === 'fail')) return 'fail';
  return results.every((r) => !r.blocking || r.verdict === 'pass') ? 'pass' : 'insufficient_data';
}

import { createSeededRandom } from './seeded-random.js';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  confidence?: number;
  /** Seed of the resampling stream: a non-negative safe integer. Same seed, same interval. */
  seed: number;
  /**
   * Stratum of each row (length n). When given, every resample draws, within each stratum,
   * as many rows as the stratum holds, so class balance is kept (e.g. pass the labels).
   */
  strata?: ArrayLike<number | string>;
}

export interface BootstrapResult {
  /** The metric on all rows (indices 0..n−1 in order). */
  estimate: number;
  /** Lower percentile bound; null when no resample gave a finite value. */
  lower: number | null;
  /** Upper percentile bound; null when no resample gave a finite value. */
  upper: number | null;
  confidence: number;
  resamples: number;
  /** Resamples whose metric value was finite and entered the percentiles. */
  used: number;
  seed: number;
  stratified: boolean;
  method: 'percentile';
}

/** Percentile with linear interpolation between order statistics (NumPy's default). */
function percentile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

/**
 * Percentile bootstrap confidence interval of any metric over n rows. `metric` receives the
 * row indices of one resample (drawn with replacement; a fresh array per call) and returns
 * the metric's value. The interval is [P(α/2), P(1 − α/2)] of the resampled values with
 * α = 1 − confidence, percentiles interpolated linearly as NumPy does. Resamples whose value
 * is not finite (e.g. an AUC of a resample with one class) are left out and counted in
 * `resamples − used`. Deterministic: the same inputs and seed give the same result.
 *
 * @example
 * // Paired interval of an AUC difference between a candidate and the production model,
 * // resampling rows within each class.
 * const take = (xs: Float64Array, idx: Uint32Array) => Float64Array.from(idx, (i) => xs[i]!);
 * const ci = bootstrapCi(labels.length, (idx) => {
 *   const y = Uint8Array.from(idx, (i) => labels[i]!);
 *   return (rocAuc(y, take(candidate, idx)) ?? NaN) - (rocAuc(y, take(production, idx)) ?? NaN);
 * }, { seed: 7, strata: labels });
 */
export function bootstrapCi(
  n: number,
  metric: (indices: Uint32Array) => number,
  options: BootstrapOptions,
): BootstrapResult {
  const fn = 'bootstrapCi';
  const resamples = options.resamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 32)
    throw new RangeError(`${fn}: n must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(resamples) || resamples < 1) {
    throw new RangeError(`${fn}: resamples must be a positive integer, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`${fn}: confidence must be in (0, 1), got ${confidence}`);
  const random = createSeededRandom(options.seed);

  let groups: Uint32Array[] = [];
  if (options.strata !== undefined) {
    const strata = options.strata;
    if (strata.length !== n) throw new RangeError(`${fn}: strata has ${strata.length} rows but n is ${n}`);
    const members = new Map<number | string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = strata[i] as number | string;
      let list = members.get(key);
      if (list === undefined) {
        list = [];
        members.set(key, list);
      }
      list.push(i);
    }
    groups = [...members.values()].map((list) => Uint32Array.from(list));
  }

  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const estimate = metric(all);

  const values = new Float64Array(resamples);
  let used = 0;
  for (let r = 0; r < resamples; r++) {
    const indices = new Uint32Array(n);
    if (options.strata === undefined) {
      for (let i = 0; i < n; i++) indices[i] = random.nextInt(n);
    } else {
      let k = 0;
      for (const group of groups) {
        for (let i = 0; i < group.length; i++) indices[k++] = group[random.nextInt(group.length)] as number;
      }
    }
    const value = metric(indices);
    if (Number.isFinite(value)) values[used++] = value;
  }

  const alpha = 1 - confidence;
  const sorted = values.subarray(0, used).sort();
  return {
    estimate,
    lower: used === 0 ? null : percentile(sorted, alpha / 2),
    upper: used === 0 ? null : percentile(sorted, 1 - alpha / 2),
    confidence,
    resamples,
    used,
    seed: options.seed,
    stratified: options.strata !== undefined,
    method: 'percentile',
  };
}

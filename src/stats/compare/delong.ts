import { normalTwoSidedPValue } from './tails.js';

export interface DeLongResult {
  positives: number;
  negatives: number;
  auc1: number;
  auc2: number;
  /** auc1 − auc2. */
  difference: number;
  /** DeLong variance of auc1. */
  variance1: number;
  /** DeLong variance of auc2. */
  variance2: number;
  /** DeLong covariance of auc1 and auc2. */
  covariance: number;
  /** Variance of the difference: variance1 + variance2 − 2·covariance. */
  variance: number;
  /** difference / √variance. */
  z: number;
  /** Two-sided p-value of equal AUCs, 2·(1 − Φ(|z|)) computed as erfc(|z|/√2). */
  pValue: number;
}

/** Structural components of one model: V10 per positive, V01 per negative, and the AUC. */
interface Components {
  v10: Float64Array;
  v01: Float64Array;
  auc: number;
}

/** Number of values in ascending `sorted` that are < x (strict) or <= x. */
function rank(sorted: Float64Array, x: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v < x || (inclusive && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function components(pos: Float64Array, neg: Float64Array): Components {
  const m = pos.length;
  const n = neg.length;
  const sortedPos = Float64Array.from(pos).sort();
  const sortedNeg = Float64Array.from(neg).sort();
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  // Doubled counts stay integers, so the AUC below is exact up to one division.
  let doubledWins = 0;
  for (let i = 0; i < m; i++) {
    const x = pos[i] as number;
    const twice = rank(sortedNeg, x, false) + rank(sortedNeg, x, true);
    doubledWins += twice;
    v10[i] = twice / (2 * n);
  }
  for (let j = 0; j < n; j++) {
    const y = neg[j] as number;
    v01[j] = (2 * m - rank(sortedPos, y, false) - rank(sortedPos, y, true)) / (2 * m);
  }
  return { v10, v01, auc: doubledWins / (2 * m * n) };
}

/** Sample covariance (n − 1 denominator) of two equally long arrays. */
function covariance(a: Float64Array, b: Float64Array): number {
  const k = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < k; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= k;
  mb /= k;
  let s = 0;
  for (let i = 0; i < k; i++) s += ((a[i] as number) - ma) * ((b[i] as number) - mb);
  return s / (k - 1);
}

/**
 * DeLong's test for two correlated ROC AUCs measured on the same rows (DeLong, DeLong &
 * Clarke-Pearson 1988), computed in O(n log n) as in Sun & Xu's fast DeLong (2014): the
 * structural components V10 (per positive: share of negatives scored below it, ties ½) and
 * V01 (per negative: share of positives scored above it, ties ½) come from sorted scores,
 * and S = S10/m + S01/n with sample covariances. z = (auc1 − auc2) / √(S11 + S22 − 2·S12).
 *
 * Needs at least two positives and two negatives (the covariances are otherwise undefined).
 * When the variance of the difference is 0 (identical rankings), z is 0 and p is 1 if the
 * AUCs are equal, and ±Infinity with p = 0 otherwise.
 */
export function delongTest(
  labels: Uint8Array | Float64Array,
  scores1: Float64Array,
  scores2: Float64Array,
): DeLongResult {
  const fn = 'delongTest';
  if (labels.length !== scores1.length || labels.length !== scores2.length) {
    throw new RangeError(
      `${fn}: labels, scores1 and scores2 have ${labels.length}, ${scores1.length} and ${scores2.length} rows`,
    );
  }
  let m = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1)
      throw new RangeError(`${fn}: labels[${i}] is ${String(y)}; labels must be 0 or 1`);
    if (!Number.isFinite(scores1[i]))
      throw new RangeError(`${fn}: scores1[${i}] is ${String(scores1[i])}; scores must be finite`);
    if (!Number.isFinite(scores2[i]))
      throw new RangeError(`${fn}: scores2[${i}] is ${String(scores2[i])}; scores must be finite`);
    m += y;
  }
  const n = labels.length - m;
  if (m < 2 || n < 2) {
    throw new RangeError(
      `${fn}: needs at least 2 positives and 2 negatives, got ${m} positives and ${n} negatives`,
    );
  }

  const split = (scores: Float64Array): [Float64Array, Float64Array] => {
    const pos = new Float64Array(m);
    const neg = new Float64Array(n);
    for (let i = 0, p = 0, q = 0; i < labels.length; i++) {
      if (labels[i] === 1) pos[p++] = scores[i] as number;
      else neg[q++] = scores[i] as number;
    }
    return [pos, neg];
  };
  const a = components(...split(scores1));
  const b = components(...split(scores2));

  const variance1 = covariance(a.v10, a.v10) / m + covariance(a.v01, a.v01) / n;
  const variance2 = covariance(b.v10, b.v10) / m + covariance(b.v01, b.v01) / n;
  const cov = covariance(a.v10, b.v10) / m + covariance(a.v01, b.v01) / n;
  const variance = variance1 + variance2 - 2 * cov;
  const difference = a.auc - b.auc;
  let z: number;
  if (variance > 0) z = difference / Math.sqrt(variance);
  else z = difference === 0 ? 0 : difference > 0 ? Infinity : -Infinity;
  return {
    positives: m,
    negatives: n,
    auc1: a.auc,
    auc2: b.auc,
    difference,
    variance1,
    variance2,
    covariance: cov,
    variance,
    z,
    pValue: normalTwoSidedPValue(z),
  };
}

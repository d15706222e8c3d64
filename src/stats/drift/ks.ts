import { kstwoSf } from '../distributions/index.js';
import { gcd, sortedCopy } from './sorted.js';

/** Method of the two-sample KS p-value, as scipy's `ks_2samp(method=...)`. */
export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  statistic: number;
  pValue: number;
  /** The method actually used (auto resolves to exact or asymp; exact may fall back to asymp). */
  method: 'exact' | 'asymp';
}

/** Above this sample size `auto` uses the asymptotic p-value, as scipy's MAX_AUTO_N. */
const MAX_AUTO_N = 10_000;
const INT32_MAX = 2 ** 31 - 1;

/**
 * Largest signed ECDF differences of two sorted samples, as integers scaled by n1·n2
 * (so ties and equal-size fractions compare exactly): maxPos = max(i·n2 − j·n1) and
 * maxNeg = max(j·n1 − i·n2) over the merged sample, where i, j count values <= x.
 */
export function ksExtremes(
  a: Float64Array,
  b: Float64Array,
): { maxPos: number; maxNeg: number; dFloat: number } {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxPos = 0;
  let maxNeg = 0;
  let posFloat = 0;
  let negFloat = 0;
  while (i < n1 || j < n2) {
    const va = i < n1 ? a[i]! : Number.POSITIVE_INFINITY;
    const vb = j < n2 ? b[j]! : Number.POSITIVE_INFINITY;
    const v = va <= vb ? va : vb;
    // Advance past every copy of v on both sides so ties count together (right-continuous ECDF).
    while (i < n1 && a[i]! === v) i++;
    while (j < n2 && b[j]! === v) j++;
    const diff = i * n2 - j * n1;
    // The float differences are kept as scipy computes them (cdf1 − cdf2 at each point, then the
    // largest of either sign), so ties between points and between the signs resolve as there.
    if (diff > 0 && diff >= maxPos) {
      const f = i / n1 - j / n2;
      posFloat = diff > maxPos ? f : Math.max(posFloat, f);
      maxPos = diff;
    } else if (diff < 0 && -diff >= maxNeg) {
      const f = -(i / n1 - j / n2);
      negFloat = -diff > maxNeg ? f : Math.max(negFloat, f);
      maxNeg = -diff;
    }
  }
  // dFloat is the statistic as scipy's float ECDF difference (its asymptotic branch reports it).
  return { maxPos, maxNeg, dFloat: Math.max(posFloat, negFloat) };
}

/** Two-sided KS statistic of two sorted samples, in [0, 1]. */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const { maxPos, maxNeg } = ksExtremes(a, b);
  return Math.max(maxPos, maxNeg) / a.length / b.length;
}

/** Round to nearest, ties to even, as numpy's `np.round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Proportion of lattice paths outside |x − y| < h for equal sample sizes (Hodges). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm,
 * by the recursion for 1 − p of Viehmann (2021) inside Hodges' "inside method", as scipy.
 */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    const shift = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + shift]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(maxj - minj + (lastlen - curlen), lenA));
  }
  return A[maxj - minj - 1]!;
}

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, with scipy 1.10 `ks_2samp` semantics:
 * ties are included (right-continuous ECDFs); `auto` is exact when max(n1, n2) <= 10,000,
 * else asymptotic; an exact computation that fails numerically falls back to asymptotic;
 * the asymptotic p-value is kstwo.sf(D, round(n1·n2/(n1+n2))). The exact statistic is
 * reported as h/lcm(n1, n2) like scipy. Inputs must be free of NaN; they are not modified.
 * @throws Error when a sample is empty.
 */
export function ksTwoSample(a: Float64Array, b: Float64Array, method: KsMethod = 'auto'): KsResult {
  return ksTwoSampleSorted(sortedCopy(a), sortedCopy(b), method);
}

/** {@link ksTwoSample} on samples already sorted ascending. */
export function ksTwoSampleSorted(a: Float64Array, b: Float64Array, method: KsMethod = 'auto'): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('ksTwoSample needs two non-empty samples');
  const { maxPos, maxNeg, dFloat: d } = ksExtremes(a, b);
  const dInt = Math.max(maxPos, maxNeg);
  const g = gcd(n1, n2);
  let mode: 'exact' | 'asymp' =
    method === 'auto' ? (Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp') : method;
  if (method === 'exact' && n1 / g >= INT32_MAX / (n2 / g)) mode = 'asymp';
  if (mode === 'exact') {
    // d·lcm is exactly the integer dInt / g, so no rounding is needed.
    const h = dInt / g;
    const lcm = (n1 / g) * n2;
    const dExact = h / lcm;
    if (h === 0) return { statistic: dExact, pValue: 1, method: 'exact' };
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
    if (Number.isFinite(prob) && prob >= 0 && prob <= 1) {
      return { statistic: dExact, pValue: prob, method: 'exact' };
    }
  }
  const big = Math.max(n1, n2);
  const small = Math.min(n1, n2);
  const en = (big * small) / (big + small);
  const p = kstwoSf(d, roundHalfEven(en));
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: 'asymp' };
}

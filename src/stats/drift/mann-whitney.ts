import { normalSf } from '../distributions/index.js';
import { midrankSum } from './rank.js';
import { sortedCopy } from './sorted.js';

export type MannWhitneyMethod = 'auto' | 'exact' | 'asymptotic';

export interface MannWhitneyResult {
  /** U statistic of the first sample (scipy's U1). */
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/** Largest n1·n2 for which the exact null distribution is tabulated; beyond it, asymptotic. */
const MAX_EXACT_CELLS = 20_000_000;

/**
 * P(U >= u) under the null for sample sizes m, n without ties: the coefficients of the
 * Gaussian binomial [m+n choose m]_q, built by multiplying by (1 − q^(n+i)) and dividing by
 * (1 − q^i) for i = 1..min(m, n), then normalised by C(m+n, m).
 */
function exactUpperTail(u: number, m0: number, n0: number): number {
  const m = Math.min(m0, n0);
  const n = Math.max(m0, n0);
  const maxU = m * n;
  const c = new Float64Array(maxU + 1);
  c[0] = 1;
  let degree = 0;
  for (let i = 1; i <= m; i++) {
    const shift = n + i;
    degree += n;
    for (let k = degree; k >= shift; k--) c[k]! -= c[k - shift]!;
    for (let k = i; k <= degree; k++) c[k]! += c[k - i]!;
  }
  let total = 0;
  for (let k = 0; k <= maxU; k++) total += c[k]!;
  let tail = 0;
  const start = Math.max(0, Math.ceil(u));
  for (let k = start; k <= maxU; k++) tail += c[k]!;
  return tail / total;
}

/**
 * Mann–Whitney U test, two-sided, as scipy 1.10 `mannwhitneyu(a, b)` defaults: midranks for
 * ties; `auto` uses the exact null distribution when a sample has at most 8 values and there
 * are no ties, else the normal approximation with tie-corrected variance and continuity
 * correction (subtract 0.5 from U − n1·n2/2, U = max(U1, U2), p = 2·sf(z), clipped to 1).
 * The exact distribution is tabulated only while n1·n2 <= 2·10^7; beyond, asymptotic is used.
 * @throws Error when a sample is empty.
 */
export function mannWhitneyU(
  a: Float64Array,
  b: Float64Array,
  method: MannWhitneyMethod = 'auto',
): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('mannWhitneyU needs two non-empty samples');
  const { rankSumA, tieTerm, hasTies } = midrankSum(sortedCopy(a), sortedCopy(b));
  const u1 = rankSumA - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const u = Math.max(u1, u2);
  let mode: 'exact' | 'asymptotic' =
    method === 'auto' ? ((n1 > 8 && n2 > 8) || hasTies ? 'asymptotic' : 'exact') : method;
  if (mode === 'exact' && n1 * n2 > MAX_EXACT_CELLS) mode = 'asymptotic';
  let p: number;
  if (mode === 'exact') {
    p = 2 * exactUpperTail(Math.trunc(u), n1, n2);
  } else {
    const n = n1 + n2;
    const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
    const z = (u - (n1 * n2) / 2 - 0.5) / s;
    p = 2 * normalSf(z);
  }
  return { statistic: u1, pValue: Math.min(1, Math.max(0, Number.isNaN(p) ? 1 : p)), method: mode };
}

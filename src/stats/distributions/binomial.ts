import betainc from '@stdlib/math-base-special-betainc';

/**
 * Upper tail of the binomial distribution, P(X ≥ x) for X ~ Binomial(n, p), exact through the
 * regularised incomplete beta function: P(X ≥ x) = I_p(x, n − x + 1) for 1 ≤ x ≤ n. This is the
 * one-sided p-value of an exact binomial test of "the rate is at most p" (scipy's
 * `binomtest(x, n, p, alternative='greater')`).
 */
export function binomialUpperTail(x: number, n: number, p: number): number {
  if (!(n >= 0) || !Number.isInteger(n) || Number.isNaN(x) || !(p >= 0 && p <= 1)) return Number.NaN;
  const k = Math.ceil(x);
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  return Math.min(1, Math.max(0, betainc(p, k, n - k + 1)));
}

/**
 * The smallest count c with P(X ≥ c) ≤ alpha for X ~ Binomial(n, p): an exact one-sided test at
 * level alpha rejects "the rate is at most p" from c events on. n + 1 when no count is enough.
 */
export function binomialCriticalCount(n: number, p: number, alpha: number): number {
  let lo = 0;
  let hi = n + 1;
  // The tail falls as the count grows: binary search for the first count at or below alpha.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (binomialUpperTail(mid, n, p) <= alpha) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

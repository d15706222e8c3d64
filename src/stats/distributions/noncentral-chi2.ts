import gammaln from '@stdlib/math-base-special-gammaln';
import { chi2Sf } from './chi2.js';

/**
 * Upper quantile of the chi-square distribution: the x with P(X > x) = p for `df` degrees of
 * freedom (scipy's `chi2.isf`), found by bisection on {@link chi2Sf} to 1e-12 relative.
 */
export function chi2Isf(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) {
    if (p === 1 && df > 0) return 0;
    if (p === 0 && df > 0) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  let lo = 0;
  let hi = Math.max(1, df);
  while (chi2Sf(hi, df) > p) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chi2Sf(mid, df) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Survival function of the noncentral chi-square distribution, P(X > x) for `df` degrees of
 * freedom and noncentrality `lambda` (scipy's `ncx2.sf`): the Poisson(λ/2) mixture of central
 * chi-square tails with df + 2j degrees of freedom, summed outwards from the Poisson mode until
 * the remaining weight is below 1e-16.
 */
export function ncChi2Sf(x: number, df: number, lambda: number): number {
  if (Number.isNaN(x) || !(df > 0) || !(lambda >= 0)) return Number.NaN;
  if (lambda === 0) return chi2Sf(x, df);
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const half = lambda / 2;
  const logWeight = (j: number) => -half + j * Math.log(half) - gammaln(j + 1);
  const mode = Math.floor(half);
  let sum = 0;
  let weights = 0;
  for (let j = mode; ; j++) {
    const w = Math.exp(logWeight(j));
    sum += w * chi2Sf(x, df + 2 * j);
    weights += w;
    if (w < 1e-17 && j > half) break;
  }
  for (let j = mode - 1; j >= 0; j--) {
    const w = Math.exp(logWeight(j));
    sum += w * chi2Sf(x, df + 2 * j);
    weights += w;
    if (w < 1e-17) break;
  }
  // The weights sum to 1 up to rounding; dividing keeps the result a probability.
  return Math.min(1, Math.max(0, sum / weights));
}

import betainc from '@stdlib/math-base-special-betainc';
import erfc from '@stdlib/math-base-special-erfc';
import { chi2Sf } from '../distributions/index.js';

/**
 * Tail probabilities used by the comparison tests. Each is computed directly from its special
 * function, never as 1 − cdf, so small p-values keep their relative accuracy.
 */

/** Two-sided normal p-value P(|Z| >= |z|) = erfc(|z| / √2). */
export function normalTwoSidedPValue(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** Chi-square survival function P(X >= x) with `df` degrees of freedom (the engine's {@link chi2Sf}). */
export function chiSquareSf(x: number, df: number): number {
  return chi2Sf(x, df);
}

/** Binomial lower tail P(X <= k) for X ~ Binomial(n, 1/2): the regularized incomplete beta I_{1/2}(n − k, k + 1). */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return betainc(0.5, n - k, k + 1, true, false);
}

import gammainc from '@stdlib/math-base-special-gammainc';

/**
 * Survival function of the chi-square distribution with `df` degrees of freedom,
 * P(X > x) = Q(df/2, x/2), the regularised upper incomplete gamma function (no 1 - cdf).
 */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return gammainc(x / 2, df / 2, true, true);
}

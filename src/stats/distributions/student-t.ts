import betainc from '@stdlib/math-base-special-betainc';

/**
 * Survival function of Student's t with `df` degrees of freedom (df may be fractional, as in
 * Welch's test): P(T > t) = I_{df/(df+t²)}(df/2, 1/2) / 2 for t >= 0, via the regularised
 * incomplete beta so the tail keeps full precision.
 */
export function studentTSf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 0;
  if (t === Number.NEGATIVE_INFINITY) return 1;
  const tail = 0.5 * betainc(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}

/** Two-sided tail P(|T| >= |t|) of Student's t, clipped to [0, 1]. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, betainc(df / (df + t * t), df / 2, 0.5));
}

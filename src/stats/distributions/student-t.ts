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
  const tail = 0.5 * twoSidedTail(t, df);
  return t >= 0 ? tail : 1 - tail;
}

/**
 * I_x(df/2, 1/2) with x = df/(df + t²). For large df, x is close to 1 and 1 − x loses digits,
 * so the complementary form 1 − I_y(1/2, df/2) with y = t²/(df + t²) is used instead.
 */
function twoSidedTail(t: number, df: number): number {
  const t2 = t * t;
  const x = df / (df + t2);
  if (x < 0.5) return betainc(x, df / 2, 0.5);
  return betainc(t2 / (df + t2), 0.5, df / 2, true, true);
}

/** Two-sided tail P(|T| >= |t|) of Student's t, clipped to [0, 1]. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, twoSidedTail(t, df));
}

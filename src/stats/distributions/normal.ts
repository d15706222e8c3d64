import erfc from '@stdlib/math-base-special-erfc';

/**
 * Upper tail of the standard normal, P(Z > z), computed through erfc so that tiny tail
 * probabilities keep full relative precision (never 1 - cdf).
 */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Two-sided normal tail probability P(|Z| >= |z|), clipped to [0, 1]. */
export function normalTwoSidedP(z: number): number {
  return Math.min(1, 2 * normalSf(Math.abs(z)));
}

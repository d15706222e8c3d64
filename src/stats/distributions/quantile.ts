import { normalSf } from './normal.js';
import { studentTSf } from './student-t.js';

/**
 * Inverts a decreasing upper-tail function by bisection on [lo, hi]: the x with sf(x) = p.
 * 200 halvings take any bracket far below double precision.
 */
function invertSf(sf: (x: number) => number, p: number, lo: number, hi: number): number {
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (sf(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Quantile of the standard normal (`scipy.stats.norm.ppf`): the z with P(Z ≤ z) = q, found by
 * inverting the erfc-based tail, so it agrees with {@link normalSf} to about 1e-12.
 * @throws Error unless 0 < q < 1.
 */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1)) throw new Error('normalQuantile needs 0 < q < 1');
  if (q === 0.5) return 0;
  // Invert the smaller tail so that q near 0 keeps its precision (1 - q would round it away).
  const x = invertSf(normalSf, Math.min(q, 1 - q), 0, 40);
  return q < 0.5 ? -x : x;
}

/**
 * Quantile of Student's t with `df` degrees of freedom (`scipy.stats.t.ppf`), by inverting its tail.
 * @throws Error unless 0 < q < 1 and df > 0.
 */
export function studentTQuantile(q: number, df: number): number {
  if (!(q > 0 && q < 1) || !(df > 0)) throw new Error('studentTQuantile needs 0 < q < 1 and df > 0');
  if (q === 0.5) return 0;
  const tail = Math.min(q, 1 - q);
  let bound = 2;
  while (studentTSf(bound, df) > tail && bound < 1e12) bound *= 2;
  const x = invertSf((t) => studentTSf(t, df), tail, 0, bound);
  return q < 0.5 ? -x : x;
}

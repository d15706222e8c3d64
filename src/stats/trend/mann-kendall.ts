import { normalSf } from '../distributions/index.js';

/** The Mann-Kendall trend test of a series and Sen's slope. */
export interface MannKendallResult {
  /** Values in the series. */
  n: number;
  /** S = Σ_{i<j} sign(x_j − x_i): concordant minus discordant pairs in time order. */
  s: number;
  /** Var(S) under "no trend", with the tie correction. */
  variance: number;
  /** Normal score with continuity correction: (S − 1)/√Var(S) for S > 0, (S + 1)/√Var(S) for S < 0, 0 otherwise. */
  z: number;
  /** Two-sided p-value 2·P(Z > |z|). */
  pValue: number;
  /** Kendall's tau-a, S / (n(n − 1)/2). */
  tau: number;
  /** Sen's slope: the median of (x_j − x_i)/(j − i) over all pairs i < j, per step. */
  slope: number;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/**
 * Mann-Kendall test for a monotonic trend in a series ordered in time (equally spaced steps):
 *
 * - S = Σ_{i<j} sign(x_j − x_i);
 * - Var(S) = [n(n − 1)(2n + 5) − Σ_g t_g(t_g − 1)(2t_g + 5)] / 18, t_g the size of each group of
 *   tied values;
 * - z = (S − sign(S))/√Var(S) (continuity correction), p = 2·P(Z > |z|) (normal approximation).
 *
 * A series of fewer than 2 values, or one whose values are all tied, has Var(S) = 0: z = 0, p = 1.
 */
export function mannKendall(series: ArrayLike<number>): MannKendallResult {
  const x = Array.from(series);
  const n = x.length;
  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = x[j]! - x[i]!;
      s += d > 0 ? 1 : d < 0 ? -1 : 0;
      slopes.push(d / (j - i));
    }
  }
  const ties = new Map<number, number>();
  for (const v of x) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = Math.max(0, (n * (n - 1) * (2 * n + 5) - tieTerm) / 18);
  const z = variance > 0 && s !== 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  const pValue = Math.min(1, 2 * normalSf(Math.abs(z)));
  const pairs = (n * (n - 1)) / 2;
  return {
    n,
    s,
    variance,
    z,
    pValue,
    tau: pairs > 0 ? s / pairs : 0,
    slope: slopes.length > 0 ? median(slopes) : 0,
  };
}

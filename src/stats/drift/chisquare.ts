import { chi2Sf } from '../distributions/index.js';

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  dof: number;
}

/**
 * Pearson's chi-square goodness-of-fit test of observed against expected counts, as
 * `scipy.stats.chisquare(observed, expected)`: statistic Σ (o − e)² / e, k − 1 degrees of
 * freedom. Expected counts are used as given (no rescaling to the observed total).
 */
export function chiSquareGoodnessOfFit(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
): ChiSquareResult {
  if (observed.length !== expected.length) {
    throw new Error('chiSquareGoodnessOfFit: observed and expected differ in length');
  }
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i]!;
    const d = observed[i]! - e;
    statistic += (d * d) / e;
  }
  const dof = observed.length - 1;
  return { statistic, pValue: dof > 0 ? chi2Sf(statistic, dof) : Number.NaN, dof };
}

/**
 * Pearson's chi-square test of homogeneity on the 2×k table of reference vs current category
 * counts, without continuity correction, as `scipy.stats.chi2_contingency(table,
 * correction=False)`. Categories empty on both sides are dropped first (scipy would reject a
 * zero expected count); with fewer than two categories left the result is statistic 0, p 1.
 */
export function chiSquareHomogeneity(
  refCounts: ArrayLike<number>,
  curCounts: ArrayLike<number>,
): ChiSquareResult {
  if (refCounts.length !== curCounts.length) {
    throw new Error('chiSquareHomogeneity: count vectors differ in length');
  }
  let refTotal = 0;
  let curTotal = 0;
  let k = 0;
  for (let i = 0; i < refCounts.length; i++) {
    refTotal += refCounts[i]!;
    curTotal += curCounts[i]!;
    if (refCounts[i]! + curCounts[i]! > 0) k++;
  }
  const total = refTotal + curTotal;
  const dof = k - 1;
  if (dof <= 0 || refTotal === 0 || curTotal === 0) return { statistic: 0, pValue: 1, dof: 0 };
  let statistic = 0;
  for (let i = 0; i < refCounts.length; i++) {
    const col = refCounts[i]! + curCounts[i]!;
    if (col === 0) continue;
    const eRef = (refTotal * col) / total;
    const eCur = (curTotal * col) / total;
    const dr = refCounts[i]! - eRef;
    const dc = curCounts[i]! - eCur;
    statistic += (dr * dr) / eRef + (dc * dc) / eCur;
  }
  return { statistic, pValue: chi2Sf(statistic, dof), dof };
}

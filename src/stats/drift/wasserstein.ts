import { meanAndSsd, sortedCopy } from './sorted.js';

/**
 * ∫ |F_a(x) − F_b(x)|^p dx over the real line for two sorted samples, by one merge walk
 * (scipy's `_cdf_distance` without the final root). Zero CDF differences contribute zero even
 * across an infinite gap, so equal masses at ±Infinity do not poison the result.
 */
function cdfDistanceIntegral(a: Float64Array, b: Float64Array, power: 1 | 2): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(a[0]!, b[0]!);
  while (i < n1 || j < n2) {
    const va = i < n1 ? a[i]! : Number.POSITIVE_INFINITY;
    const vb = j < n2 ? b[j]! : Number.POSITIVE_INFINITY;
    const v = va <= vb ? va : vb;
    const diff = Math.abs(i / n1 - j / n2);
    if (diff !== 0 && v !== prev) total += (power === 1 ? diff : diff * diff) * (v - prev);
    prev = v;
    while (i < n1 && a[i]! === v) i++;
    while (j < n2 && b[j]! === v) j++;
  }
  return total;
}

/**
 * Wasserstein-1 (earth mover's) distance between two 1-D empirical distributions, as
 * `scipy.stats.wasserstein_distance(a, b)`. Inputs must be NaN-free; they are not modified.
 * @throws Error when a sample is empty.
 */
export function wassersteinDistance(a: Float64Array, b: Float64Array): number {
  return wassersteinDistanceSorted(sortedCopy(a), sortedCopy(b));
}

/** {@link wassersteinDistance} on samples already sorted ascending. */
export function wassersteinDistanceSorted(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) throw new Error('wassersteinDistance needs two non-empty samples');
  return cdfDistanceIntegral(a, b, 1);
}

/**
 * Energy distance between two 1-D empirical distributions, as `scipy.stats.energy_distance`:
 * sqrt(2 ∫ (F_a − F_b)² dx).
 * @throws Error when a sample is empty.
 */
export function energyDistance(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) throw new Error('energyDistance needs two non-empty samples');
  return Math.SQRT2 * Math.sqrt(cdfDistanceIntegral(sortedCopy(a), sortedCopy(b), 2));
}

/** Floor on the reference standard deviation used to normalise, as Evidently (0.001). */
export const WASSERSTEIN_NORM_FLOOR = 0.001;

/**
 * Wasserstein-1 distance normalised by the reference's population standard deviation
 * (ddof = 0, numpy's `np.std`), floored at 0.001 — Evidently's `wasserstein` drift score.
 */
export function normalizedWasserstein(
  reference: Float64Array,
  current: Float64Array,
): { distance: number; normalized: number; referenceStd: number } {
  return normalizedWassersteinSorted(sortedCopy(reference), sortedCopy(current));
}

/** {@link normalizedWasserstein} on samples already sorted ascending. */
export function normalizedWassersteinSorted(
  reference: Float64Array,
  current: Float64Array,
): { distance: number; normalized: number; referenceStd: number } {
  const distance = wassersteinDistanceSorted(reference, current);
  const { ssd } = meanAndSsd(reference);
  const referenceStd = Math.sqrt(ssd / reference.length);
  return {
    distance,
    normalized: distance / Math.max(referenceStd, WASSERSTEIN_NORM_FLOOR),
    referenceStd,
  };
}

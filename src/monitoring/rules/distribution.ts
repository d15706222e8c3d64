import { chiSquareHomogeneity, populationStabilityIndex } from '../../stats/drift/index.js';
import type { FrequentItems } from '../../stats/sketch/frequent-items.js';
import type { QuantileSketch } from '../../stats/sketch/quantile-sketch.js';

/**
 * Counts of two sketches in the bins (−∞, e1], (e1, e2], …, (e_last, +∞) whose inner edges
 * are the reference's quantiles i/bins (duplicates dropped), as the statistics engine bins
 * exact data. Each sketch bin is placed by its representative value, so the binning error is
 * the sketch's relative accuracy.
 */
export function quantileBinCounts(
  reference: QuantileSketch,
  current: QuantileSketch,
  bins: number,
): { reference: Float64Array; current: Float64Array; edges: number[] } {
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const e = reference.quantile(i / bins);
    if (Number.isFinite(e) && (edges.length === 0 || e > edges[edges.length - 1]!)) edges.push(e);
  }
  const count = (sketch: QuantileSketch): Float64Array => {
    const counts = new Float64Array(edges.length + 1);
    let bin = 0;
    for (const b of sketch.bins()) {
      while (bin < edges.length && b.value > edges[bin]!) bin++;
      counts[bin]! += b.count;
    }
    return counts;
  };
  return { reference: count(reference), current: count(current), edges };
}

/** Aligned counts of the categories either side has (sorted by name for determinism). */
export function categoryCounts(
  reference: Record<string, number>,
  current: Record<string, number>,
): { categories: string[]; reference: Float64Array; current: Float64Array } {
  const categories = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort();
  return {
    categories,
    reference: Float64Array.from(categories, (c) => reference[c] ?? 0),
    current: Float64Array.from(categories, (c) => current[c] ?? 0),
  };
}

/** Tracked items of a frequent-items sketch as a plain count map. */
export function itemCounts(items: FrequentItems | undefined): Record<string, number> {
  return items ? Object.fromEntries(items.items()) : {};
}

/** PSI and Pearson's homogeneity test of two categorical distributions. */
export function categoricalDrift(
  reference: Record<string, number>,
  current: Record<string, number>,
): { psi: number; pValue: number | null; categories: number } {
  const counts = categoryCounts(reference, current);
  const psi = populationStabilityIndex(counts.reference, counts.current);
  let pValue: number | null = null;
  if (counts.categories.length >= 2) {
    const test = chiSquareHomogeneity(counts.reference, counts.current);
    pValue = Number.isFinite(test.pValue) ? test.pValue : null;
  }
  return { psi, pValue, categories: counts.categories.length };
}

import { chiSquareHomogeneity, populationStabilityIndex } from '../../stats/drift/index.js';
import type { FrequentItems } from '../../stats/sketch/index.js';

/** Aligned counts of the categories either side has (sorted by name for determinism). */
function categoryCounts(
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

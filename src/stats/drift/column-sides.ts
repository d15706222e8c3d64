/** Preparation of a column pair for testing: missing values removed, categories counted. */
import type { ColumnDriftResult } from '../types.js';
import { countAtValues, countDistinctUnion, countHistogram, distinctUnion, sturgesEdges } from './binning.js';
import { sortedCopy } from './sorted.js';

/** Above this many distinct reference values, numeric JS/KL/Hellinger use Sturges bins (Evidently). */
const HISTOGRAM_MIN_DISTINCT = 20;

/**
 * Finite numeric sides (NaN and ±Infinity removed; `infinite` counts the ±Infinity values each
 * side had); sorted copies are made on first use (PSI does not need them).
 */
export class NumericSides {
  readonly kind = 'numeric';
  private sortedPair: { ref: Float64Array; cur: Float64Array } | undefined;
  constructor(
    readonly ref: Float64Array,
    readonly cur: Float64Array,
    readonly infinite: { reference: number; current: number } = { reference: 0, current: 0 },
  ) {}

  get sorted(): { ref: Float64Array; cur: Float64Array } {
    this.sortedPair ??= { ref: sortedCopy(this.ref), cur: sortedCopy(this.cur) };
    return this.sortedPair;
  }
}

export interface CategoricalSides {
  kind: 'categorical';
  categories: string[];
  ref: Float64Array;
  cur: Float64Array;
  newCategories: string[];
}

export type Missing = ColumnDriftResult['missing'];

/** Numeric sides with NaN (missing) and ±Infinity (counted apart) left out. */
export function numericSides(reference: Float64Array, current: Float64Array): NumericSides {
  const clean = (values: Float64Array): { finite: Float64Array; infinite: number } => {
    let n = 0;
    let infinite = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) n++;
      else if (!Number.isNaN(v)) infinite++;
    }
    if (n === values.length) return { finite: values, infinite };
    const out = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) out[k++] = values[i]!;
    return { finite: out, infinite };
  };
  const r = clean(reference);
  const c = clean(current);
  return new NumericSides(r.finite, c.finite, { reference: r.infinite, current: c.infinite });
}

export function categoricalSides(
  reference: ReadonlyArray<string | null>,
  current: ReadonlyArray<string | null>,
): CategoricalSides {
  const refMap = new Map<string, number>();
  const curMap = new Map<string, number>();
  for (const v of reference) if (v !== null) refMap.set(v, (refMap.get(v) ?? 0) + 1);
  for (const v of current) if (v !== null) curMap.set(v, (curMap.get(v) ?? 0) + 1);
  const categories = [...new Set([...refMap.keys(), ...curMap.keys()])].sort();
  return {
    kind: 'categorical',
    categories,
    ref: Float64Array.from(categories, (c) => refMap.get(c) ?? 0),
    cur: Float64Array.from(categories, (c) => curMap.get(c) ?? 0),
    newCategories: categories.filter((c) => !refMap.has(c)),
  };
}

/**
 * {@link categoricalSides} of two columns given as [category, cells] counts instead of cells
 * (a category listed twice counts once, with the cells added): the same sides, in memory that
 * does not grow with the row count.
 */
export function categoricalSidesFromCounts(
  reference: Iterable<readonly [string, number]>,
  current: Iterable<readonly [string, number]>,
): CategoricalSides {
  const tally = (counts: Iterable<readonly [string, number]>) => {
    const map = new Map<string, number>();
    for (const [value, count] of counts) if (count > 0) map.set(value, (map.get(value) ?? 0) + count);
    return map;
  };
  const refMap = tally(reference);
  const curMap = tally(current);
  const categories = [...new Set([...refMap.keys(), ...curMap.keys()])].sort();
  return {
    kind: 'categorical',
    categories,
    ref: Float64Array.from(categories, (c) => refMap.get(c) ?? 0),
    cur: Float64Array.from(categories, (c) => curMap.get(c) ?? 0),
    newCategories: categories.filter((c) => !refMap.has(c)),
  };
}

/** Numeric values tested as categories: one bin per distinct value of the union. */
export function valuesAsCategories(sides: NumericSides): { ref: Float64Array; cur: Float64Array } {
  const { ref, cur } = sides.sorted;
  const values = distinctUnion(ref, cur);
  return { ref: countAtValues(ref, values), cur: countAtValues(cur, values) };
}

/** Evidently's binning of numeric data for JS / KL / Hellinger (`get_binned_data`). */
export function numericHistogram(sides: NumericSides): {
  ref: Float64Array;
  cur: Float64Array;
  bins: string;
} {
  const { ref, cur } = sides.sorted;
  if (countDistinctUnion(ref, ref, HISTOGRAM_MIN_DISTINCT) > HISTOGRAM_MIN_DISTINCT) {
    const min = Math.min(ref[0]!, cur[0]!);
    const max = Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!);
    const edges = sturgesEdges(min, max, ref.length + cur.length);
    return {
      ref: countHistogram(ref, edges),
      cur: countHistogram(cur, edges),
      bins: `${edges.length - 1} equal-width Sturges bins over the pooled range`,
    };
  }
  return { ...valuesAsCategories(sides), bins: 'one bin per distinct value' };
}

/** Distinct non-missing values over both sides, counted up to `cap + 1` (enough to compare). */
export function distinctCount(sides: NumericSides | CategoricalSides, cap: number): number {
  if (sides.kind === 'categorical') return sides.categories.length;
  const seen = new Set<number>();
  for (const values of [sides.ref, sides.cur]) {
    for (let i = 0; i < values.length && seen.size <= cap; i++) seen.add(values[i]!);
  }
  return seen.size;
}

export function nonMissing(sides: NumericSides | CategoricalSides): [number, number] {
  if (sides.kind === 'numeric') return [sides.ref.length, sides.cur.length];
  let r = 0;
  let c = 0;
  for (let i = 0; i < sides.ref.length; i++) {
    r += sides.ref[i]!;
    c += sides.cur[i]!;
  }
  return [r, c];
}

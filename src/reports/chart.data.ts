import type { CategoricalColumn, NumericColumn } from '../stats/types.js';

/** Shared-bin histogram of two numeric columns, as shares of each side's non-missing values. */
export interface HistogramData {
  readonly edges: number[];
  readonly reference: number[];
  readonly current: number[];
  /**
   * Where long tails were folded in: values below `below` are counted in the first bin and values
   * above `above` in the last (null where nothing was folded).
   */
  readonly folded: { readonly below: number | null; readonly above: number | null };
}

/** Tail share of both columns together that may be folded into the outer bins. */
const TAIL = 0.01;

/**
 * Equal-width bins over the range of both columns together (missing values left out). When the
 * 1st–99th percentile range is less than half the whole range, a few far values would squeeze
 * everything else into one or two bins, so the bins cover that range and the tails are counted in
 * the outer bins (and said so). Infinities go to the outer bins. Chart data only: the drift tests
 * bin separately.
 */
export function histogramShares(reference: NumericColumn, current: NumericColumn, bins = 20): HistogramData {
  const finite: number[] = [];
  for (const values of [reference.values, current.values])
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  const sorted = Float64Array.from(finite).sort();
  let min = sorted.length > 0 ? sorted[0]! : 0;
  let max = sorted.length > 0 ? sorted[sorted.length - 1]! : 1;
  let folded: HistogramData['folded'] = { below: null, above: null };
  if (sorted.length > 0) {
    const low = sorted[Math.floor(TAIL * (sorted.length - 1))]!;
    const high = sorted[Math.ceil((1 - TAIL) * (sorted.length - 1))]!;
    if (high > low && high - low < (max - min) / 2) {
      folded = { below: low > min ? low : null, above: high < max ? high : null };
      min = low;
      max = high;
    }
  }
  const count = min === max ? 1 : bins;
  const width = min === max ? 1 : (max - min) / count;
  const lower = min === max ? min - 0.5 : min;
  const edges = Array.from({ length: count + 1 }, (_, i) => lower + i * width);
  const shares = (values: Float64Array) => {
    const counts = new Array<number>(count).fill(0);
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== v) continue;
      const bin = Math.max(0, Math.min(count - 1, Math.floor((v - lower) / width)));
      counts[bin]!++;
      total++;
    }
    return counts.map((c) => (total === 0 ? 0 : c / total));
  };
  return { edges, reference: shares(reference.values), current: shares(current.values), folded };
}

/** Category shares of two columns, most frequent first, the tail folded into "(other)". */
export interface CategoryData {
  readonly categories: string[];
  readonly reference: number[];
  readonly current: number[];
}

const OTHER = '(other)';

/** Shares per category (missing values left out), keeping the `limit` most common over both sides. */
export function categoryShares(
  reference: CategoricalColumn,
  current: CategoricalColumn,
  limit = 12,
): CategoryData {
  const tally = (values: ReadonlyArray<string | null>) => {
    const counts = new Map<string, number>();
    let total = 0;
    for (const value of values) {
      if (value === null) continue;
      counts.set(value, (counts.get(value) ?? 0) + 1);
      total++;
    }
    return { counts, total };
  };
  const ref = tally(reference.values);
  const cur = tally(current.values);
  const share = (side: { counts: Map<string, number>; total: number }, category: string) =>
    side.total === 0 ? 0 : (side.counts.get(category) ?? 0) / side.total;
  const all = [...new Set([...ref.counts.keys(), ...cur.counts.keys()])];
  all.sort((a, b) => share(ref, b) + share(cur, b) - (share(ref, a) + share(cur, a)) || a.localeCompare(b));
  const kept = all.length > limit ? all.slice(0, limit - 1) : all;
  const data: CategoryData = {
    categories: [...kept],
    reference: kept.map((c) => share(ref, c)),
    current: kept.map((c) => share(cur, c)),
  };
  if (kept.length < all.length) {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    data.categories.push(OTHER);
    data.reference.push(Math.max(0, 1 - sum(data.reference)));
    data.current.push(Math.max(0, 1 - sum(data.current)));
  }
  return data;
}

/**
 * Points of the ROC curve (false positive rate, true positive rate), one per distinct score
 * from the highest down, thinned to at most `maxPoints`. Chart data only.
 */
export function rocCurvePoints(
  labels: Uint8Array,
  scores: Float64Array,
  maxPoints = 200,
): [number, number][] {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return [];
  const points: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (labels[i] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) points.push([fp / negatives, tp / positives]);
  }
  if (points.length <= maxPoints) return points;
  const step = (points.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, j) => points[Math.round(j * step)]!);
}

/** Rows of a regression to plot as (actual, predicted) points. */
export interface PredictedVsActualData {
  readonly points: [number, number][];
  /** Rows evaluated (the points are at most `maxPoints` of them). */
  readonly rows: number;
  /** The range of both axes: the smallest and largest value, actual or predicted, of every row. */
  readonly min: number;
  readonly max: number;
}

/**
 * Points of a predicted-vs-actual plot: every row when there are at most `maxPoints`,
 * otherwise `maxPoints` rows evenly spaced in file order (first and last included). Both
 * axes share one range over all rows, so the line of perfect prediction is the diagonal.
 * Chart data only.
 */
export function predictedVsActualPoints(
  actual: Float64Array,
  predicted: Float64Array,
  maxPoints = 1000,
): PredictedVsActualData {
  const rows = actual.length;
  let min = Infinity;
  let max = -Infinity;
  for (const values of [actual, predicted]) {
    for (let i = 0; i < rows; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const shown = Math.min(rows, maxPoints);
  const step = shown > 1 ? (rows - 1) / (shown - 1) : 0;
  const points = Array.from({ length: shown }, (_, j): [number, number] => {
    const i = Math.round(j * step);
    return [actual[i]!, predicted[i]!];
  });
  return { points, rows, min: rows === 0 ? 0 : min, max: rows === 0 ? 1 : max };
}

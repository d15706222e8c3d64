/**
 * Binning shared by the histogram-based drift methods (PSI, Jensen–Shannon, KL, Hellinger).
 * All inputs are sorted ascending and NaN-free.
 */

/** Quantile of a sorted sample by linear interpolation between order statistics (numpy's default). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const frac = h - lo;
  const a = sorted[lo]!;
  if (frac === 0 || lo + 1 >= n) return a;
  const b = sorted[lo + 1]!;
  if (a === b) return a;
  // Interpolating towards an infinite neighbour is undefined; take the nearer order statistic.
  if (!Number.isFinite(a) || !Number.isFinite(b)) return frac < 0.5 ? a : b;
  return a + frac * (b - a);
}

/**
 * Inner bin edges at the reference quantiles i/bins, i = 1..bins−1, with duplicates removed (so
 * heavily tied data yields fewer, non-empty bins). Bins are (−∞, e1], (e1, e2], …, (e_last, +∞).
 */
export function quantileEdges(sortedReference: Float64Array, bins: number): Float64Array {
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const e = quantileSorted(sortedReference, i / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return Float64Array.from(edges);
}

/** Counts of a sorted sample in the bins (−∞, e1], (e1, e2], …, (e_last, +∞). */
export function countRightClosed(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    while (bin < edges.length && v > edges[bin]!) bin++;
    counts[bin]!++;
  }
  return counts;
}

/**
 * Equal-width edges over [min, max] of the pooled data with numpy's 'sturges' rule, computed
 * the way `np.histogram_bin_edges` does: width = range/(log2(n) + 1), bins = ceil(range/width)
 * (1 for a zero range, then widened to [min − 0.5, max + 0.5]), edges = start + i·step.
 */
export function sturgesEdges(min: number, max: number, n: number): Float64Array {
  const width = (max - min) / (Math.log2(n) + 1);
  const bins = width > 0 ? Math.ceil((max - min) / width) : 1;
  let lo = min;
  let hi = max;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + lo;
  edges[bins] = hi;
  return edges;
}

/** Counts of a sorted sample in numpy-histogram bins [e0, e1), …, [e_{k−1}, e_k] (last closed). */
export function countHistogram(sorted: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1;
  const counts = new Float64Array(k);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (v < edges[0]! || v > edges[k]!) continue;
    while (bin < k - 1 && v >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  return counts;
}

/** Distinct values of two sorted samples (union), ascending. */
export function distinctUnion(a: Float64Array, b: Float64Array): Float64Array {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const va = i < a.length ? a[i]! : Number.POSITIVE_INFINITY;
    const vb = j < b.length ? b[j]! : Number.POSITIVE_INFINITY;
    const v = va <= vb ? va : vb;
    out.push(v);
    while (i < a.length && a[i]! === v) i++;
    while (j < b.length && b[j]! === v) j++;
  }
  return Float64Array.from(out);
}

/** Number of distinct values in the union of two sorted samples, stopping once it exceeds `cap`. */
export function countDistinctUnion(a: Float64Array, b: Float64Array, cap: number): number {
  let count = 0;
  let i = 0;
  let j = 0;
  while ((i < a.length || j < b.length) && count <= cap) {
    const va = i < a.length ? a[i]! : Number.POSITIVE_INFINITY;
    const vb = j < b.length ? b[j]! : Number.POSITIVE_INFINITY;
    const v = va <= vb ? va : vb;
    count++;
    while (i < a.length && a[i]! === v) i++;
    while (j < b.length && b[j]! === v) j++;
  }
  return count;
}

/** Counts of a sorted sample at each of the given distinct values (sorted ascending). */
export function countAtValues(sorted: Float64Array, values: Float64Array): Float64Array {
  const counts = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    while (values[k]! < v) k++;
    counts[k]!++;
  }
  return counts;
}

/** Rearranges values[lo..hi] so that values[k] is the k-th smallest, for every k in `ranks`. */
function multiSelect(values: Float64Array, lo: number, hi: number, ranks: number[]): void {
  while (hi - lo > 16 && ranks.length > 0) {
    const mid = (lo + hi) >>> 1;
    // Median-of-three pivot keeps sorted or reversed input linear.
    const a = values[lo]!;
    const b = values[mid]!;
    const c = values[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    // Now values[lo..j] <= pivot <= values[i..hi], and values[j+1..i-1] equal the pivot.
    const left = ranks.filter((r) => r <= j);
    const right = ranks.filter((r) => r >= i);
    if (left.length > 0 && right.length > 0) {
      multiSelect(values, lo, j, left);
      lo = i;
      ranks = right;
    } else if (left.length > 0) {
      hi = j;
      ranks = left;
    } else {
      lo = i;
      ranks = right;
    }
  }
  if (ranks.length > 0) values.subarray(lo, hi + 1).sort();
}

/**
 * Quantiles of an unsorted NaN-free sample by linear interpolation (numpy's default), using
 * selection rather than a full sort (O(n log k) for k quantiles). `values` is not modified.
 */
export function quantilesUnsorted(values: Float64Array, probs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return probs.map(() => Number.NaN);
  const ranks = new Set<number>();
  for (const q of probs) {
    const lo = Math.floor((n - 1) * q);
    ranks.add(lo);
    if (lo + 1 < n) ranks.add(lo + 1);
  }
  const work = values.slice();
  multiSelect(
    work,
    0,
    n - 1,
    [...ranks].sort((a, b) => a - b),
  );
  return probs.map((q) => quantileSorted(work, q));
}

/**
 * Inner edges at the quantiles i/bins of an unsorted sample, duplicates removed; the same
 * edges as {@link quantileEdges} on the sorted sample.
 */
export function quantileEdgesUnsorted(values: Float64Array, bins: number): Float64Array {
  const probs = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  const edges: number[] = [];
  for (const e of quantilesUnsorted(values, probs)) {
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return Float64Array.from(edges);
}

/** Counts of an unsorted sample in the bins (−∞, e1], …, (e_last, +∞), by binary search. */
export function countRightClosedUnsorted(values: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length;
  if (k <= 32) {
    // Few edges: a branch-free count of edges below v beats a mispredicted binary search.
    const small = new Uint32Array(k + 1);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      let bin = 0;
      for (let e = 0; e < k; e++) bin += +(v > edges[e]!);
      small[bin]!++;
    }
    return Float64Array.from(small);
  }
  const counts = new Float64Array(k + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let lo = 0;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

/**
 * The formulas of explanation monitoring and quality, pure and documented in
 * docs/explanations.md: rank correlation, Pearson correlation from running sums, the features
 * needed for 80 % of a record's |attribution|, and the attribution distance between two records.
 */

/** Average ranks (1-based), ties sharing the mean of the ranks they span (scipy's `rankdata`). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation of two equal-length series; null when either has no variance or n < 2. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const sums = emptyCorrelationSums();
  for (let i = 0; i < x.length; i++) addPair(sums, x[i]!, y[i]!);
  return correlationOf(sums);
}

/** Spearman rank correlation (Pearson correlation of average ranks); null when undefined. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(averageRanks(x), averageRanks(y));
}

/** Running sums from which a Pearson correlation is computed; they add up across windows. */
export interface CorrelationSums {
  n: number;
  sx: number;
  sy: number;
  sxx: number;
  syy: number;
  sxy: number;
}

export function emptyCorrelationSums(): CorrelationSums {
  return { n: 0, sx: 0, sy: 0, sxx: 0, syy: 0, sxy: 0 };
}

export function addPair(s: CorrelationSums, x: number, y: number): void {
  s.n++;
  s.sx += x;
  s.sy += y;
  s.sxx += x * x;
  s.syy += y * y;
  s.sxy += x * y;
}

export function mergeCorrelationSums(into: CorrelationSums, other: CorrelationSums): void {
  into.n += other.n;
  into.sx += other.sx;
  into.sy += other.sy;
  into.sxx += other.sxx;
  into.syy += other.syy;
  into.sxy += other.sxy;
}

/** r = (n·Σxy − Σx·Σy) / √((n·Σx² − (Σx)²)(n·Σy² − (Σy)²)); null when n < 2 or a variance is 0. */
export function correlationOf(s: CorrelationSums): number | null {
  if (s.n < 2) return null;
  const vx = s.n * s.sxx - s.sx * s.sx;
  const vy = s.n * s.syy - s.sy * s.sy;
  // Relative guard: sums of equal values leave rounding residue, not variance.
  if (vx <= 1e-12 * s.n * s.sxx || vy <= 1e-12 * s.n * s.syy) return null;
  const r = (s.n * s.sxy - s.sx * s.sy) / Math.sqrt(vx * vy);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Sparsity of one record: the fewest features whose |attribution|, largest first, reach
 * `share` (80 %) of the record's total |attribution|. Null when every attribution is 0.
 */
export function featuresForShare(values: readonly number[], share = 0.8): number | null {
  const abs = values.map(Math.abs).sort((a, b) => b - a);
  const total = abs.reduce((s, v) => s + v, 0);
  if (!(total > 0)) return null;
  let sum = 0;
  for (let k = 0; k < abs.length; k++) {
    sum += abs[k]!;
    // A relative epsilon so that a sum equal to the target in exact arithmetic counts as reaching it.
    if (sum >= share * total * (1 - 1e-12)) return k + 1;
  }
  return abs.length;
}

/**
 * Attribution distance of two records: Σ_f |a_f − b_f| / (Σ_f |a_f| + Σ_f |b_f|) over the union of
 * their features (a missing one counts 0). 0 for identical attributions, 1 for opposite or
 * disjoint ones; 0 when both are all zero.
 */
export function attributionDistance(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): number {
  let diff = 0;
  let scale = 0;
  for (const f of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[f] ?? 0;
    const y = b[f] ?? 0;
    diff += Math.abs(x - y);
    scale += Math.abs(x) + Math.abs(y);
  }
  return scale > 0 ? diff / scale : 0;
}

/** Sum of a record's attributions. */
export function attributionSum(values: Readonly<Record<string, number>>): number {
  let s = 0;
  for (const v of Object.values(values)) s += v;
  return s;
}

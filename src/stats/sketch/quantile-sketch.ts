import { sortedNumericEntries } from './sorted-entries.js';
/**
 * Relative-error quantile sketch (DDSketch, Masson, Rim & Lee, VLDB 2019) with a logarithmic
 * bin grid shared by every sketch of the same accuracy, so merging is exact bin-wise addition
 * (order-independent and deterministic; no randomness).
 *
 * Error bound: with relative accuracy α (default 0.01), every value x with |x| >= 1e-300 is
 * stored in a bin whose representative r satisfies |r − x| <= α·|x|, so `quantile(q)` is
 * within α relative error of the exact order statistic x_(⌊q·(n−1)⌋). Memory is bounded by
 * `maxBins` bins per sign (default 2048, enough for a dynamic range of 1e17 at α = 0.01)
 * whatever the row count; if more are needed, the bins of smallest magnitude are merged and
 * the bound then holds only above the merged range (`collapsed` reports it). Exact zeros and
 * ±Infinity are counted exactly. NaN is ignored (count it as missing before adding).
 */

/** Serialised form of a {@link QuantileSketch} (plain JSON). */
export interface QuantileSketchJSON {
  relativeAccuracy: number;
  maxBins: number;
  /** [bin index, count] pairs of positive values, ascending index. */
  positive: [number, number][];
  /** [bin index, count] pairs of negative values by magnitude, ascending index. */
  negative: [number, number][];
  zero: number;
  positiveInfinity: number;
  negativeInfinity: number;
  collapsedPositive: number | null;
  collapsedNegative: number | null;
}

/** Magnitudes below this go to the zero bin. */
const MIN_INDEXABLE = 1e-300;

/** One bin in value order: the closed interval it covers, its representative and count. */
export interface SketchBin {
  lo: number;
  hi: number;
  value: number;
  count: number;
}

class BinStore {
  readonly counts = new Map<number, number>();
  /** Lowest index kept after merging small-magnitude bins, or null when none were merged. */
  collapsedAt: number | null = null;

  constructor(private readonly maxBins: number) {}

  add(index: number, weight: number): void {
    const i = this.collapsedAt !== null && index < this.collapsedAt ? this.collapsedAt : index;
    const prev = this.counts.get(i);
    this.counts.set(i, (prev ?? 0) + weight);
    if (prev === undefined && this.counts.size > this.maxBins) this.collapse();
  }

  private collapse(): void {
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    const excess = keys.length - this.maxBins;
    const target = keys[excess]!;
    let moved = 0;
    for (let k = 0; k < excess; k++) {
      moved += this.counts.get(keys[k]!)!;
      this.counts.delete(keys[k]!);
    }
    this.counts.set(target, this.counts.get(target)! + moved);
    this.collapsedAt = target;
  }

  sortedEntries(): [number, number][] {
    return sortedNumericEntries(this.counts);
  }
}

export class QuantileSketch {
  readonly relativeAccuracy: number;
  readonly maxBins: number;
  private readonly gamma: number;
  private readonly lnGamma: number;
  private readonly positive: BinStore;
  private readonly negative: BinStore;
  private zero = 0;
  private positiveInfinity = 0;
  private negativeInfinity = 0;

  /**
   * @param options.relativeAccuracy α in (0, 1), default 0.01
   * @param options.maxBins bins per sign before small-magnitude bins are merged, default 2048
   */
  constructor(options: { relativeAccuracy?: number; maxBins?: number } = {}) {
    const alpha = options.relativeAccuracy ?? 0.01;
    if (!(alpha > 0 && alpha < 1)) throw new Error('relativeAccuracy must lie in (0, 1)');
    this.relativeAccuracy = alpha;
    this.maxBins = options.maxBins ?? 2048;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.lnGamma = Math.log1p((2 * alpha) / (1 - alpha));
    this.positive = new BinStore(this.maxBins);
    this.negative = new BinStore(this.maxBins);
  }

  /** Number of values added (NaN excluded). */
  get count(): number {
    let n = this.zero + this.positiveInfinity + this.negativeInfinity;
    for (const c of this.positive.counts.values()) n += c;
    for (const c of this.negative.counts.values()) n += c;
    return n;
  }

  /** True when small-magnitude bins were merged to respect `maxBins`. */
  get collapsed(): boolean {
    return this.positive.collapsedAt !== null || this.negative.collapsedAt !== null;
  }

  private index(magnitude: number): number {
    return Math.ceil(Math.log(magnitude) / this.lnGamma);
  }

  /** Add one value (NaN ignored) with an optional positive weight. */
  add(x: number, weight = 1): void {
    this.addToBin(x, this.binOf(x), weight);
  }

  /**
   * The bin index `x` falls in (0 where no bin is needed: zero, ±Infinity, NaN). It depends
   * only on the relative accuracy, so sketches of the same accuracy can share it.
   */
  binOf(x: number): number {
    const magnitude = Math.abs(x);
    return magnitude > MIN_INDEXABLE && magnitude !== Number.POSITIVE_INFINITY ? this.index(magnitude) : 0;
  }

  /** Add `x` given its {@link binOf} (worked out once for several sketches of this accuracy). */
  addToBin(x: number, bin: number, weight = 1): void {
    if (x > MIN_INDEXABLE) {
      if (x === Number.POSITIVE_INFINITY) this.positiveInfinity += weight;
      else this.positive.add(bin, weight);
    } else if (x < -MIN_INDEXABLE) {
      if (x === Number.NEGATIVE_INFINITY) this.negativeInfinity += weight;
      else this.negative.add(bin, weight);
    } else if (x === x) {
      this.zero += weight;
    }
  }

  /** Add every value of an array (NaN ignored). */
  addAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]!);
  }

  /** Fold another sketch of the same accuracy into this one. */
  merge(other: QuantileSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new Error('cannot merge quantile sketches of different relative accuracy');
    }
    // Respect the other's merged ranges so bins never straddle a collapse boundary.
    const adopt = (mine: BinStore, theirs: BinStore): void => {
      if (
        theirs.collapsedAt !== null &&
        (mine.collapsedAt === null || theirs.collapsedAt > mine.collapsedAt)
      ) {
        const limit = theirs.collapsedAt;
        let moved = 0;
        for (const [k, c] of [...mine.counts]) {
          if (k < limit) {
            moved += c;
            mine.counts.delete(k);
          }
        }
        mine.collapsedAt = limit;
        if (moved > 0) mine.add(limit, moved);
      }
      for (const [k, c] of theirs.counts) mine.add(k, c);
    };
    adopt(this.positive, other.positive);
    adopt(this.negative, other.negative);
    this.zero += other.zero;
    this.positiveInfinity += other.positiveInfinity;
    this.negativeInfinity += other.negativeInfinity;
  }

  /** Bins in ascending value order, with the closed interval each covers. */
  bins(): SketchBin[] {
    const out: SketchBin[] = [];
    const g = this.gamma;
    const rep = 2 / (g + 1);
    const edge = (i: number): number => Math.exp(i * this.lnGamma);
    // Intervals are widened by a few ulps so rounding in the index never escapes them.
    const widen = 1e-12;
    if (this.negativeInfinity > 0) {
      out.push({ lo: -Infinity, hi: -Infinity, value: -Infinity, count: this.negativeInfinity });
    }
    const neg = this.negative.sortedEntries();
    for (let k = neg.length - 1; k >= 0; k--) {
      const [i, c] = neg[k]!;
      const top = edge(i);
      const low = i === this.negative.collapsedAt ? MIN_INDEXABLE : top / g;
      out.push({ lo: -top * (1 + widen), hi: -low * (1 - widen), value: -top * rep, count: c });
    }
    if (this.zero > 0) out.push({ lo: -MIN_INDEXABLE, hi: MIN_INDEXABLE, value: 0, count: this.zero });
    for (const [i, c] of this.positive.sortedEntries()) {
      const top = edge(i);
      const low = i === this.positive.collapsedAt ? MIN_INDEXABLE : top / g;
      out.push({ lo: low * (1 - widen), hi: top * (1 + widen), value: top * rep, count: c });
    }
    if (this.positiveInfinity > 0) {
      out.push({ lo: Infinity, hi: Infinity, value: Infinity, count: this.positiveInfinity });
    }
    return out;
  }

  /**
   * Approximate q-quantile: the representative of the bin holding the order statistic of
   * rank ⌊q·(n−1)⌋ (0-based), within relative error α of it. NaN when empty.
   */
  quantile(q: number): number {
    const n = this.count;
    if (n === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    const rank = Math.floor(q * (n - 1));
    let cum = 0;
    const bins = this.bins();
    for (const b of bins) {
      cum += b.count;
      if (cum > rank) return b.value;
    }
    return bins[bins.length - 1]!.value;
  }

  /** Serialise to plain JSON. */
  toJSON(): QuantileSketchJSON {
    return {
      relativeAccuracy: this.relativeAccuracy,
      maxBins: this.maxBins,
      positive: this.positive.sortedEntries(),
      negative: this.negative.sortedEntries(),
      zero: this.zero,
      positiveInfinity: this.positiveInfinity,
      negativeInfinity: this.negativeInfinity,
      collapsedPositive: this.positive.collapsedAt,
      collapsedNegative: this.negative.collapsedAt,
    };
  }

  /** Rebuild a sketch from {@link QuantileSketch.toJSON} output. */
  static fromJSON(json: QuantileSketchJSON): QuantileSketch {
    const s = new QuantileSketch({ relativeAccuracy: json.relativeAccuracy, maxBins: json.maxBins });
    s.positive.collapsedAt = json.collapsedPositive;
    s.negative.collapsedAt = json.collapsedNegative;
    for (const [i, c] of json.positive) s.positive.counts.set(i, c);
    for (const [i, c] of json.negative) s.negative.counts.set(i, c);
    s.zero = json.zero;
    s.positiveInfinity = json.positiveInfinity;
    s.negativeInfinity = json.negativeInfinity;
    return s;
  }
}

import { FrequentItems, type FrequentItemsJSON } from './frequent-items.js';
import { HyperLogLog, type DistinctHashes, type HyperLogLogJSON } from './hyperloglog.js';
import { QuantileSketch, type QuantileSketchJSON } from './quantile-sketch.js';
import { sortedNumericEntries } from './sorted-entries.js';

/**
 * The last number and category added to any profile, with their quantile bin and distinct-count
 * hashes: a value added to several profiles in a row (a record's window and each of its
 * segments) is worked out once. The bin depends only on the relative accuracy, the hashes on
 * nothing but the value.
 */
const lastNumber = { value: Number.NaN, accuracy: Number.NaN, bin: 0, hashes: { index: 0, rank: 0 } };
const lastCategory: { value: string | null; hashes: DistinctHashes } = {
  value: null,
  hashes: { index: 0, rank: 0 },
};

/** Sketch settings of a {@link ColumnProfile}. */
export interface ColumnProfileOptions {
  /** Relative accuracy α of the quantile sketch (numeric columns), default 0.01. */
  relativeAccuracy?: number;
  /** Frequent-items capacity k (categorical columns), default 256. */
  frequentItems?: number;
  /** HyperLogLog precision p, default 12. */
  distinctPrecision?: number;
  /**
   * Numeric columns keep exact per-value counts while they have at most this many distinct
   * finite values (default 256), so low-cardinality columns are compared exactly.
   */
  exactValues?: number;
}

/** Serialised form of a {@link ColumnProfile} (plain JSON). */
export interface ColumnProfileJSON {
  name: string;
  kind: 'numeric' | 'categorical';
  count: number;
  missing: number;
  min: number | null;
  max: number | null;
  sum: number;
  sumSq: number;
  positiveInfinity: number;
  negativeInfinity: number;
  quantiles: QuantileSketchJSON | null;
  frequentItems: FrequentItemsJSON | null;
  distinct: HyperLogLogJSON;
  exactValueLimit: number;
  /** [value, count] pairs of the finite values, ascending, or null once over the limit. */
  exactValues: [number, number][] | null;
}

/**
 * Mergeable summary of one column for monitoring at scale: exact row, missing and infinity
 * counts, min/max, sum and sum of squares of the finite values; a relative-error quantile
 * sketch (numeric), a frequent-items sketch (categorical) and a HyperLogLog distinct count.
 * Memory does not grow with the row count; `merge` of profiles built on disjoint parts of the
 * data gives the profile of the whole (sketch bounds included). Deterministic.
 */
export class ColumnProfile {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Non-missing values added. */
  count = 0;
  /** Missing values added (NaN or null). */
  missing = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Sum of the finite values. */
  sum = 0;
  /** Sum of squares of the finite values. */
  sumSq = 0;
  positiveInfinity = 0;
  negativeInfinity = 0;
  readonly quantiles: QuantileSketch | null;
  readonly frequentItems: FrequentItems | null;
  readonly distinct: HyperLogLog;
  /** Exact counts of finite values while there are at most `exactValueLimit` distinct ones. */
  exactValues: Map<number, number> | null;
  readonly exactValueLimit: number;

  /**
   * @param sketches restored sketches (used by {@link ColumnProfile.fromJSON}); new ones otherwise
   */
  constructor(
    name: string,
    kind: 'numeric' | 'categorical',
    options: ColumnProfileOptions = {},
    sketches?: {
      quantiles: QuantileSketch | null;
      frequentItems: FrequentItems | null;
      distinct: HyperLogLog;
    },
  ) {
    this.name = name;
    this.kind = kind;
    this.exactValueLimit = options.exactValues ?? 256;
    this.exactValues = kind === 'numeric' ? new Map() : null;
    if (sketches) {
      this.quantiles = sketches.quantiles;
      this.frequentItems = sketches.frequentItems;
      this.distinct = sketches.distinct;
      return;
    }
    this.quantiles =
      kind === 'numeric'
        ? new QuantileSketch(
            options.relativeAccuracy !== undefined ? { relativeAccuracy: options.relativeAccuracy } : {},
          )
        : null;
    this.frequentItems = kind === 'categorical' ? new FrequentItems(options.frequentItems ?? 256) : null;
    this.distinct = new HyperLogLog(options.distinctPrecision ?? 12);
  }

  /** Total rows added, missing included. */
  get rows(): number {
    return this.count + this.missing;
  }

  /** Mean of the finite values (NaN when none). */
  get mean(): number {
    const n = this.count - this.positiveInfinity - this.negativeInfinity;
    return n > 0 ? this.sum / n : Number.NaN;
  }

  /** Population (ddof = 0) standard deviation of the finite values, from sum and sumSq. */
  get std(): number {
    const n = this.count - this.positiveInfinity - this.negativeInfinity;
    if (n === 0) return Number.NaN;
    const mean = this.sum / n;
    return Math.sqrt(Math.max(0, this.sumSq / n - mean * mean));
  }

  /** Add one value: a number (NaN = missing) for numeric profiles, string/null otherwise. */
  add(value: number | string | null): void {
    if (this.kind === 'numeric') {
      if (typeof value !== 'number') throw new Error(`numeric profile "${this.name}" given a non-number`);
      this.addNumber(value);
    } else {
      if (typeof value === 'number') throw new Error(`categorical profile "${this.name}" given a number`);
      this.addCategory(value);
    }
  }

  private addNumber(x: number): void {
    if (Number.isNaN(x)) {
      this.missing++;
      return;
    }
    const sketch = this.quantiles!;
    const last = lastNumber;
    if (x !== last.value || sketch.relativeAccuracy !== last.accuracy) {
      last.value = x;
      last.accuracy = sketch.relativeAccuracy;
      last.bin = sketch.binOf(x);
      HyperLogLog.hashesOf(x, last.hashes);
    }
    this.count++;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (x === Number.POSITIVE_INFINITY) this.positiveInfinity++;
    else if (x === Number.NEGATIVE_INFINITY) this.negativeInfinity++;
    else {
      this.sum += x;
      this.sumSq += x * x;
      if (this.exactValues !== null) {
        this.exactValues.set(x, (this.exactValues.get(x) ?? 0) + 1);
        if (this.exactValues.size > this.exactValueLimit) this.exactValues = null;
      }
    }
    sketch.addToBin(x, last.bin);
    this.distinct.addHashes(last.hashes);
  }

  private addCategory(v: string | null): void {
    if (v === null) {
      this.missing++;
      return;
    }
    const last = lastCategory;
    if (v !== last.value) {
      last.value = v;
      HyperLogLog.hashesOf(v, last.hashes);
    }
    this.count++;
    this.frequentItems!.add(v);
    this.distinct.addHashes(last.hashes);
  }

  /** Add every value of a numeric (Float64Array) or categorical array. */
  addAll(values: Float64Array | ReadonlyArray<string | null>): void {
    if (values instanceof Float64Array) {
      if (this.kind !== 'numeric') throw new Error(`categorical profile "${this.name}" given numbers`);
      for (let i = 0; i < values.length; i++) this.addNumber(values[i]!);
    } else {
      for (const v of values) this.add(v);
    }
  }

  /** Fold another profile of the same column kind and sketch settings into this one. */
  merge(other: ColumnProfile): void {
    if (other.kind !== this.kind)
      throw new Error(`cannot merge ${other.kind} profile into ${this.kind} profile`);
    this.count += other.count;
    this.missing += other.missing;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.sum += other.sum;
    this.sumSq += other.sumSq;
    this.positiveInfinity += other.positiveInfinity;
    this.negativeInfinity += other.negativeInfinity;
    if (this.quantiles && other.quantiles) this.quantiles.merge(other.quantiles);
    if (this.frequentItems && other.frequentItems) this.frequentItems.merge(other.frequentItems);
    this.distinct.merge(other.distinct);
    if (this.exactValues !== null && other.exactValues !== null) {
      for (const [v, c] of other.exactValues) this.exactValues.set(v, (this.exactValues.get(v) ?? 0) + c);
      if (this.exactValues.size > this.exactValueLimit) this.exactValues = null;
    } else {
      this.exactValues = null;
    }
  }

  /** Serialise to plain JSON (min/max null when no value was added). */
  toJSON(): ColumnProfileJSON {
    return {
      name: this.name,
      kind: this.kind,
      count: this.count,
      missing: this.missing,
      min: this.count > 0 ? this.min : null,
      max: this.count > 0 ? this.max : null,
      sum: this.sum,
      sumSq: this.sumSq,
      positiveInfinity: this.positiveInfinity,
      negativeInfinity: this.negativeInfinity,
      quantiles: this.quantiles?.toJSON() ?? null,
      frequentItems: this.frequentItems?.toJSON() ?? null,
      distinct: this.distinct.toJSON(),
      exactValueLimit: this.exactValueLimit,
      exactValues: this.exactValues ? sortedNumericEntries(this.exactValues) : null,
    };
  }

  /** Rebuild a profile from {@link ColumnProfile.toJSON} output. */
  static fromJSON(json: ColumnProfileJSON): ColumnProfile {
    const p = new ColumnProfile(
      json.name,
      json.kind,
      {},
      {
        quantiles: json.quantiles ? QuantileSketch.fromJSON(json.quantiles) : null,
        frequentItems: json.frequentItems ? FrequentItems.fromJSON(json.frequentItems) : null,
        distinct: HyperLogLog.fromJSON(json.distinct),
      },
    );
    p.count = json.count;
    p.missing = json.missing;
    p.min = json.min ?? Number.POSITIVE_INFINITY;
    p.max = json.max ?? Number.NEGATIVE_INFINITY;
    p.sum = json.sum;
    p.sumSq = json.sumSq;
    p.positiveInfinity = json.positiveInfinity;
    p.negativeInfinity = json.negativeInfinity;
    p.exactValues = json.exactValues ? new Map(json.exactValues) : null;
    return p;
  }
}

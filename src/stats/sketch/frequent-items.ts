/**
 * Frequent-items sketch (Misra–Gries, with the mergeable reduction of Agarwal et al., 2012).
 *
 * Error bound: with capacity k (default 256), for every item the estimate never exceeds the
 * true count and undercounts it by at most `maxError`, which is itself at most n/(k+1) for n
 * added rows (also after any sequence of merges). Items whose true count exceeds `maxError`
 * are always tracked. When no reduction has happened (at most k distinct items seen), every
 * count is exact and `maxError` is 0. Memory: at most 2k counters whatever the row count.
 * Deterministic: the reduction depends only on the multiset of counters.
 */

/** Serialised form of a {@link FrequentItems} sketch (plain JSON). */
export interface FrequentItemsJSON {
  capacity: number;
  total: number;
  maxError: number;
  /** [item, estimated count] pairs, sorted by item. */
  counters: [string, number][];
}

export class FrequentItems {
  readonly capacity: number;
  private counters = new Map<string, number>();
  private totalWeight = 0;
  private error = 0;

  /** @param capacity number of counters kept after each reduction (k), default 256 */
  constructor(capacity = 256) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new Error('capacity must be a positive integer');
    this.capacity = capacity;
  }

  /** Total weight added (n). */
  get total(): number {
    return this.totalWeight;
  }

  /** Largest possible undercount of any item's estimate (<= total/(capacity+1)). */
  get maxError(): number {
    return this.error;
  }

  /** Add one occurrence (or `weight` occurrences) of an item. */
  add(item: string, weight = 1): void {
    this.totalWeight += weight;
    this.counters.set(item, (this.counters.get(item) ?? 0) + weight);
    if (this.counters.size > 2 * this.capacity) this.reduce();
  }

  /** Subtract the (k+1)-th largest count from every counter and drop the non-positive ones. */
  private reduce(): void {
    if (this.counters.size <= this.capacity) return;
    const values = [...this.counters.values()].sort((a, b) => b - a);
    const cut = values[this.capacity]!;
    const next = new Map<string, number>();
    for (const [item, c] of this.counters) if (c > cut) next.set(item, c - cut);
    this.counters = next;
    this.error += cut;
  }

  /** Lower-bound estimate of an item's count (true count is in [estimate, estimate + maxError]). */
  estimate(item: string): number {
    return this.counters.get(item) ?? 0;
  }

  /** Tracked items with their estimates, by decreasing estimate then item. */
  items(): [string, number][] {
    return [...this.counters.entries()].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
    );
  }

  /** Fold another sketch into this one (the result obeys the bound for the combined rows). */
  merge(other: FrequentItems): void {
    for (const [item, c] of other.counters) this.counters.set(item, (this.counters.get(item) ?? 0) + c);
    this.totalWeight += other.totalWeight;
    this.error += other.error;
    this.reduce();
  }

  /** Serialise to plain JSON; the sketch is reduced to at most k counters first. */
  toJSON(): FrequentItemsJSON {
    this.reduce();
    return {
      capacity: this.capacity,
      total: this.totalWeight,
      maxError: this.error,
      counters: [...this.counters.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    };
  }

  /** Rebuild a sketch from {@link FrequentItems.toJSON} output. */
  static fromJSON(json: FrequentItemsJSON): FrequentItems {
    const s = new FrequentItems(json.capacity);
    s.counters = new Map(json.counters);
    s.totalWeight = json.total;
    s.error = json.maxError;
    return s;
  }
}

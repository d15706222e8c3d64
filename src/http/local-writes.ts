/**
 * A count of the writes this server has answered, per store. A read served from a short-lived
 * in-memory copy (the routing table) notes the count when it reads the store and reads again once
 * the count has moved, so a change made through this server shows in its very next answer; changes
 * made through other servers sharing the database show within the copy's own freshness bound.
 */
const generations = new WeakMap<object, number>();

/** The number of writes answered so far on `store`. */
export function localWriteGeneration(store: object): number {
  return generations.get(store) ?? 0;
}

/** Counts a write answered on `store` (after its transaction has ended). */
export function noteLocalWrite(store: object): void {
  generations.set(store, (generations.get(store) ?? 0) + 1);
}

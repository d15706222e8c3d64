/**
 * The entries of a map keyed by numbers, as `[key, value]` pairs in ascending key order: the
 * same pairs and order as sorting the entries with `(a, b) => a[0] - b[0]`, but the keys are
 * sorted as a typed array (natively, without a comparator call per comparison). Keys are
 * distinct numbers other than NaN (a `Map` holds `-0` as `0`).
 */
export function sortedNumericEntries<V>(map: ReadonlyMap<number, V>): [number, V][] {
  const keys = new Float64Array(map.size);
  let i = 0;
  for (const key of map.keys()) keys[i++] = key;
  keys.sort();
  const out: [number, V][] = new Array<[number, V]>(keys.length);
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j]!;
    out[j] = [key, map.get(key)!];
  }
  return out;
}

import { createHash } from 'node:crypto';

/**
 * The audit program's random samples, reproducible from the seed alone: each candidate's key is
 * the SHA-256 (hex) of `seed`, a newline and the candidate's identifier; a sample of k is the k
 * candidates with the smallest keys (ties, which SHA-256 makes practically impossible, broken by
 * identifier). The same seed and population always give the same sample, and anyone can redo it
 * with any SHA-256 implementation.
 */
export function sampleKey(seed: string, id: string): string {
  return createHash('sha256').update(`${seed}\n${id}`, 'utf8').digest('hex');
}

/** The sample size for a share of a population: the share rounded up, so a non-empty population always yields at least one. */
export function sampleSize(population: number, pct: number): number {
  if (population <= 0 || pct <= 0) return 0;
  // Rounded to 1e-9 first, so 20 % of 10 is 2 and not 3 through floating-point noise.
  return Math.min(population, Math.ceil(Math.round(((population * pct) / 100) * 1e9) / 1e9));
}

/** The k candidates with the smallest keys under `seed`, in key order, each with its key. */
export function drawSample<T>(
  seed: string,
  candidates: readonly T[],
  idOf: (c: T) => string,
  k: number,
): Array<{ item: T; key: string }> {
  return candidates
    .map((item) => ({ item, id: idOf(item), key: sampleKey(seed, idOf(item)) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, Math.max(0, k))
    .map(({ item, key }) => ({ item, key }));
}

/** The calendar quarters of a year in UTC: [from, to) as ISO-8601. */
export function quartersOf(year: number): Array<{ quarter: 1 | 2 | 3 | 4; from: string; to: string }> {
  return ([1, 2, 3, 4] as const).map((quarter) => ({
    quarter,
    from: new Date(Date.UTC(year, (quarter - 1) * 3, 1)).toISOString(),
    to: new Date(Date.UTC(year, quarter * 3, 1)).toISOString(),
  }));
}

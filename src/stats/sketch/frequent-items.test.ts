import { describe, expect, it } from 'vitest';
import { seededRandom } from '../drift/test-helpers.js';
import { FrequentItems } from './frequent-items.js';

/** Zipf-like categories: item i with probability ∝ 1/(i+1). */
function zipf(n: number, distinct: number, seed: number): string[] {
  const rand = seededRandom(seed);
  const cdf: number[] = [];
  let total = 0;
  for (let i = 0; i < distinct; i++) cdf.push((total += 1 / (i + 1)));
  return Array.from({ length: n }, () => {
    const u = rand() * total;
    let lo = 0;
    let hi = distinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return `c${lo}`;
  });
}

function exactCounts(items: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) m.set(it, (m.get(it) ?? 0) + 1);
  return m;
}

function expectWithinBound(sketch: FrequentItems, exact: Map<string, number>, n: number): void {
  expect(sketch.maxError).toBeLessThanOrEqual(n / (sketch.capacity + 1));
  for (const [item, count] of exact) {
    const est = sketch.estimate(item);
    expect(est).toBeLessThanOrEqual(count);
    expect(count - est).toBeLessThanOrEqual(sketch.maxError);
  }
}

describe('FrequentItems (Misra–Gries) error bound', () => {
  it('undercounts every item by at most maxError <= n/(k+1)', () => {
    const data = zipf(100_000, 5_000, 1);
    const s = new FrequentItems(64);
    for (const d of data) s.add(d);
    expectWithinBound(s, exactCounts(data), data.length);
    expect(s.items()[0]![0]).toBe('c0');
  });

  it('keeps the bound after merging parts', () => {
    const data = zipf(60_000, 3_000, 2);
    const parts = [0, 1, 2].map((k) => {
      const s = new FrequentItems(50);
      for (const d of data.slice(k * 20_000, (k + 1) * 20_000)) s.add(d);
      return s;
    });
    const merged = new FrequentItems(50);
    for (const p of parts) merged.merge(p);
    expect(merged.total).toBe(60_000);
    expectWithinBound(merged, exactCounts(data), data.length);
  });

  it('is exact with at most k distinct items', () => {
    const s = new FrequentItems(10);
    for (const d of ['a', 'b', 'a', 'c', 'a', 'b']) s.add(d);
    expect(s.maxError).toBe(0);
    expect(s.items()).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]);
  });

  it('round-trips through JSON and has bounded memory', () => {
    const s = new FrequentItems(32);
    const data = zipf(1_000_000, 100_000, 3);
    for (const d of data.slice(0, 10_000)) s.add(d);
    const small = JSON.stringify(s.toJSON()).length;
    for (const d of data.slice(10_000)) s.add(d);
    const json = JSON.stringify(s.toJSON());
    expect(json.length).toBeLessThan(small * 1.5);
    const back = FrequentItems.fromJSON(JSON.parse(json) as ReturnType<FrequentItems['toJSON']>);
    expect(back.toJSON()).toEqual(s.toJSON());
  });
});

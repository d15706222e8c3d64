import { describe, expect, it } from 'vitest';
import { createSeededRandom, xoshiro128StarStar } from './seeded-random.js';

describe('seeded random', () => {
  it('follows the xoshiro128** reference sequence from state {1, 2, 3, 4}', () => {
    // First outputs of the reference C implementation (Blackman & Vigna) from state 1, 2, 3, 4.
    const next = xoshiro128StarStar([1, 2, 3, 4]);
    expect(Array.from({ length: 8 }, next)).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ]);
  });

  it('is deterministic per seed and differs between seeds, including seeds beyond 2^32', () => {
    const draw = (seed: number) => {
      const r = createSeededRandom(seed);
      return Array.from({ length: 16 }, () => r.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(7)).not.toEqual(draw(7 + 2 ** 32));
  });

  it('draws integers uniformly in range (chi-square check) and floats in [0, 1)', () => {
    const r = createSeededRandom(2026);
    const counts = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const k = r.nextInt(10);
      counts[k] = counts[k]! + 1;
    }
    const expected = draws / 10;
    const chi = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: the 99.99th percentile is about 33.7.
    expect(chi).toBeLessThan(33.7);
    for (let i = 0; i < 1000; i++) {
      const f = r.nextFloat();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
  });

  it('rejects invalid seeds and bounds', () => {
    expect(() => createSeededRandom(-1)).toThrow(/seed/);
    expect(() => createSeededRandom(1.5)).toThrow(/seed/);
    expect(() => createSeededRandom(1).nextInt(0)).toThrow(/bound/);
  });
});

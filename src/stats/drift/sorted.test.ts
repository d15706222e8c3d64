import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedCopy } from './sorted.js';

/** Long enough for the radix sort (short arrays use the built-in sort). */
const LONG = 5000;

function sameBits(actual: Float64Array, expected: ArrayLike<number>): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect([i, actual[i]]).toEqual([i, expected[i]]);
  }
}

describe('sortedCopy', () => {
  it('orders signs, zeros, infinities, subnormals and NaN as the built-in sort does', () => {
    const special = [NaN, Infinity, -Infinity, 0, -0, 5e-324, -5e-324, 1, -1, 2.5, -2.5, 1e308, -1e308];
    const values = Float64Array.from({ length: LONG }, (_, i) => special[i % special.length]!);
    const sorted = sortedCopy(values);
    // Written out: 385 of each value (5000 = 13 × 384 + 8, the first 8 values get one more).
    const count = (value: number) => (special.findIndex((s) => Object.is(s, value)) < 8 ? 385 : 384);
    const expected = [
      -Infinity,
      -1e308,
      -2.5,
      -1,
      -5e-324,
      -0,
      0,
      5e-324,
      1,
      2.5,
      1e308,
      Infinity,
      NaN,
    ].flatMap((value) => Array<number>(count(value)).fill(value));
    sameBits(sorted, expected);
    expect(values[0]).toBeNaN(); // the input is not modified
  });

  it('agrees with Float64Array.prototype.sort on random long arrays', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double(), { minLength: LONG, maxLength: LONG + 100 }),
        fc.integer({ min: 0, max: 3 }),
        (values, duplicates) => {
          const input = Float64Array.from(values, (v, i) => (i % 4 < duplicates ? values[0]! : v));
          sameBits(sortedCopy(input), input.slice().sort());
        },
      ),
      { numRuns: 30 },
    );
  });

  it('sorts values that share their high bits (a narrow range) by the low ones', () => {
    const values = Float64Array.from({ length: LONG }, (_, i) => 100 + ((i * 7919) % LONG) * 1e-12);
    const sorted = sortedCopy(values);
    for (let i = 0; i < LONG; i++) expect(sorted[i]).toBe(100 + i * 1e-12);
  });
});

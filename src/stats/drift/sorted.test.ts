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

  it('agrees with the built-in sort just below and above the radix threshold, special values included', () => {
    const special = fc.constantFrom(
      NaN,
      Infinity,
      -Infinity,
      0,
      -0,
      5e-324,
      -5e-324,
      2.225073858507201e-308,
      -1,
    );
    // NaN with other payloads and the sign bit set: the built-in sort puts every NaN last.
    const otherNaN = fc
      .tuple(fc.integer({ min: 1, max: 0xfffff }), fc.boolean())
      .map(([payload, negative]) => {
        const bits = new Uint32Array([7, ((negative ? 0xfff00000 : 0x7ff00000) | payload) >>> 0]);
        return new Float64Array(bits.buffer)[0]!;
      });
    fc.assert(
      fc.property(
        fc.integer({ min: 2040, max: 2060 }),
        fc.array(fc.oneof(special, otherNaN, fc.double()), { minLength: 1, maxLength: 40 }),
        (length, pool) => {
          const input = Float64Array.from({ length }, (_, i) => pool[(i * 7919) % pool.length]!);
          sameBits(sortedCopy(input), input.slice().sort());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('sorts values that share their high bits (a narrow range) by the low ones', () => {
    const values = Float64Array.from({ length: LONG }, (_, i) => 100 + ((i * 7919) % LONG) * 1e-12);
    const sorted = sortedCopy(values);
    for (let i = 0; i < LONG; i++) expect(sorted[i]).toBe(100 + i * 1e-12);
  });
});

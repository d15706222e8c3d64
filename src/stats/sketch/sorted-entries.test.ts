import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortedNumericEntries } from './sorted-entries.js';

const byComparator = <V>(map: Map<number, V>) => [...map.entries()].sort((a, b) => a[0] - b[0]);

describe('sortedNumericEntries', () => {
  it.each([
    ['empty', []],
    ['one key', [[3, 'a']]],
    [
      'negative, zero and fractional keys',
      [
        [2.5, 1],
        [-1, 2],
        [0, 3],
        [-0.25, 4],
        [10, 5],
      ],
    ],
    [
      'keys that sort differently as text',
      [
        [10, 1],
        [9, 2],
        [-10, 3],
        [-9, 4],
        [100, 5],
      ],
    ],
    [
      'extreme magnitudes',
      [
        [1e300, 1],
        [-1e300, 2],
        [5e-324, 3],
        [-5e-324, 4],
        [Infinity, 5],
        [-Infinity, 6],
      ],
    ],
  ] as [string, [number, unknown][]][])('%s: ascending key order, each key with its value', (_, entries) => {
    const map = new Map(entries);
    expect(sortedNumericEntries(map)).toEqual(byComparator(map));
  });

  it('answers 0 for a key set as -0 (a map holds it as 0)', () => {
    const [[key]] = sortedNumericEntries(new Map([[-0, 'x']])) as [[number, string]];
    expect(Object.is(key, 0)).toBe(true);
  });

  it('matches sorting the entries with a comparator, for any distinct keys in any insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ noNaN: true }), fc.integer())), (entries) => {
        const map = new Map(entries);
        const sorted = sortedNumericEntries(map);
        expect(sorted).toEqual(byComparator(map));
        expect(JSON.stringify(sorted)).toBe(JSON.stringify(byComparator(map)));
      }),
      { numRuns: 300 },
    );
  });
});

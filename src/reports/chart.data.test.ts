import { describe, expect, it } from 'vitest';
import type { NumericColumn } from '../stats/types.js';
import { histogramShares, predictedVsActualPoints } from './chart.data.js';

describe('predictedVsActualPoints', () => {
  it('keeps every row when there are few, with one range over both columns', () => {
    const data = predictedVsActualPoints(Float64Array.from([3, 1, 2]), Float64Array.from([2.5, -4, 9]));
    expect(data).toEqual({
      points: [
        [3, 2.5],
        [1, -4],
        [2, 9],
      ],
      rows: 3,
      min: -4,
      max: 9,
    });
  });

  it('thins many rows to evenly spaced ones, first and last kept, the range still over all rows', () => {
    // Row i: actual i, predicted 2i; row 1 (not shown) holds the extremes.
    const actual = Float64Array.from({ length: 1001 }, (_, i) => i);
    const predicted = Float64Array.from({ length: 1001 }, (_, i) => 2 * i);
    actual[1] = -50;
    predicted[1] = 5000;
    const data = predictedVsActualPoints(actual, predicted, 11);
    expect(data.points).toEqual(Array.from({ length: 11 }, (_, j) => [100 * j, 200 * j]));
    expect([data.rows, data.min, data.max]).toEqual([1001, -50, 5000]);
  });
});

const num = (values: number[]): NumericColumn => ({
  kind: 'numeric',
  name: 'x',
  values: Float64Array.from(values),
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('histogramShares', () => {
  it('uses equal bins over the whole range when no tail dominates', () => {
    const data = histogramShares(num(range(100)), num(range(100).map((v) => v + 50)), 10);
    expect(data.folded).toEqual({ below: null, above: null });
    expect(data.edges[0]).toBe(0);
    expect(data.edges[10]).toBe(149);
    // reference 0..99 over bins of width 14.9: 15 values in each of the first six bins, 10 in the seventh
    expect(data.reference.slice(0, 7).map((s) => Math.round(s * 100))).toEqual([15, 15, 15, 15, 15, 15, 10]);
  });

  it('folds a far outlier into the last bin instead of squeezing the rest into one bar', () => {
    // 401 finite values: 0..199 twice and 1e6 once. The 1st percentile (index 4) is 2 and the 99th
    // (index 396) is 198, a range far under half of 1e6, so the 20 bins cover [2, 198].
    const data = histogramShares(num([...range(200), 1e6]), num(range(200)), 20);
    expect(data.folded).toEqual({ below: 2, above: 198 });
    expect(data.edges[0]).toBe(2);
    expect(data.edges[20]).toBeCloseTo(198, 12);
    // bins of width 9.8: the first holds 0..11 (12 values, two of them folded), the last 189..199 and 1e6
    expect(data.reference[0]).toBeCloseTo(12 / 201, 15);
    expect(data.reference[19]).toBeCloseTo(12 / 201, 15);
    expect(data.current[19]).toBeCloseTo(11 / 200, 15);
    expect(data.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('leaves missing values out and puts infinities in the outer bins', () => {
    const data = histogramShares(num([Number.NaN, -Infinity, 0, 1, 2, 3, Infinity]), num([0, 3]), 3);
    expect(data.edges).toEqual([0, 1, 2, 3]);
    expect(data.reference).toEqual([2 / 6, 1 / 6, 3 / 6]);
  });
});

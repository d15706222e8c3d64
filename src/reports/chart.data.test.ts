import { describe, expect, it } from 'vitest';
import { predictedVsActualPoints } from './chart.data.js';

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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from './close-to.test-helper.js';
import { evaluateRegression } from './index.js';

describe('evaluateRegression', () => {
  it('matches hand values', () => {
    // errors 1, −2, 0; target mean 2, SS_tot = 2, SS_res = 5.
    const m = evaluateRegression(Float64Array.from([1, 2, 3]), Float64Array.from([0, 4, 3]));
    expectClose(m.mae, 1);
    expectClose(m.rmse, Math.sqrt(5 / 3));
    expectClose(m.mape, (1 / 1 + 2 / 2 + 0) / 3);
    expectClose(m.r2, 1 - 5 / 2);
  });

  it('returns null R² for a single row and follows force_finite for a constant target', () => {
    expect(evaluateRegression(Float64Array.from([4]), Float64Array.from([5])).r2).toBeNull();
    expect(evaluateRegression(Float64Array.from([4, 4]), Float64Array.from([4, 4])).r2).toBe(1);
    expect(evaluateRegression(Float64Array.from([4, 4]), Float64Array.from([4, 5])).r2).toBe(0);
  });

  it('rejects non-finite values, naming the index, and empty input', () => {
    expect(() => evaluateRegression(Float64Array.from([1, NaN]), Float64Array.from([1, 2]))).toThrow(
      /target\[1\] is NaN/,
    );
    expect(() => evaluateRegression(Float64Array.from([1, 2]), Float64Array.from([Infinity, 2]))).toThrow(
      /prediction\[0\] is Infinity/,
    );
    expect(() => evaluateRegression(new Float64Array(0), new Float64Array(0))).toThrow(/empty input/);
  });

  it('a perfect prediction scores zero error and R² 1 (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 }),
        (xs) => {
          const y = Float64Array.from(xs);
          const m = evaluateRegression(y, y);
          expect(m.mae).toBe(0);
          expect(m.rmse).toBe(0);
          expect(m.r2).toBe(1);
        },
      ),
    );
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannKendall } from './mann-kendall.js';

/** Textbook Mann-Kendall written in Python and checked against scipy (test/fixtures/gen-sla-trend.py). */
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/sla-trend.json', import.meta.url), 'utf8'),
) as {
  mannKendall: Array<{
    name: string;
    x: number[];
    s: number;
    variance: number;
    z: number;
    pValue: number;
    slope: number;
  }>;
};

describe('Mann-Kendall trend test', () => {
  it.each(fixture.mannKendall)(
    '$name: S, Var(S) with ties, z with continuity correction, p, Sen slope',
    (c) => {
      const r = mannKendall(c.x);
      expect(r.n).toBe(c.x.length);
      expect(r.s).toBe(c.s);
      expect(r.variance).toBeCloseTo(c.variance, 9);
      expect(r.z).toBeCloseTo(c.z, 12);
      expect(Math.abs(r.pValue - c.pValue)).toBeLessThanOrEqual(1e-12 + 1e-9 * c.pValue);
      expect(r.slope).toBeCloseTo(c.slope, 12);
    },
  );

  it('by hand: 1, 2, 3, 4 has S = 6, Var = 4·3·13/18 = 8.667, z = 5/√8.667 = 1.698', () => {
    const r = mannKendall([1, 2, 3, 4]);
    expect(r.s).toBe(6);
    expect(r.variance).toBeCloseTo(26 / 3, 12);
    expect(r.z).toBeCloseTo(5 / Math.sqrt(26 / 3), 12);
    expect(r.tau).toBe(1);
    expect(r.slope).toBe(1);
  });

  it('a series shorter than 2 or all tied has no trend (z 0, p 1)', () => {
    expect(mannKendall([])).toMatchObject({ s: 0, z: 0, pValue: 1 });
    expect(mannKendall([3])).toMatchObject({ s: 0, z: 0, pValue: 1 });
    expect(mannKendall([2, 2, 2])).toMatchObject({ s: 0, variance: 0, z: 0, pValue: 1 });
  });

  it('reversing a series negates S and z and keeps p (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 2, maxLength: 30 }), (xs) => {
        const a = mannKendall(xs);
        const b = mannKendall([...xs].reverse());
        expect(b.s + a.s).toBe(0);
        expect(b.z).toBeCloseTo(-a.z, 12);
        expect(b.pValue).toBeCloseTo(a.pValue, 12);
      }),
    );
  });
});

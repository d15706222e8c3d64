import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { andersonKSample } from './anderson.js';
import { chiSquareGoodnessOfFit, chiSquareHomogeneity } from './chisquare.js';
import { cramerVonMises2Samp } from './cramer-von-mises.js';
import {
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  populationStabilityIndex,
} from './divergence.js';
import { compareColumn } from './compare-column.js';
import { ksTwoSample } from './ks.js';
import { mannWhitneyU } from './mann-whitney.js';
import { welchTTest } from './t-test.js';
import { energyDistance, wassersteinDistance } from './wasserstein.js';
import { twoProportionZTest } from './z-test.js';

const f = (...v: number[]): Float64Array => Float64Array.from(v);

describe('edge cases of the individual tests', () => {
  it('reject empty samples', () => {
    expect(() => ksTwoSample(f(), f(1))).toThrow();
    expect(() => wassersteinDistance(f(1), f())).toThrow();
    expect(() => energyDistance(f(), f())).toThrow();
    expect(() => mannWhitneyU(f(), f(1))).toThrow();
    expect(() => welchTTest(f(1), f(1, 2))).toThrow();
    expect(() => cramerVonMises2Samp(f(1), f(1, 2))).toThrow();
    expect(() => andersonKSample([f(1, 2)])).toThrow();
    expect(() => andersonKSample([f(1, 1), f(1, 1)])).toThrow(/distinct/);
    expect(() => twoProportionZTest(0, 0, 1, 1)).toThrow();
  });

  it('KS on tiny samples (n = 1, 2) by hand', () => {
    // One point each, different values: D = 1; exact p = 2·C(1,1)/C(2,1) = 1.
    expect(ksTwoSample(f(0), f(1))).toMatchObject({ statistic: 1, pValue: 1, method: 'exact' });
    // {0,1} vs {2,3}: D = 1, exact p = 2/C(4,2) = 1/3.
    const r = ksTwoSample(f(0, 1), f(2, 3));
    expect(r.statistic).toBe(1);
    expect(r.pValue).toBeCloseTo(1 / 3, 14);
    expect(ksTwoSample(f(5), f(5))).toMatchObject({ statistic: 0, pValue: 1 });
  });

  it('KS with ties everywhere and ±Infinity', () => {
    const r = ksTwoSample(f(1, 1, 1, 2, 2), f(1, 2, 2, 2, 2));
    expect(r.statistic).toBeCloseTo(0.4, 15);
    const inf = ksTwoSample(
      f(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY),
      f(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY),
    );
    expect(inf.statistic).toBe(1);
  });

  it('does not modify its inputs', () => {
    const a = f(3, 1, 2);
    const b = f(9, 7, 8);
    ksTwoSample(a, b);
    wassersteinDistance(a, b);
    mannWhitneyU(a, b);
    expect(Array.from(a)).toEqual([3, 1, 2]);
    expect(Array.from(b)).toEqual([9, 7, 8]);
  });

  it('Wasserstein by hand, and with equal infinite masses', () => {
    expect(wassersteinDistance(f(0, 1, 3), f(5, 6, 8))).toBeCloseTo(5, 14);
    expect(wassersteinDistance(f(0), f(2))).toBe(2);
    expect(wassersteinDistance(f(Number.NEGATIVE_INFINITY, 0), f(Number.NEGATIVE_INFINITY, 1))).toBe(0.5);
    expect(wassersteinDistance(f(Number.NEGATIVE_INFINITY, 0), f(0, 1))).toBe(Number.POSITIVE_INFINITY);
    // Energy distance of two points at distance d is sqrt(2·d).
    expect(energyDistance(f(0), f(2))).toBeCloseTo(2, 14);
  });

  it('Mann–Whitney with every value tied gives p = 1', () => {
    const r = mannWhitneyU(f(2, 2, 2, 2, 2, 2, 2, 2, 2, 2), f(2, 2, 2, 2, 2, 2, 2, 2, 2));
    expect(r.pValue).toBe(1);
    expect(r.statistic).toBe(45);
    // Exact distribution by hand: {1} vs {2,3}: U1 = 0, P(U <= 0) = 1/3, two-sided p = 2/3.
    expect(mannWhitneyU(f(1), f(2, 3)).pValue).toBeCloseTo(2 / 3, 14);
  });

  it('chi-square drops empty categories and handles a single one', () => {
    const withZero = chiSquareHomogeneity([10, 0, 20], [15, 0, 25]);
    const without = chiSquareHomogeneity([10, 20], [15, 25]);
    expect(withZero).toEqual(without);
    expect(chiSquareHomogeneity([5], [7])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
    expect(chiSquareGoodnessOfFit([5, 5], [5, 5]).pValue).toBe(1);
    expect(() => chiSquareHomogeneity([1, 2], [1])).toThrow();
  });

  it('z-test by hand and on identical proportions', () => {
    // p1 = 0.5, p2 = 0.3, pooled 0.4: z = 0.2 / sqrt(0.24 · 0.02)
    const r = twoProportionZTest(50, 100, 30, 100);
    expect(r.statistic).toBeCloseTo(0.2 / Math.sqrt(0.24 * 0.02), 12);
    expect(twoProportionZTest(0, 10, 0, 20)).toEqual({ statistic: 0, pValue: 1 });
    expect(twoProportionZTest(10, 10, 20, 20)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('divergences by hand', () => {
    // KL([1/2, 1/2] ‖ [1/4, 3/4]) = ½ln2 + ½ln(2/3)
    expect(klDivergence([1, 1], [1, 3])).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 14);
    expect(klDivergence([1, 0], [0, 1])).toBe(Number.POSITIVE_INFINITY);
    expect(hellingerDistance([1, 0], [0, 1])).toBe(1);
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(1, 14);
    // PSI with one empty bin floored at 1e-4: bins (0.5, 0.5) vs (1, 0→1e-4).
    const psi = populationStabilityIndex([5, 5], [10, 0]);
    expect(psi).toBeCloseTo(0.5 * Math.log(2) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5), 12);
    expect(() => populationStabilityIndex([1], [1, 2])).toThrow();
  });

  it('PSI raises every proportion below 1e-4 to 1e-4, a non-empty bin too, as documented', () => {
    // Reference (99,999, 1): the second bin holds 1e-5 of the rows and counts as 1e-4.
    const psi = populationStabilityIndex([99_999, 1], [50_000, 50_000]);
    const expected = (0.5 - 0.99999) * Math.log(0.5 / 0.99999) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4);
    expect(psi).toBeCloseTo(expected, 12);
    // Both sides below the floor contribute nothing.
    expect(populationStabilityIndex([99_999, 1], [199_999, 1])).toBeCloseTo(
      (199_999 / 200_000 - 0.99999) * Math.log(199_999 / 200_000 / 0.99999),
      15,
    );
    const report = compareColumn(
      { kind: 'categorical', name: 'c', values: ['a', 'b', 'a'] },
      { kind: 'categorical', name: 'c', values: ['a', 'a', 'a'] },
      { method: 'psi' },
    );
    expect(report.convention).toMatch(
      /proportions below 0\.0001 \(empty bins included\) raised to 0\.0001, not renormalised/,
    );
  });

  it('JS distance stays finite when a subnormal proportion meets an empty bin', () => {
    // Half of 5e-324 underflows to zero; the mixture must not turn that bin's share infinite.
    // The true distance is sqrt(5e-324 · ln 2 / ln 2 / 2) ≈ 1.6e-162.
    const js = jensenShannonDistance([0, 1], [5e-324, 1]);
    expect(js).toBeGreaterThanOrEqual(0);
    expect(js).toBeLessThan(1e-150);
    expect(jensenShannonDistance([5e-324, 1], [0, 1])).toBe(js);
  });

  it('Welch t-test with zero variance on both sides is undefined', () => {
    expect(Number.isNaN(welchTTest(f(1, 1), f(2, 2)).pValue)).toBe(true);
  });

  it('handles huge equal samples quickly (10^6 vs 10^6)', () => {
    const a = Float64Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 1_000_003);
    const r = ksTwoSample(a, a);
    expect(r).toMatchObject({ statistic: 0, pValue: 1, method: 'asymp' });
    expect(wassersteinDistance(a, a)).toBe(0);
  });
});

describe('distance properties (fast-check)', () => {
  const weights = fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 20 });

  it('PSI(x, x) = 0, PSI symmetric and non-negative', () => {
    fc.assert(
      fc.property(weights, weights, (p0, q0) => {
        const n = Math.min(p0.length, q0.length);
        const p = [...p0.slice(0, n - 1), 1];
        const q = [...q0.slice(0, n - 1), 1];
        const d = populationStabilityIndex(p, q);
        return (
          populationStabilityIndex(p, p) === 0 &&
          d >= 0 &&
          Math.abs(d - populationStabilityIndex(q, p)) < 1e-9 * (1 + d)
        );
      }),
    );
  });

  it('JS and Hellinger are bounded metrics-like scores', () => {
    fc.assert(
      fc.property(weights, weights, (p0, q0) => {
        const n = Math.min(p0.length, q0.length);
        const p = [...p0.slice(0, n - 1), 1];
        const q = [...q0.slice(0, n - 1), 1];
        const js = jensenShannonDistance(p, q);
        const h = hellingerDistance(p, q);
        return js >= 0 && js <= 1 && Math.abs(js - jensenShannonDistance(q, p)) < 1e-12 && h >= 0 && h <= 1;
      }),
    );
  });

  it('KS statistic equals the largest ECDF gap found by brute force', () => {
    const sample = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 15 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const points = [...a, ...b];
        let d = 0;
        for (const t of points) {
          const fa = a.filter((v) => v <= t).length / a.length;
          const fb = b.filter((v) => v <= t).length / b.length;
          d = Math.max(d, Math.abs(fa - fb));
        }
        const r = ksTwoSample(Float64Array.from(a), Float64Array.from(b));
        return Math.abs(r.statistic - d) < 1e-12 && r.pValue >= 0 && r.pValue <= 1;
      }),
    );
  });
});

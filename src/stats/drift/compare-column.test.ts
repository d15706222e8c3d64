import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CategoricalColumn, DriftMethod, NumericColumn } from '../types.js';
import { compareColumn, compareDatasets, defaultDriftMethod } from './index.js';
import { ksTwoSample } from './ks.js';
import { normalSample, seededRandom } from './test-helpers.js';

const num = (name: string, values: ArrayLike<number>): NumericColumn => ({
  kind: 'numeric',
  name,
  values: Float64Array.from(values),
});
const cat = (name: string, values: (string | null)[]): CategoricalColumn => ({
  kind: 'categorical',
  name,
  values,
});
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('defaultDriftMethod (Evidently _get_default_stattest)', () => {
  it.each<[string, 'numeric' | 'categorical', number, number, DriftMethod]>([
    ['small numeric', 'numeric', 1000, 50, 'ks'],
    ['small numeric, 5 distinct', 'numeric', 500, 5, 'chisquare'],
    ['small numeric, binary', 'numeric', 500, 2, 'z'],
    ['small categorical', 'categorical', 1000, 3, 'chisquare'],
    ['small binary categorical', 'categorical', 10, 2, 'z'],
    ['large numeric', 'numeric', 1001, 6, 'wasserstein'],
    ['large numeric, few values', 'numeric', 5000, 5, 'jensenshannon'],
    ['large categorical', 'categorical', 5000, 2, 'jensenshannon'],
  ])('%s', (_, kind, rows, distinct, expected) => {
    expect(defaultDriftMethod(kind, rows, distinct)).toBe(expected);
  });
});

describe('compareColumn', () => {
  const rand = seededRandom(7);
  const ref = normalSample(rand, 500);
  const shifted = normalSample(rand, 400, 0.5);

  it('uses KS for a small numeric column and flags a shift', () => {
    const r = compareColumn(num('x', ref), num('x', shifted));
    expect(r.method).toBe('ks');
    expect(r.status).toBe('ok');
    expect(r.drifted).toBe(true);
    expect(r.pValue).toBeLessThan(0.05);
    expect(r.threshold).toBe(0.05);
    expect(r.convention).toMatch(/Kolmogorov/);
  });

  it('uses normalised Wasserstein above 1,000 reference rows, reporting the raw distance', () => {
    const big = normalSample(seededRandom(1), 2000, 0, 2);
    const cur = normalSample(seededRandom(2), 1500, 1, 2);
    const r = compareColumn(num('x', big), num('x', cur));
    expect(r.method).toBe('wasserstein');
    expect(r.distance).toBeGreaterThan(0.8);
    expect(r.statistic).toBeCloseTo(r.distance! / 2, 1);
    expect(r.pValue).toBeNull();
    expect(r.drifted).toBe(true);
  });

  it('counts missing values, excludes them from the test and reports their rates', () => {
    const r = compareColumn(
      num('x', [1, 2, Number.NaN, 3, 4, 5, 6]),
      num('x', [Number.NaN, Number.NaN, 1, 2, 3, 4, 5, 6]),
    );
    expect(r.missing).toEqual({ reference: 1, current: 2, referenceRate: 1 / 7, currentRate: 2 / 8 });
    expect(r.status).toBe('ok');
    expect(r.statistic).toBe(0);
  });

  it('reports insufficient data instead of throwing, keeping missing counts', () => {
    const empty = compareColumn(num('x', [Number.NaN, Number.NaN]), num('x', [1, 2, 3]));
    expect(empty.status).toBe('insufficient_data');
    expect(empty.statistic).toBeNull();
    expect(empty.pValue).toBeNull();
    expect(empty.drifted).toBe(false);
    expect(empty.reason).toMatch(/reference has no non-missing/);
    expect(empty.missing.reference).toBe(2);
    const single = compareColumn(num('x', [1, 2, 3]), num('x', [5]));
    expect(single.status).toBe('insufficient_data');
    expect(single.reason).toMatch(/single/);
    const noRows = compareColumn(num('x', []), num('x', []));
    expect(noRows.status).toBe('insufficient_data');
    expect(noRows.missing.referenceRate).toBe(0);
  });

  it('treats one class only as insufficient for chi-square and z', () => {
    const r = compareColumn(cat('c', ['a', 'a', 'a']), cat('c', ['a', 'a', null]));
    expect(r.method).toBe('z');
    expect(r.status).toBe('insufficient_data');
    expect(r.reason).toMatch(/one category/);
    expect(r.missing.current).toBe(1);
  });

  it('lists new categories (sorted) and uses chi-square for small categorical columns', () => {
    const r = compareColumn(
      cat('c', ['a', 'b', 'c', 'a', 'b', 'c', null]),
      cat('c', ['a', 'z', 'b', 'y', 'c', 'a']),
    );
    expect(r.method).toBe('chisquare');
    expect(r.newCategories).toEqual(['y', 'z']);
    expect(r.status).toBe('ok');
  });

  it('handles all-equal values everywhere', () => {
    const r = compareColumn(num('x', [3, 3, 3, 3]), num('x', [3, 3, 3]), { method: 'ks' });
    expect(r.status).toBe('ok');
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
    const w = compareColumn(num('x', [3, 3, 3, 3]), num('x', [3, 3, 4]), { method: 'wasserstein' });
    expect(w.distance).toBeCloseTo(1 / 3, 15);
    expect(w.statistic).toBeCloseTo(1 / 3 / 0.001, 9);
    const t = compareColumn(num('x', [3, 3, 3]), num('x', [3, 3]), { method: 'ttest' });
    expect(t.status).toBe('insufficient_data');
    const a = compareColumn(num('x', [3, 3, 3]), num('x', [3, 3]), { method: 'anderson' });
    expect(a.status).toBe('insufficient_data');
  });

  it('counts ±Infinity per column and excludes it from every method, never crashing', () => {
    const inf = Number.POSITIVE_INFINITY;
    const a = num('x', [-inf, 1, 2, 3, inf, Number.NaN]);
    const b = num('x', [1, 2, 3, 4, inf]);
    const ks = compareColumn(a, b, { method: 'ks' });
    expect(ks.status).toBe('ok');
    // scipy.stats.ks_2samp([1, 2, 3], [1, 2, 3, 4]).statistic = 0.25
    expect(ks.statistic).toBeCloseTo(0.25, 15);
    expect(ks.infinite).toEqual({ reference: 2, current: 1 });
    expect(ks.missing.reference).toBe(1);
    expect(ks.missing.current).toBe(0);
    expect(ks.convention).toContain(
      '±Infinity values counted and excluded (2 in the reference, 1 in the current data)',
    );
    // Every method runs on the finite values as if the infinities were never there.
    const finiteA = num('x', [1, 2, 3, Number.NaN]);
    const finiteB = num('x', [1, 2, 3, 4]);
    const many = (n: number, shift: number) =>
      num('x', [...Array.from({ length: n }, (_, i) => (i % 37) + shift), inf, -inf]);
    const manyFinite = (n: number, shift: number) =>
      num(
        'x',
        Array.from({ length: n }, (_, i) => (i % 37) + shift),
      );
    for (const method of [
      'jensenshannon',
      'kl',
      'hellinger',
      'wasserstein',
      'ttest',
      'energy',
      'mannwhitneyu',
      'psi',
    ] as const) {
      const small = compareColumn(a, b, { method });
      expect(small.statistic, method).toBe(compareColumn(finiteA, finiteB, { method }).statistic);
      const r = compareColumn(many(500, 0), many(400, 3), { method });
      expect(r.status, `${method}: ${r.reason}`).toBe('ok');
      expect(r.statistic, method).toBe(
        compareColumn(manyFinite(500, 0), manyFinite(400, 3), { method }).statistic,
      );
      expect(r.infinite).toEqual({ reference: 2, current: 2 });
    }
  });

  it('applies method and threshold overrides', () => {
    const r = compareColumn(num('x', ref), num('x', shifted), { method: 'psi', threshold: 0.5 });
    expect(r.method).toBe('psi');
    expect(r.threshold).toBe(0.5);
    expect(r.drifted).toBe(r.statistic! >= 0.5);
    const p = compareColumn(num('x', ref), num('x', shifted), { method: 'psi', psiBins: 4 });
    expect(p.convention).toMatch(/i\/4/);
  });

  it('gives PSI a bin for missing values so a jump in missingness shows', () => {
    const base = range(100, (i) => i);
    const withGaps = range(100, (i) => (i % 2 ? Number.NaN : i));
    const r = compareColumn(num('x', base), num('x', withGaps), { method: 'psi' });
    expect(r.statistic).toBeGreaterThan(1);
    expect(r.missing.currentRate).toBe(0.5);
  });

  it('runs every method on a numeric column', () => {
    const methods: DriftMethod[] = [
      'ks',
      'chisquare',
      'z',
      'psi',
      'jensenshannon',
      'wasserstein',
      'kl',
      'hellinger',
      'mannwhitneyu',
      'ttest',
      'anderson',
      'cramervonmises',
      'energy',
    ];
    for (const method of methods) {
      const r = compareColumn(num('x', ref), num('x', shifted), { method });
      expect(r.status, method).toBe('ok');
      expect(Number.isFinite(r.statistic), method).toBe(true);
      expect(r.convention.length, method).toBeGreaterThan(10);
    }
  });

  it('rejects numeric-only methods on categorical columns and kind mismatches', () => {
    expect(() => compareColumn(cat('c', ['a', 'b']), cat('c', ['a', 'b']), { method: 'ks' })).toThrow(
      /does not apply/,
    );
    expect(() => compareColumn(num('c', [1, 2]), cat('c', ['a', 'b']))).toThrow(/numeric in reference/);
  });

  it('works on huge columns (10^6 vs 10^6) with the asymptotic KS', () => {
    const r1 = normalSample(seededRandom(11), 1_000_000);
    const r2 = normalSample(seededRandom(12), 1_000_000, 0.01);
    const ks = compareColumn(num('x', r1), num('x', r2), { method: 'ks' });
    expect(ks.convention).toMatch(/asymptotic/);
    expect(ks.pValue).toBeLessThan(0.05);
    const w = compareColumn(num('x', r1), num('x', r2));
    expect(w.method).toBe('wasserstein');
    expect(w.distance).toBeGreaterThan(0.005);
  });
});

describe('compareDatasets', () => {
  const rand = seededRandom(3);
  const reference = [
    num('a', normalSample(rand, 300)),
    num('b', normalSample(rand, 300)),
    cat(
      'c',
      range(300, (i) => (i % 3 === 0 ? 'x' : 'y')),
    ),
  ];
  const current = [
    num('a', normalSample(rand, 300, 1)),
    num('b', normalSample(rand, 300)),
    cat(
      'c',
      range(300, (i) => (i % 2 === 0 ? 'x' : 'y')),
    ),
  ];

  it('drifts when at least half of the tested columns drift', () => {
    const r = compareDatasets(reference, current);
    expect(r.columns.map((c) => c.method)).toEqual(['ks', 'ks', 'z']);
    expect(r.columns.map((c) => c.drifted)).toEqual([true, false, true]);
    expect(r.driftedShare).toBeCloseTo(2 / 3, 15);
    expect(r.datasetDrift).toBe(true);
    expect(r.rows).toEqual({ reference: 300, current: 300 });
    expect(compareDatasets(reference, current, { driftShare: 0.7 }).datasetDrift).toBe(false);
  });

  it('honours column selection and per-column overrides', () => {
    const r = compareDatasets(reference, current, {
      columns: ['b'],
      methods: { b: 'psi' },
      thresholds: { b: 0.001 },
    });
    expect(r.columns).toHaveLength(1);
    expect(r.columns[0]!.method).toBe('psi');
    expect(r.columns[0]!.threshold).toBe(0.001);
  });

  it('throws on a column present on one side only', () => {
    expect(() => compareDatasets(reference, current.slice(0, 2))).toThrow(
      'column "c" missing from current data',
    );
    expect(() => compareDatasets(reference.slice(0, 2), current)).toThrow(
      'column "c" missing from reference data',
    );
  });
});

describe('invariants (fast-check)', () => {
  const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 60 });
  const counts = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 12 });

  it('KS takes the larger float difference of either sign, as scipy, so the order of samples does not matter', () => {
    // ECDF differences 0 − 0.2 at −5e-324 and 1 − 0.8 = 0.19999999999999996 at 0: scipy reports 0.2 both ways.
    const a = [0, 0, 0, 0, 0];
    const b = [0, 0, 0, 5e-324, -5e-324];
    expect(compareColumn(num('x', a), num('x', b), { method: 'ks' }).statistic).toBe(0.2);
    expect(compareColumn(num('x', b), num('x', a), { method: 'ks' }).statistic).toBe(0.2);
    const [fa, fb] = [Float64Array.from(a), Float64Array.from(b)];
    expect(ksTwoSample(fa, fb, 'asymp').statistic).toBe(0.2);
    expect(ksTwoSample(fb, fa, 'asymp').statistic).toBe(0.2);
  });

  it('KS statistic in [0, 1], p in [0, 1], symmetric', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const r1 = compareColumn(num('x', a), num('x', b), { method: 'ks' });
        const r2 = compareColumn(num('x', b), num('x', a), { method: 'ks' });
        return (
          r1.statistic! >= 0 &&
          r1.statistic! <= 1 &&
          r1.pValue! >= 0 &&
          r1.pValue! <= 1 &&
          r1.statistic === r2.statistic &&
          Math.abs(r1.pValue! - r2.pValue!) < 1e-12
        );
      }),
    );
  });

  it('PSI(x, x) = 0 and PSI >= 0', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const same = compareColumn(num('x', a), num('x', a), { method: 'psi' });
        const diff = compareColumn(num('x', a), num('x', b), { method: 'psi' });
        return Math.abs(same.statistic!) < 1e-15 && diff.statistic! >= 0;
      }),
    );
  });

  it('JS and Hellinger in [0, 1], symmetric, zero on identical inputs', () => {
    fc.assert(
      fc.property(counts, counts, (p0, q0) => {
        const n = Math.min(p0.length, q0.length);
        const p = p0.slice(0, n);
        const q = q0.slice(0, n);
        p[0] = p[0]! + 1;
        q[0] = q[0]! + 1;
        const ref = cat(
          'c',
          p.flatMap((c, i) => Array<string>(c).fill(`k${i}`)),
        );
        const cur = cat(
          'c',
          q.flatMap((c, i) => Array<string>(c).fill(`k${i}`)),
        );
        const js = compareColumn(ref, cur, { method: 'jensenshannon' }).statistic!;
        const jsBack = compareColumn(cur, ref, { method: 'jensenshannon' }).statistic!;
        const h = compareColumn(ref, cur, { method: 'hellinger' }).statistic!;
        const js0 = compareColumn(ref, ref, { method: 'jensenshannon' }).statistic!;
        return js >= 0 && js <= 1 && Math.abs(js - jsBack) < 1e-12 && h >= 0 && h <= 1 && js0 < 1e-7;
      }),
    );
  });

  it('Wasserstein and energy distances are symmetric and zero on identical samples', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const w1 = compareColumn(num('x', a), num('x', b), { method: 'wasserstein' }).distance!;
        const w2 = compareColumn(num('x', b), num('x', a), { method: 'wasserstein' }).distance!;
        const e1 = compareColumn(num('x', a), num('x', b), { method: 'energy' }).statistic!;
        const e2 = compareColumn(num('x', b), num('x', a), { method: 'energy' }).statistic!;
        const w0 = compareColumn(num('x', a), num('x', a), { method: 'wasserstein' }).distance!;
        const tol = 1e-9 * (1 + Math.abs(w1));
        return Math.abs(w1 - w2) <= tol && Math.abs(e1 - e2) <= 1e-9 * (1 + e1) && w0 === 0 && w1 >= 0;
      }),
    );
  });

  it('chi-square and MWU p-values lie in [0, 1]', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const m = compareColumn(num('x', a), num('x', b), { method: 'mannwhitneyu' });
        const c = compareColumn(num('x', a.map(Math.round)), num('x', b.map(Math.round)), {
          method: 'chisquare',
        });
        return m.pValue! >= 0 && m.pValue! <= 1 && (c.status !== 'ok' || (c.pValue! >= 0 && c.pValue! <= 1));
      }),
    );
  });
});

describe('option validation', () => {
  it('rejects invalid thresholds and bin counts', () => {
    const a = num('x', [1, 2, 3]);
    expect(() => compareColumn(a, a, { threshold: Number.NaN })).toThrow(/finite/);
    expect(() => compareColumn(a, a, { method: 'psi', psiBins: 1 })).toThrow(/psiBins/);
    expect(() => compareColumn(a, a, { method: 'nope' as DriftMethod })).toThrow(/unknown drift method/);
  });
});

import { describe, expect, it } from 'vitest';
import { compareColumn } from '../drift/compare-column.js';
import { countRightClosed, quantileEdges } from '../drift/binning.js';
import { jensenShannonDistance } from '../drift/divergence.js';
import { ksStatisticSorted } from '../drift/ks.js';
import { normalSample, seededRandom } from '../drift/test-helpers.js';
import { wassersteinDistance } from '../drift/wasserstein.js';
import { ColumnProfile } from './column-profile.js';
import { profileJensenShannon, profileKs, profilePsi, profileWasserstein } from './profile-drift.js';

function profileOf(values: Float64Array): ColumnProfile {
  const p = new ColumnProfile('x', 'numeric');
  p.addAll(values);
  return p;
}

/** Largest share of the values in one quantile-sketch bin (0 for exact or low-cardinality sides). */
function maxBinMass(side: Float64Array | ColumnProfile): number {
  if (side instanceof Float64Array || side.exactValues !== null) return 0;
  return Math.max(...side.quantiles!.bins().map((b) => b.count)) / side.count;
}

const rand = seededRandom(2026);
const cases: [string, Float64Array, Float64Array][] = [
  ['normal, shifted', normalSample(rand, 100_000, 5, 1), normalSample(rand, 80_000, 5.1, 1)],
  ['normal, same', normalSample(rand, 100_000), normalSample(rand, 100_000)],
  [
    'lognormal, scaled',
    normalSample(rand, 60_000).map(Math.exp),
    normalSample(rand, 50_000, 0.2).map(Math.exp),
  ],
  [
    'with missing values',
    normalSample(rand, 50_000, 100, 10).map((v, i) => (i % 10 === 0 ? Number.NaN : v)),
    normalSample(rand, 50_000, 102, 10).map((v, i) => (i % 4 === 0 ? Number.NaN : v)),
  ],
  [
    'integers (ties)',
    Float64Array.from({ length: 30_000 }, () => Math.floor(rand() * 20)),
    Float64Array.from({ length: 30_000 }, () => Math.floor(rand() * 22)),
  ],
];
const clean = (v: Float64Array): Float64Array => v.filter((x) => !Number.isNaN(x)).sort();

describe('drift scores from profiles against the exact computation', () => {
  it.each(cases)('KS of %s lies within the stated [lower, upper] bound', (_, ref, cur) => {
    const exact = ksStatisticSorted(clean(ref), clean(cur));
    for (const reference of [ref, profileOf(ref)]) {
      const r = profileKs(reference, profileOf(cur));
      expect(exact).toBeGreaterThanOrEqual(r.lower - 1e-12);
      expect(exact).toBeLessThanOrEqual(r.upper + 1e-12);
      // Stated gap: at most two bins' mass per sketched side at any point.
      const gap = 2 * maxBinMass(reference) + 2 * maxBinMass(profileOf(cur));
      expect(r.upper - r.lower).toBeLessThanOrEqual(gap + 1e-12);
      expect(Math.abs(r.statistic - exact)).toBeLessThanOrEqual(r.upper - r.lower + 1e-12);
    }
  });

  it.each(cases)('Wasserstein of %s within the stated error bound', (_, ref, cur) => {
    const exact = wassersteinDistance(clean(ref), clean(cur));
    for (const reference of [ref, profileOf(ref)]) {
      const r = profileWasserstein(reference, profileOf(cur));
      expect(Math.abs(r.distance - exact)).toBeLessThanOrEqual(r.errorBound + 1e-9);
    }
    const exactNorm = compareColumn(
      { kind: 'numeric', name: 'x', values: ref },
      { kind: 'numeric', name: 'x', values: cur },
      { method: 'wasserstein' },
    );
    const r = profileWasserstein(ref, profileOf(cur));
    expect(Math.abs(r.normalized - exactNorm.statistic!)).toBeLessThanOrEqual(
      r.errorBound / Math.max(1e-3, exactNorm.distance! / exactNorm.statistic!) + 1e-9,
    );
  });

  it.each(cases)('PSI of %s within 0.002 of the exact value', (_, ref, cur) => {
    const exact = compareColumn(
      { kind: 'numeric', name: 'x', values: ref },
      { kind: 'numeric', name: 'x', values: cur },
      { method: 'psi' },
    ).statistic!;
    expect(Math.abs(profilePsi(ref, profileOf(cur)) - exact)).toBeLessThanOrEqual(0.002);
    // With a sketched reference the bin edges themselves are approximate.
    expect(Math.abs(profilePsi(profileOf(ref), profileOf(cur)) - exact)).toBeLessThanOrEqual(0.01);
  });

  it.each(cases)('JS of %s on reference-decile bins within 0.005 of the exact value', (_, ref, cur) => {
    const r = clean(ref);
    const c = clean(cur);
    const edges = quantileEdges(r, 10);
    const exact = jensenShannonDistance(countRightClosed(r, edges), countRightClosed(c, edges));
    expect(Math.abs(profileJensenShannon(ref, profileOf(cur)) - exact)).toBeLessThanOrEqual(0.005);
  });

  it('categorical PSI and JS are exact when each side has at most k categories', () => {
    const cats = ['a', 'b', 'c', 'd'];
    const ref = Array.from({ length: 5_000 }, () => (rand() < 0.05 ? null : cats[Math.floor(rand() * 4)]!));
    const cur = Array.from({ length: 4_000 }, () => (rand() < 0.1 ? null : cats[Math.floor(rand() * 3.5)]!));
    const p = new ColumnProfile('c', 'categorical');
    p.addAll(cur);
    const exactPsi = compareColumn(
      { kind: 'categorical', name: 'c', values: ref },
      { kind: 'categorical', name: 'c', values: cur },
      { method: 'psi' },
    ).statistic!;
    const exactJs = compareColumn(
      { kind: 'categorical', name: 'c', values: ref },
      { kind: 'categorical', name: 'c', values: cur },
      { method: 'jensenshannon' },
    ).statistic!;
    expect(profilePsi(ref, p)).toBeCloseTo(exactPsi, 12);
    expect(profileJensenShannon(ref, p)).toBeCloseTo(exactJs, 12);
    const refProfile = new ColumnProfile('c', 'categorical');
    refProfile.addAll(ref);
    expect(profileJensenShannon(refProfile, p)).toBeCloseTo(exactJs, 12);
  });

  it('pools untracked categories when there are more than k, within the stated bound', () => {
    const draw = (): string => `v${Math.floor(1 / (1 - rand() * 0.998)) - 1}`;
    const ref = Array.from({ length: 20_000 }, draw);
    const cur = Array.from({ length: 20_000 }, draw);
    const p = new ColumnProfile('c', 'categorical', { frequentItems: 64 });
    p.addAll(cur);
    const fi = p.frequentItems!;
    expect(fi.maxError).toBeGreaterThan(0);
    // Exact JS on the same pooled bins: tracked categories plus one "other" bin.
    const tracked = fi.items().map(([k]) => k);
    const pooled = (values: string[]): number[] => {
      const counts = tracked.map(() => 0);
      let other = 0;
      for (const v of values) {
        const i = tracked.indexOf(v);
        if (i >= 0) counts[i]!++;
        else other++;
      }
      return [...counts, other];
    };
    const exact = jensenShannonDistance(pooled(ref), pooled(cur));
    // JS distance is a metric and JSD <= total variation, so the estimate is within
    // sqrt(TV) <= sqrt(tracked · maxError / n) of the pooled exact value.
    const bound = Math.sqrt(Math.min(1, (tracked.length * fi.maxError) / cur.length));
    expect(Math.abs(profileJensenShannon(ref, p) - exact)).toBeLessThanOrEqual(bound);
  });

  it('compares low-cardinality numeric columns exactly', () => {
    const ref = Float64Array.from({ length: 10_000 }, () => Math.floor(rand() * 7));
    const cur = Float64Array.from({ length: 8_000 }, () => Math.floor(rand() * 8));
    const exactKs = ksStatisticSorted(clean(ref), clean(cur));
    const r = profileKs(profileOf(ref), profileOf(cur));
    expect(r.lower).toBeCloseTo(exactKs, 12);
    expect(r.upper).toBeCloseTo(exactKs, 12);
    expect(profileWasserstein(ref, profileOf(cur)).distance).toBeCloseTo(wassersteinDistance(ref, cur), 12);
  });
});

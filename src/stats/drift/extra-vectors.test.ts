import { describe, expect, it } from 'vitest';
import { andersonKSample } from './anderson.js';
import { compareColumn } from './compare-column.js';
import {
  countRightClosed,
  countRightClosedUnsorted,
  quantileEdges,
  quantileEdgesUnsorted,
} from './binning.js';
import { cramerVonMises2Samp } from './cramer-von-mises.js';
import {
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  populationStabilityIndex,
} from './divergence.js';
import { ksTwoSample, type KsMethod } from './ks.js';
import { mannWhitneyU } from './mann-whitney.js';
import { closePValue, closeStatistic, loadFixture } from './test-helpers.js';
import { energyDistance, normalizedWasserstein } from './wasserstein.js';
import { twoProportionZTest } from './z-test.js';

interface Pair {
  a: number[];
  b: number[];
}
interface Extra {
  ks: (Pair & { method: KsMethod; statistic: number; pValue: number })[];
  mannwhitneyu: (Pair & { statistic: number; pValue: number })[];
  anderson: (Pair & { statistic: number; pValue: number })[];
  cramervonmises: (Pair & { statistic: number; pValue: number })[];
  distances: (Pair & { energy: number; wasserstein: number; wassersteinNormalized: number })[];
  divergences: { p: number[]; q: number[]; kl: number; hellinger: number; jensenshannon: number }[];
  ztest: { s1: number; n1: number; s2: number; n2: number; statistic: number; pValue: number }[];
  psi: { reference: number[]; current: number[]; bins: number; psi: number }[];
  columnDivergences: {
    reference: number[];
    current: number[];
    jensenshannon: number;
    kl: number;
    hellinger: number;
  }[];
}

const x = loadFixture<Extra>('drift-extra.json');
const f64 = (v: number[]): Float64Array => Float64Array.from(v);
const label = (c: Pair): string => `n=${c.a.length}/${c.b.length}`;

describe('scipy 1.10 extra vectors (test/fixtures/gen-drift-extra.py)', () => {
  it.each(x.ks.map((c) => [`${label(c)} ${c.method}`, c] as const))('ks_2samp %s', (_, c) => {
    const r = ksTwoSample(f64(c.a), f64(c.b), c.method);
    expect(closeStatistic(r.statistic, c.statistic), `${r.statistic} vs ${c.statistic}`).toBe(true);
    expect(closePValue(r.pValue, c.pValue), `${r.pValue} vs ${c.pValue}`).toBe(true);
  });

  it.each(x.mannwhitneyu.map((c) => [label(c), c] as const))('mannwhitneyu %s', (_, c) => {
    const r = mannWhitneyU(f64(c.a), f64(c.b));
    expect(closeStatistic(r.statistic, c.statistic), `${r.statistic} vs ${c.statistic}`).toBe(true);
    expect(closePValue(r.pValue, c.pValue), `${r.pValue} vs ${c.pValue}`).toBe(true);
  });

  it.each(x.anderson.map((c) => [label(c), c] as const))('anderson_ksamp %s', (_, c) => {
    const r = andersonKSample([f64(c.a), f64(c.b)]);
    expect(closeStatistic(r.statistic, c.statistic), `${r.statistic} vs ${c.statistic}`).toBe(true);
    expect(closePValue(r.pValue, c.pValue), `${r.pValue} vs ${c.pValue}`).toBe(true);
  });

  it.each(x.cramervonmises.map((c) => [label(c), c] as const))('cramervonmises_2samp %s', (_, c) => {
    const r = cramerVonMises2Samp(f64(c.a), f64(c.b));
    expect(closeStatistic(r.statistic, c.statistic), `${r.statistic} vs ${c.statistic}`).toBe(true);
    expect(closePValue(r.pValue, c.pValue), `${r.pValue} vs ${c.pValue}`).toBe(true);
  });

  it.each(x.distances.map((c) => [label(c), c] as const))('energy / wasserstein %s', (_, c) => {
    expect(closeStatistic(energyDistance(f64(c.a), f64(c.b)), c.energy)).toBe(true);
    const w = normalizedWasserstein(f64(c.a), f64(c.b));
    expect(closeStatistic(w.distance, c.wasserstein)).toBe(true);
    expect(closeStatistic(w.normalized, c.wassersteinNormalized)).toBe(true);
  });

  it.each(x.divergences.map((c, i) => [i, c] as const))('kl / hellinger / js #%i', (_, c) => {
    expect(closeStatistic(klDivergence(c.p, c.q), c.kl)).toBe(true);
    expect(closeStatistic(hellingerDistance(c.p, c.q), c.hellinger)).toBe(true);
    expect(closeStatistic(jensenShannonDistance(c.p, c.q), c.jensenshannon)).toBe(true);
  });

  it.each(x.ztest.map((c, i) => [i, c] as const))('two-proportion z #%i', (_, c) => {
    const r = twoProportionZTest(c.s1, c.n1, c.s2, c.n2);
    expect(closeStatistic(r.statistic, c.statistic)).toBe(true);
    expect(closePValue(r.pValue, c.pValue)).toBe(true);
  });

  it.each(x.psi.map((c, i) => [i, c] as const))('psi on reference quantile bins #%i', (_, c) => {
    const ref = f64(c.reference).sort();
    const cur = f64(c.current).sort();
    const edges = quantileEdges(ref, c.bins);
    const psi = populationStabilityIndex(countRightClosed(ref, edges), countRightClosed(cur, edges));
    expect(closeStatistic(psi, c.psi), `${psi} vs ${c.psi}`).toBe(true);
  });
});

describe('column-level divergences on Evidently binning', () => {
  it.each(x.columnDivergences.map((c, i) => [i, c] as const))('case #%i', (_, c) => {
    const run = (method: 'jensenshannon' | 'kl' | 'hellinger'): number =>
      compareColumn(
        { kind: 'numeric', name: 'x', values: f64(c.reference) },
        { kind: 'numeric', name: 'x', values: f64(c.current) },
        { method },
      ).statistic!;
    expect(
      closeStatistic(run('jensenshannon'), c.jensenshannon),
      `${run('jensenshannon')} vs ${c.jensenshannon}`,
    ).toBe(true);
    expect(closeStatistic(run('kl'), c.kl), `${run('kl')} vs ${c.kl}`).toBe(true);
    expect(closeStatistic(run('hellinger'), c.hellinger)).toBe(true);
  });
});

describe('selection-based quantile edges', () => {
  it('match the sorted computation on the PSI vectors', () => {
    for (const c of x.psi) {
      const raw = f64(c.reference);
      const sorted = raw.slice().sort();
      expect(Array.from(quantileEdgesUnsorted(raw, c.bins))).toEqual(
        Array.from(quantileEdges(sorted, c.bins)),
      );
      const cur = f64(c.current);
      const edges = quantileEdges(sorted, c.bins);
      expect(Array.from(countRightClosedUnsorted(cur, edges))).toEqual(
        Array.from(countRightClosed(cur.slice().sort(), edges)),
      );
    }
  });
});

import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit, chiSquareHomogeneity } from './chisquare.js';
import { jensenShannonDistance } from './divergence.js';
import { ksTwoSample, type KsMethod } from './ks.js';
import { mannWhitneyU } from './mann-whitney.js';
import { welchTTest } from './t-test.js';
import { closePValue, closeStatistic, loadFixture } from './test-helpers.js';
import { wassersteinDistance } from './wasserstein.js';

interface Vectors {
  ks: { a: number[]; b: number[]; method: KsMethod; statistic: number; pValue: number }[];
  wasserstein: { a: number[]; b: number[]; distance: number }[];
  jensenshannon: { p: number[]; q: number[]; base: number; distance: number }[];
  chisquareGoodnessOfFit: { observed: number[]; expected: number[]; statistic: number; pValue: number }[];
  chisquareHomogeneity: {
    reference: number[];
    current: number[];
    statistic: number;
    pValue: number;
    dof: number;
  }[];
  mannwhitneyu: { a: number[]; b: number[]; statistic: number; pValue: number }[];
  ttestWelch: { a: number[]; b: number[]; statistic: number; pValue: number }[];
}

const v = loadFixture<Vectors>('stats-vectors.json');
const f64 = (x: number[]): Float64Array => Float64Array.from(x);
const label = (c: { a: number[]; b: number[] }): string => `n=${c.a.length}/${c.b.length}`;

describe('scipy reference vectors', () => {
  it.each(v.ks.map((c) => [`${label(c)} ${c.method}`, c] as const))('ks_2samp %s', (_, c) => {
    const r = ksTwoSample(f64(c.a), f64(c.b), c.method);
    expect(closeStatistic(r.statistic, c.statistic), `${r.statistic} vs ${c.statistic}`).toBe(true);
    expect(closePValue(r.pValue, c.pValue), `${r.pValue} vs ${c.pValue}`).toBe(true);
  });

  it.each(v.wasserstein.map((c) => [label(c), c] as const))('wasserstein_distance %s', (_, c) => {
    const d = wassersteinDistance(f64(c.a), f64(c.b));
    expect(closeStatistic(d, c.distance), `${d} vs ${c.distance}`).toBe(true);
  });

  it.each(v.jensenshannon.map((c, i) => [i, c] as const))('jensenshannon #%i', (_, c) => {
    const d = jensenShannonDistance(c.p, c.q, c.base);
    expect(closeStatistic(d, c.distance), `${d} vs ${c.distance}`).toBe(true);
  });

  it.each(v.chisquareGoodnessOfFit.map((c, i) => [i, c] as const))('chisquare #%i', (_, c) => {
    const r = chiSquareGoodnessOfFit(c.observed, c.expected);
    expect(closeStatistic(r.statistic, c.statistic)).toBe(true);
    expect(closePValue(r.pValue, c.pValue)).toBe(true);
  });

  it.each(v.chisquareHomogeneity.map((c, i) => [i, c] as const))('chi2_contingency #%i', (_, c) => {
    const r = chiSquareHomogeneity(c.reference, c.current);
    expect(closeStatistic(r.statistic, c.statistic)).toBe(true);
    expect(closePValue(r.pValue, c.pValue)).toBe(true);
    expect(r.dof).toBe(c.dof);
  });

  it.each(v.mannwhitneyu.map((c) => [label(c), c] as const))('mannwhitneyu %s', (_, c) => {
    const r = mannWhitneyU(f64(c.a), f64(c.b));
    expect(closeStatistic(r.statistic, c.statistic), `${r.statistic} vs ${c.statistic}`).toBe(true);
    expect(closePValue(r.pValue, c.pValue), `${r.pValue} vs ${c.pValue}`).toBe(true);
  });

  it.each(v.ttestWelch.map((c) => [label(c), c] as const))('ttest_ind(equal_var=False) %s', (_, c) => {
    const r = welchTTest(f64(c.a), f64(c.b));
    expect(closeStatistic(r.statistic, c.statistic), `${r.statistic} vs ${c.statistic}`).toBe(true);
    expect(closePValue(r.pValue, c.pValue), `${r.pValue} vs ${c.pValue}`).toBe(true);
  });
});

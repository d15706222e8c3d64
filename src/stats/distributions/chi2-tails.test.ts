import { describe, expect, it } from 'vitest';
import { loadFixture } from '../drift/test-helpers.js';
import { chi2Sf, ncChi2Sf } from './index.js';

const x = loadFixture<{ chi2Sf: [number, number, number][]; ncChi2Sf: [number, number, number, number][] }>(
  'chi2-tails.json',
);
/** The goal: 1e-6 relative (the implementation keeps about 1e-12); 1e-300 absolute where scipy underflows. */
const close = (a: number, e: number): boolean => Math.abs(a - e) <= Math.max(1e-6 * Math.abs(e), 1e-300);

describe('chi-square tails for large statistics and degrees of freedom, against scipy', () => {
  it.each(x.chi2Sf)('chi2.sf(%d, df=%d)', (v, df, expected) => {
    expect(close(chi2Sf(v, df), expected), `${chi2Sf(v, df)} vs ${expected}`).toBe(true);
  });
  it.each(x.ncChi2Sf)('ncx2.sf(%d, df=%d, λ=%d)', (v, df, lambda, expected) => {
    expect(close(ncChi2Sf(v, df, lambda), expected), `${ncChi2Sf(v, df, lambda)} vs ${expected}`).toBe(true);
  });
  it('a homogeneity test over 1,000 categories: statistic 2,500 on 999 df', () => {
    // scipy.stats.chi2.sf(2500, 999) = 1.33e-129; the previous incomplete gamma was off by percents here.
    const e = x.chi2Sf.find(([v, df]) => v === 2500 && df === 999)![2];
    expect(Math.abs(chi2Sf(2500, 999) - e) / e).toBeLessThan(1e-9);
  });
});

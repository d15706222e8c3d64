import { describe, expect, it } from 'vitest';
import { loadFixture } from '../drift/test-helpers.js';
import { chi2Isf, ncChi2Sf } from './index.js';

interface Verdict {
  chi2Isf: [number, number, number][];
  ncChi2Sf: [number, number, number, number][];
}

const x = loadFixture<Verdict>('drift-verdict.json');
const close = (a: number, e: number, rel: number): boolean => Math.abs(a - e) <= rel * Math.abs(e);

describe('chi-square quantile and noncentral tail against scipy', () => {
  it.each(x.chi2Isf)('chi2.isf(%d, df=%d)', (p, df, expected) => {
    expect(close(chi2Isf(p, df), expected, 1e-10), `${chi2Isf(p, df)} vs ${expected}`).toBe(true);
  });
  it.each(x.ncChi2Sf)('ncx2.sf(%d, df=%d, λ=%d)', (v, df, lambda, expected) => {
    expect(close(ncChi2Sf(v, df, lambda), expected, 1e-9), `${ncChi2Sf(v, df, lambda)} vs ${expected}`).toBe(
      true,
    );
  });
  it('edge arguments', () => {
    expect(chi2Isf(1, 3)).toBe(0);
    expect(chi2Isf(0, 3)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(chi2Isf(0.5, 0))).toBe(true);
    expect(ncChi2Sf(0, 3, 2)).toBe(1);
    expect(ncChi2Sf(Number.POSITIVE_INFINITY, 3, 2)).toBe(0);
    expect(Number.isNaN(ncChi2Sf(1, 3, -1))).toBe(true);
  });
});

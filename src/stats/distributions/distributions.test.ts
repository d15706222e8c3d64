import { describe, expect, it } from 'vitest';
import { loadFixture } from '../drift/test-helpers.js';
import { chi2Sf, kstwoSf, normalSf, smirnovSf, studentTSf } from './index.js';

interface Extra {
  normalSf: [number, number][];
  chi2Sf: [number, number, number][];
  studentTSf: [number, number, number][];
  kstwoSf: [number, number, number, number][];
}

const x = loadFixture<Extra>('drift-extra.json');
/** Tails must agree to 1e-9 relative even where they are astronomically small. */
const tight = (a: number, e: number): boolean => Math.abs(a - e) <= Math.max(1e-9 * Math.abs(e), 1e-300);

describe('distribution tails against scipy 1.10', () => {
  it.each(x.normalSf)('normal sf(%d)', (z, expected) => {
    expect(tight(normalSf(z), expected), `${normalSf(z)} vs ${expected}`).toBe(true);
  });
  it.each(x.chi2Sf)('chi2 sf(%d, df=%d)', (v, k, expected) => {
    expect(tight(chi2Sf(v, k), expected), `${chi2Sf(v, k)} vs ${expected}`).toBe(true);
  });
  it.each(x.studentTSf)('t sf(%d, df=%d)', (t, df, expected) => {
    expect(tight(studentTSf(t, df), expected), `${studentTSf(t, df)} vs ${expected}`).toBe(true);
  });
  it.each(x.kstwoSf)('kstwo n=%i x=%d', (n, v, sf, sm) => {
    expect(tight(kstwoSf(v, n), sf) || Math.abs(kstwoSf(v, n) - sf) < 1e-15).toBe(true);
    expect(tight(smirnovSf(n, v), sm) || Math.abs(smirnovSf(n, v) - sm) < 1e-15).toBe(true);
  });
  it('edge arguments', () => {
    expect(chi2Sf(0, 3)).toBe(1);
    expect(chi2Sf(Number.POSITIVE_INFINITY, 3)).toBe(0);
    expect(Number.isNaN(chi2Sf(1, 0))).toBe(true);
    expect(kstwoSf(0, 10)).toBe(1);
    expect(kstwoSf(1, 10)).toBe(0);
    expect(Number.isNaN(kstwoSf(0.5, 0))).toBe(true);
    expect(normalSf(Number.POSITIVE_INFINITY)).toBe(0);
    expect(studentTSf(0, 5)).toBeCloseTo(0.5, 15);
  });
});

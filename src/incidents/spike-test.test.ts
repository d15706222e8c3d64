import { describe, expect, it } from 'vitest';
import { DEFAULT_SPIKE_OPTIONS, testForSpike, type RateSample } from './spike-test.js';

const steady = (n: number, count: number, windows = 6): RateSample[] =>
  Array.from({ length: windows }, () => ({ n, count }));

describe('testForSpike', () => {
  it('flags a jump from 1 % to 5 % on 1,000 records', () => {
    const verdict = testForSpike({ n: 1000, count: 50 }, steady(1000, 10));
    expect(verdict.decision).toBe('spike');
    if (verdict.decision === 'insufficient') throw new Error('unreachable');
    // Independent computation: pooled p = 110/7000, se = sqrt(p(1-p)(1/1000+1/6000)),
    // z = (0.05 - 10/1000) / se ≈ 10.69; one-sided p = Φ(-z) is far below 0.001.
    const p = 110 / 7000;
    const z = (0.05 - 0.01) / Math.sqrt(p * (1 - p) * (1 / 1000 + 1 / 6000));
    expect(verdict.z).toBeCloseTo(z, 10);
    expect(verdict.rate).toBe(0.05);
    expect(verdict.baselineRate).toBe(0.01);
    expect(verdict.baselineWindows).toBe(6);
    expect(verdict.pValue).toBeLessThan(1e-20);
  });

  it('matches the normal tail at a moderate z', () => {
    // 30/1000 vs 120/6000 (2 %): pooled 150/7000; z ≈ 2.0218, one-sided p = Φ(-z) ≈ 0.021600 (Python math.erfc).
    const verdict = testForSpike({ n: 1000, count: 30 }, steady(1000, 20));
    if (verdict.decision === 'insufficient') throw new Error('unreachable');
    const p = 150 / 7000;
    const z = (0.03 - 0.02) / Math.sqrt(p * (1 - p) * (1 / 1000 + 1 / 6000));
    expect(verdict.z).toBeCloseTo(z, 10);
    expect(verdict.pValue).toBeCloseTo(0.0215996, 6);
    expect(verdict.decision).toBe('normal');
  });

  it('a steady high rate is the baseline, not a spike', () => {
    const verdict = testForSpike({ n: 1000, count: 205 }, steady(1000, 200));
    expect(verdict.decision).toBe('normal');
  });

  it('a drop is never a spike', () => {
    const verdict = testForSpike({ n: 1000, count: 5 }, steady(1000, 100));
    if (verdict.decision === 'insufficient') throw new Error('unreachable');
    expect(verdict.decision).toBe('normal');
    expect(verdict.pValue).toBeGreaterThan(0.99);
  });

  it.each([
    ['a small window', { n: 20, count: 15 }, steady(1000, 1), /window has 20 records/],
    ['too few events', { n: 1000, count: 4 }, steady(1000, 0), /4 signal records/],
    ['too few baseline windows', { n: 1000, count: 500 }, steady(1000, 1, 2), /baseline has 2 windows/],
    ['too few baseline records', { n: 1000, count: 500 }, steady(40, 1, 4), /baseline has 160 records/],
  ])('%s is not tested', (_title, current, baseline, reason) => {
    const verdict = testForSpike(current, baseline);
    expect(verdict.decision).toBe('insufficient');
    if (verdict.decision === 'insufficient') expect(verdict.reason).toMatch(reason);
  });

  it('empty baseline windows do not count towards the minimum', () => {
    const baseline = [...steady(0, 0, 5), ...steady(1000, 1, 2)];
    expect(testForSpike({ n: 1000, count: 100 }, baseline).decision).toBe('insufficient');
  });

  it('a zero baseline rate with events in the window is a spike when the events are many', () => {
    expect(testForSpike({ n: 500, count: 10 }, steady(1000, 0)).decision).toBe('spike');
  });

  it('alpha decides', () => {
    const verdict = testForSpike({ n: 1000, count: 30 }, steady(1000, 20), {
      ...DEFAULT_SPIKE_OPTIONS,
      alpha: 0.05,
    });
    expect(verdict.decision).toBe('spike');
  });
});

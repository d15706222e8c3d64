import { describe, expect, it } from 'vitest';
import { expectClose } from './close-to.test-helper.js';
import { evaluateBinary, evaluateBinaryPredictions, metricsFromConfusion } from './index.js';

const u8 = (xs: number[]): Uint8Array => Uint8Array.from(xs);
const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

describe('evaluateBinary', () => {
  it('predicts positive when score equals the threshold (score >= threshold)', () => {
    const m = evaluateBinary(u8([1, 0, 1, 0]), f64([0.5, 0.5, 0.7, 0.2]));
    expect(m.confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 0 });
    expect(evaluateBinary(u8([1, 0]), f64([0.3, 0.3]), { threshold: 0.3 }).confusion).toEqual({
      tp: 1,
      fp: 1,
      tn: 0,
      fn: 0,
    });
  });

  it('returns null ROC AUC with a reason when only one class is present', () => {
    const m = evaluateBinary(u8([1, 1, 1]), f64([0.2, 0.9, 0.6]));
    expect(m.rocAuc).toBeNull();
    expect(m.nullReasons.rocAuc).toMatch(/only one class/);
    expect(m.prAuc).toBe(1);
    const negatives = evaluateBinary(u8([0, 0]), f64([0.2, 0.9]));
    expect(negatives.rocAuc).toBeNull();
    expect(negatives.prAuc).toBeNull();
    expect(negatives.nullReasons.prAuc).toMatch(/without positive labels/);
    expect(negatives.precision).toBe(0);
    expect(negatives.recall).toBe(0);
  });

  it('gives AUC 0.5 when every score is tied', () => {
    const m = evaluateBinary(u8([0, 1, 0, 1, 1]), f64([0.7, 0.7, 0.7, 0.7, 0.7]));
    expect(m.rocAuc).toBe(0.5);
    expect(m.prAuc).toBeCloseTo(0.6, 15);
    expect(m.accuracy).toBeCloseTo(0.6, 15);
  });

  it('handles a single row', () => {
    const m = evaluateBinary(u8([0]), f64([0.25]));
    expect(m.n).toBe(1);
    expect(m.accuracy).toBe(1);
    expect(m.rocAuc).toBeNull();
    expectClose(m.logLoss, -Math.log(0.75));
    expectClose(m.brier, 0.0625);
    expectClose(m.ece, 0.25);
  });

  it('rejects NaN and Infinity in scores, naming the index', () => {
    expect(() => evaluateBinary(u8([0, 1, 1]), f64([0.1, NaN, 0.3]))).toThrow(/scores\[1\] is NaN/);
    expect(() => evaluateBinary(u8([0, 1, 1]), f64([0.1, 0.2, Infinity]))).toThrow(/scores\[2\] is Infinity/);
    expect(() => evaluateBinary(u8([0, 1]), f64([-Infinity, 0.2]))).toThrow(/scores\[0\] is -Infinity/);
  });

  it('rejects scores outside [0, 1], labels other than 0/1, mismatched lengths and empty input', () => {
    expect(() => evaluateBinary(u8([0, 1]), f64([0.1, 1.5]))).toThrow(/scores\[1\] is 1.5/);
    expect(() => evaluateBinary(f64([0, 0.5]), f64([0.1, 0.2]))).toThrow(/labels\[1\] is 0.5/);
    expect(() => evaluateBinary(u8([0, 1, 2]), f64([0.1, 0.2, 0.3]))).toThrow(/labels\[2\] is 2/);
    expect(() => evaluateBinary(u8([0, 1]), f64([0.1]))).toThrow(/labels has 2 rows but scores has 1/);
    expect(() => evaluateBinary(u8([]), f64([]))).toThrow(/empty input/);
    expect(() => evaluateBinary(u8([1]), f64([0.5]), { threshold: NaN })).toThrow(/threshold/);
    expect(() => evaluateBinary(u8([1]), f64([0.5]), { eceBins: 0 })).toThrow(/bins/);
  });

  it('accepts Float64Array labels', () => {
    const a = evaluateBinary(f64([0, 1, 1, 0]), f64([0.2, 0.6, 0.4, 0.1]));
    const b = evaluateBinary(u8([0, 1, 1, 0]), f64([0.2, 0.6, 0.4, 0.1]));
    expect(a).toEqual(b);
  });

  it('evaluates 10^6 rows (its speed is measured by npm run bench:stats, not here)', () => {
    const n = 1_000_000;
    const labels = new Uint8Array(n);
    const scores = new Float64Array(n);
    let state = 12345;
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      labels[i] = state & 1;
      scores[i] = Math.min(1, (state >>> 8) / 2 ** 24 / 2 + 0.5 * labels[i]!);
    }
    const m = evaluateBinary(labels, scores);
    expect(m.n).toBe(n);
    expect(m.rocAuc).toBeGreaterThan(0.8);
  });
});

describe('evaluateBinaryPredictions', () => {
  it('computes threshold metrics from hard predictions', () => {
    const m = evaluateBinaryPredictions(u8([1, 1, 0, 0, 1]), u8([1, 0, 1, 0, 1]));
    expect(m.confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 1 });
    expectClose(m.accuracy, 3 / 5);
    expectClose(m.precision, 2 / 3);
    expectClose(m.recall, 2 / 3);
    expectClose(m.f1, 2 / 3);
    expect(m).not.toHaveProperty('rocAuc');
    expect(() => evaluateBinaryPredictions(u8([1]), u8([3]))).toThrow(/predictions\[0\] is 3/);
  });

  it('follows sklearn zero-division: no predicted positives gives precision 0 and F1 0', () => {
    const m = metricsFromConfusion({ tp: 0, fp: 0, tn: 3, fn: 2 });
    expect(m.precision).toBe(0);
    expect(m.recall).toBe(0);
    expect(m.f1).toBe(0);
    expect(m.positives).toBe(2);
  });
});

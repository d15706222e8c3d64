import { describe, expect, it } from 'vitest';
import { rocAuc } from '../metrics/index.js';
import { bootstrapCi, createSeededRandom } from './index.js';

function bernoulli(n: number, p: number, seed: number): Float64Array {
  const r = createSeededRandom(seed);
  return Float64Array.from({ length: n }, () => (r.nextFloat() < p ? 1 : 0));
}

const meanOf =
  (xs: Float64Array) =>
  (indices: Uint32Array): number => {
    let s = 0;
    for (const i of indices) s += xs[i]!;
    return s / indices.length;
  };

describe('bootstrapCi', () => {
  const data = bernoulli(400, 0.3, 1);

  it('is reproducible: same seed, identical output', () => {
    const a = bootstrapCi(data.length, meanOf(data), { seed: 99 });
    const b = bootstrapCi(data.length, meanOf(data), { seed: 99 });
    expect(a).toEqual(b);
    expect(a.resamples).toBe(1000);
    expect(a.confidence).toBe(0.95);
    expect(a.lower!).toBeLessThan(a.estimate);
    expect(a.upper!).toBeGreaterThan(a.estimate);
  });

  it('differs with a different seed', () => {
    const a = bootstrapCi(data.length, meanOf(data), { seed: 1 });
    const b = bootstrapCi(data.length, meanOf(data), { seed: 2 });
    expect([a.lower, a.upper]).not.toEqual([b.lower, b.upper]);
  });

  it('covers the true proportion about 95 % of the time in simulation', () => {
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const sample = bernoulli(150, 0.3, 1000 + t);
      const ci = bootstrapCi(sample.length, meanOf(sample), { seed: t, resamples: 400 });
      if (ci.lower! <= 0.3 && 0.3 <= ci.upper!) covered++;
    }
    // Binomial(200, 0.95) lies in [178, 199] with probability > 0.999; percentile CIs run slightly narrow.
    expect(covered).toBeGreaterThanOrEqual(176);
    expect(covered).toBeLessThanOrEqual(200);
  });

  it('keeps stratum sizes when stratified, so an AUC never meets a one-class resample', () => {
    const labels = Uint8Array.from({ length: 60 }, (_, i) => (i < 3 ? 1 : 0));
    const scores = Float64Array.from({ length: 60 }, (_, i) => (i < 3 ? 0.6 + i / 10 : i / 100));
    const auc = (indices: Uint32Array) =>
      rocAuc(
        Uint8Array.from(indices, (i) => labels[i]!),
        Float64Array.from(indices, (i) => scores[i]!),
      ) ?? NaN;
    let positivesSeen = -1;
    const stratified = bootstrapCi(
      60,
      (indices) => {
        const positives = Array.from(indices).filter((i) => labels[i] === 1).length;
        if (positivesSeen === -1 || positives === positivesSeen) positivesSeen = positives;
        else positivesSeen = NaN;
        return auc(indices);
      },
      { seed: 5, strata: labels, resamples: 300 },
    );
    expect(positivesSeen).toBe(3);
    expect(stratified.used).toBe(300);
    expect(stratified.stratified).toBe(true);
    // Unstratified, some resamples of 60 rows with 3 positives have none and are left out.
    const plain = bootstrapCi(60, auc, { seed: 5, resamples: 300 });
    expect(plain.used).toBeLessThan(300);
  });

  it('interpolates percentiles linearly (NumPy default)', () => {
    // A metric returning the resample number 0..4 in turn: percentiles of [0,1,2,3,4].
    let call = -1;
    const ci = bootstrapCi(3, () => (call++ === -1 ? 10 : call - 1), {
      seed: 0,
      resamples: 5,
      confidence: 0.5,
    });
    expect(ci.estimate).toBe(10);
    expect(ci.lower).toBe(1);
    expect(ci.upper).toBe(3);
  });

  it('returns null bounds when no resample is finite, and validates options', () => {
    const ci = bootstrapCi(5, () => NaN, { seed: 1, resamples: 10 });
    expect(ci).toMatchObject({ lower: null, upper: null, used: 0 });
    expect(() => bootstrapCi(0, () => 0, { seed: 1 })).toThrow(/n must be/);
    expect(() => bootstrapCi(5, () => 0, { seed: 1, confidence: 1 })).toThrow(/confidence/);
    expect(() => bootstrapCi(5, () => 0, { seed: 1, resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapCi(5, () => 0, { seed: -3 })).toThrow(/seed/);
    expect(() => bootstrapCi(5, () => 0, { seed: 1, strata: [1, 2] })).toThrow(/strata has 2 rows/);
  });
});

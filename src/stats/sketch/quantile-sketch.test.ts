import { describe, expect, it } from 'vitest';
import { normalSample, seededRandom } from '../drift/test-helpers.js';
import { QuantileSketch } from './quantile-sketch.js';

const QS = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

function datasets(): [string, Float64Array][] {
  const rand = seededRandom(42);
  const normal = normalSample(rand, 100_000, 3, 2);
  const lognormal = normalSample(rand, 100_000).map(Math.exp);
  const wide = Float64Array.from({ length: 50_000 }, () => (rand() - 0.5) * 10 ** (rand() * 12 - 6));
  const ties = Float64Array.from({ length: 20_000 }, () => Math.floor(rand() * 5) - 2);
  return [
    ['normal(3, 2)', normal],
    ['lognormal', lognormal],
    ['mixed sign, 12 decades', wide],
    ['integers with zeros', ties],
  ];
}

describe('QuantileSketch (DDSketch) error bound', () => {
  it.each(datasets())('quantiles of %s within relative accuracy', (_, values) => {
    const alpha = 0.01;
    const sketch = new QuantileSketch({ relativeAccuracy: alpha });
    sketch.addAll(values);
    const sorted = values.slice().sort();
    expect(sketch.count).toBe(values.length);
    for (const q of QS) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
      const approx = sketch.quantile(q);
      expect(Math.abs(approx - exact)).toBeLessThanOrEqual(alpha * Math.abs(exact) * (1 + 1e-9) + 1e-300);
    }
  });

  it('merging parts equals sketching the whole, in any order', () => {
    const values = datasets()[2]![1];
    const whole = new QuantileSketch();
    whole.addAll(values);
    const parts = [0, 1, 2, 3].map((k) => {
      const s = new QuantileSketch();
      s.addAll(values.subarray(k * 12_500, (k + 1) * 12_500));
      return s;
    });
    const forward = new QuantileSketch();
    for (const p of parts) forward.merge(p);
    const backward = new QuantileSketch();
    for (const p of [...parts].reverse()) backward.merge(p);
    expect(forward.toJSON()).toEqual(whole.toJSON());
    expect(backward.toJSON()).toEqual(whole.toJSON());
  });

  it('round-trips through JSON', () => {
    const s = new QuantileSketch({ relativeAccuracy: 0.02 });
    s.addAll([0, -1, 2.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e-320]);
    const back = QuantileSketch.fromJSON(
      JSON.parse(JSON.stringify(s.toJSON())) as ReturnType<QuantileSketch['toJSON']>,
    );
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(back.count).toBe(6);
    expect(back.quantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(back.quantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(back.quantile(0.5)).toBe(0);
  });

  it('has bounded memory: serialised size after 10^6 adds stays near that after 10^4', () => {
    const rand = seededRandom(9);
    const s = new QuantileSketch();
    const sizeAfter = (n: number): number => {
      for (let i = s.count; i < n; i++) s.add(Math.exp(6 * (rand() - 0.5)) * (rand() < 0.5 ? -1 : 1));
      return JSON.stringify(s.toJSON()).length;
    };
    const small = sizeAfter(10_000);
    const large = sizeAfter(1_000_000);
    expect(large).toBeLessThan(small * 1.5);
    expect(large).toBeLessThan(40_000);
  });

  it('merges small-magnitude bins beyond maxBins, keeping the bound above them', () => {
    const s = new QuantileSketch({ relativeAccuracy: 0.01, maxBins: 100 });
    const values = Float64Array.from({ length: 10_000 }, (_, i) => 1.001 ** i);
    s.addAll(values);
    expect(s.collapsed).toBe(true);
    expect(s.toJSON().positive.length).toBeLessThanOrEqual(100);
    expect(s.count).toBe(10_000);
    for (const q of [0.9, 0.95, 0.99, 1]) {
      const exact = values[Math.floor(q * 9_999)]!;
      expect(Math.abs(s.quantile(q) - exact)).toBeLessThanOrEqual(0.01 * exact * (1 + 1e-9));
    }
  });

  it('handles empty sketches and rejects mismatched merges', () => {
    expect(Number.isNaN(new QuantileSketch().quantile(0.5))).toBe(true);
    expect(() =>
      new QuantileSketch({ relativeAccuracy: 0.01 }).merge(new QuantileSketch({ relativeAccuracy: 0.02 })),
    ).toThrow();
    expect(() => new QuantileSketch({ relativeAccuracy: 1 })).toThrow();
  });
});

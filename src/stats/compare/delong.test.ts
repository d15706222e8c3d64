import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose, expectPValueClose } from '../metrics/close-to.test-helper.js';
import { rocAuc } from '../metrics/index.js';
import { delongTest } from './index.js';

interface DeLongVector {
  name: string;
  label: number[];
  score1: number[];
  score2: number[];
  auc1: number;
  auc2: number;
  variance1: number;
  variance2: number;
  covariance: number;
  variance: number;
  z: number;
  pValue: number;
}
const extra = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/metrics-extra.json', import.meta.url), 'utf8'),
) as { delong: DeLongVector[] };

/** DeLong's variance terms straight from the O(m·n) kernel ψ(x, y) = [x > y] + ½[x = y]. */
function bruteForce(labels: number[], s1: number[], s2: number[]) {
  const pos = labels.flatMap((y, i) => (y === 1 ? [i] : []));
  const neg = labels.flatMap((y, i) => (y === 0 ? [i] : []));
  const psi = (x: number, y: number) => (x > y ? 1 : x === y ? 0.5 : 0);
  const parts = [s1, s2].map((s) => ({
    v10: pos.map((i) => neg.reduce((acc, j) => acc + psi(s[i]!, s[j]!), 0) / neg.length),
    v01: neg.map((j) => pos.reduce((acc, i) => acc + psi(s[i]!, s[j]!), 0) / pos.length),
  }));
  const cov = (a: number[], b: number[]) => {
    const ma = a.reduce((x, y) => x + y, 0) / a.length;
    const mb = b.reduce((x, y) => x + y, 0) / b.length;
    return a.reduce((acc, x, i) => acc + (x - ma) * (b[i]! - mb), 0) / (a.length - 1);
  };
  const [p1, p2] = parts as [(typeof parts)[0], (typeof parts)[0]];
  const s = (x: typeof p1, y: typeof p1) => cov(x.v10, y.v10) / pos.length + cov(x.v01, y.v01) / neg.length;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    auc1: mean(p1.v10),
    auc2: mean(p2.v10),
    variance1: s(p1, p1),
    variance2: s(p2, p2),
    covariance: s(p1, p2),
  };
}

describe('delongTest', () => {
  it.each(extra.delong.map((v) => [v.name, v] as const))(
    'matches the NumPy kernel computation: %s',
    (_, v) => {
      const r = delongTest(
        Uint8Array.from(v.label),
        Float64Array.from(v.score1),
        Float64Array.from(v.score2),
      );
      expectClose(r.auc1, v.auc1);
      expectClose(r.auc2, v.auc2);
      expectClose(r.variance1, v.variance1);
      expectClose(r.variance2, v.variance2);
      expectClose(r.covariance, v.covariance);
      expectClose(r.variance, v.variance);
      expectClose(r.z, v.z);
      expectPValueClose(r.pValue, v.pValue);
    },
  );

  it('agrees with the brute-force structural components and with rocAuc (property)', () => {
    const rows = fc
      .array(
        fc.tuple(
          fc.integer({ min: 0, max: 1 }),
          fc.integer({ min: 0, max: 6 }),
          fc.integer({ min: 0, max: 6 }),
        ),
        {
          minLength: 4,
          maxLength: 50,
        },
      )
      .filter((r) => r.filter(([y]) => y === 1).length >= 2 && r.filter(([y]) => y === 0).length >= 2);
    fc.assert(
      fc.property(rows, (r) => {
        const labels = r.map(([y]) => y);
        const s1 = r.map(([, a]) => a);
        const s2 = r.map(([, , b]) => b);
        const got = delongTest(Uint8Array.from(labels), Float64Array.from(s1), Float64Array.from(s2));
        const want = bruteForce(labels, s1, s2);
        expectClose(got.auc1, want.auc1);
        expectClose(got.auc2, want.auc2);
        expectClose(got.auc1, rocAuc(Uint8Array.from(labels), Float64Array.from(s1)));
        expectClose(got.variance1, want.variance1, 1e-9, 1e-15);
        expectClose(got.variance2, want.variance2, 1e-9, 1e-15);
        expectClose(got.covariance, want.covariance, 1e-9, 1e-15);
      }),
    );
  });

  it('is antisymmetric in the two models', () => {
    const v = extra.delong[0]!;
    const labels = Uint8Array.from(v.label);
    const ab = delongTest(labels, Float64Array.from(v.score1), Float64Array.from(v.score2));
    const ba = delongTest(labels, Float64Array.from(v.score2), Float64Array.from(v.score1));
    expectClose(ba.z, -ab.z);
    expectClose(ba.pValue, ab.pValue);
  });

  it('gives z = 0 and p = 1 for identical scores', () => {
    const s = Float64Array.from([0.1, 0.5, 0.3, 0.9, 0.4]);
    const r = delongTest(Uint8Array.from([0, 1, 0, 1, 1]), s, s);
    expect(r.difference).toBe(0);
    expect(r.z).toBe(0);
    expect(r.pValue).toBe(1);
  });

  it('runs on 10^5 rows quickly', () => {
    const n = 100_000;
    const labels = new Uint8Array(n);
    const s1 = new Float64Array(n);
    const s2 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3 === 0 ? 1 : 0;
      s1[i] = ((i * 7919) % 1000) / 1000 + labels[i]! * 0.3;
      s2[i] = ((i * 104729) % 1000) / 1000 + labels[i]! * 0.2;
    }
    const r = delongTest(labels, s1, s2);
    expect(r.auc1).toBeGreaterThan(r.auc2);
    expect(r.pValue).toBeLessThan(1e-6);
  });

  it('needs two rows of each class and finite scores', () => {
    const s = Float64Array.from([0.1, 0.2, 0.3]);
    expect(() => delongTest(Uint8Array.from([0, 1, 1]), s, s)).toThrow(
      /at least 2 positives and 2 negatives/,
    );
    expect(() => delongTest(Uint8Array.from([0, 1, 1]), s, Float64Array.from([0, NaN, 1]))).toThrow(
      /scores2\[1\] is NaN/,
    );
    expect(() => delongTest(Uint8Array.from([0, 1]), s, s)).toThrow(/rows/);
  });
});

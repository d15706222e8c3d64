import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from './close-to.test-helper.js';
import { averagePrecision, rocAuc, summarizeRanking } from './index.js';

/** P(score of a positive > score of a negative) + ½ P(tie), over all pairs: the AUC's definition. */
function pairwiseAuc(labels: number[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((yi, i) => {
    labels.forEach((yj, j) => {
      if (yi !== 1 || yj !== 0) return;
      pairs++;
      const a = scores[i] as number;
      const b = scores[j] as number;
      wins += a > b ? 1 : a === b ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

/** Average precision from its definition: mean over positives of the precision at that positive's score. */
function definitionAp(labels: number[], scores: number[]): number {
  let total = 0;
  let positives = 0;
  labels.forEach((y, i) => {
    if (y !== 1) return;
    positives++;
    const s = scores[i] as number;
    let above = 0;
    let positivesAbove = 0;
    labels.forEach((yj, j) => {
      if ((scores[j] as number) >= s) {
        above++;
        positivesAbove += yj;
      }
    });
    total += positivesAbove / above;
  });
  return total / positives;
}

const rows = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: -5, max: 5 })), {
    minLength: 2,
    maxLength: 60,
  })
  .filter((r) => r.some(([y]) => y === 1) && r.some(([y]) => y === 0));

describe('rocAuc and averagePrecision', () => {
  it('rocAuc equals the pairwise definition, ties counting one half (property)', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const labels = r.map(([y]) => y);
        const scores = r.map(([, s]) => s / 4);
        expectClose(rocAuc(Uint8Array.from(labels), Float64Array.from(scores)), pairwiseAuc(labels, scores));
      }),
    );
  });

  it('averagePrecision equals its definition (property)', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const labels = r.map(([y]) => y);
        const scores = r.map(([, s]) => s);
        expectClose(
          averagePrecision(Uint8Array.from(labels), Float64Array.from(scores)),
          definitionAp(labels, scores),
        );
      }),
    );
  });

  it('reversing the scores gives 1 − AUC; a monotone transform leaves it unchanged (property)', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const labels = Uint8Array.from(r.map(([y]) => y));
        const scores = Float64Array.from(r.map(([, s]) => s));
        const auc = rocAuc(labels, scores) as number;
        expectClose(
          rocAuc(
            labels,
            scores.map((s) => -s),
          ),
          1 - auc,
          1e-12,
          1e-12,
        );
        expectClose(
          rocAuc(
            labels,
            scores.map((s) => Math.exp(s) * 3 + 1),
          ),
          auc,
        );
      }),
    );
  });

  it('hand example: sklearn docs average_precision_score([0,0,1,1], [.1,.4,.35,.8]) = 0.8333', () => {
    const labels = Uint8Array.from([0, 0, 1, 1]);
    const scores = Float64Array.from([0.1, 0.4, 0.35, 0.8]);
    expectClose(averagePrecision(labels, scores), 5 / 6);
    expectClose(rocAuc(labels, scores), 0.75);
  });

  it('treats -0 and +0 as one tied score', () => {
    const s = summarizeRanking(Uint8Array.from([1, 0, 1, 0]), Float64Array.from([-0, 0, 0, -0]));
    expect(s.rocAuc).toBe(0.5);
  });

  it('accepts unbounded finite scores but rejects non-finite ones', () => {
    expect(rocAuc(Uint8Array.from([0, 1]), Float64Array.from([-1e300, 1e300]))).toBe(1);
    expect(() => rocAuc(Uint8Array.from([0, 1]), Float64Array.from([0, NaN]))).toThrow(/scores\[1\] is NaN/);
    expect(() => averagePrecision(Uint8Array.from([]), Float64Array.from([]))).toThrow(/empty input/);
  });
});

import { describe, expect, it } from 'vitest';
import { expectClose } from './close-to.test-helper.js';
import { evaluateFairness } from './index.js';

describe('evaluateFairness', () => {
  // Group A: labels 1 1 0 0, predictions 1 0 1 0 → selection 1/2, TPR 1/2, FPR 1/2.
  // Group B: labels 1 1 1 0, predictions 1 1 1 0 → selection 3/4, TPR 1, FPR 0.
  // Group C: labels 0 0, predictions 1 1 → selection 1, TPR undefined, FPR 1.
  const labels = Uint8Array.from([1, 1, 0, 0, 1, 1, 1, 0, 0, 0]);
  const predictions = Uint8Array.from([1, 0, 1, 0, 1, 1, 1, 0, 1, 1]);
  const groups = ['A', 'A', 'A', 'A', 'B', 'B', 'B', 'B', 'C', 'C'];
  const scores = Float64Array.from([0.9, 0.4, 0.6, 0.2, 1, 0.5, 0.5, 0, 0.5, 1]);

  it('matches a hand-computed table', () => {
    const r = evaluateFairness(labels, predictions, groups, scores);
    expect(Object.keys(r.groups)).toEqual(['A', 'B', 'C']);
    expect(r.groups.A).toMatchObject({ n: 4, selectionRate: 0.5, tpr: 0.5, fpr: 0.5 });
    expectClose(r.groups.A?.brier, 0.77 / 4);
    expect(r.groups.B?.selectionRate).toBe(0.75);
    expect(r.groups.B?.tpr).toBe(1);
    expect(r.groups.B?.fpr).toBe(0);
    expectClose(r.groups.B?.brier, 0.5 / 4);
    expect(r.groups.C?.tpr).toBeNull();
    expect(r.groups.C?.fpr).toBe(1);
    expectClose(r.groups.C?.brier, 1.25 / 2);
    expectClose(r.demographicParityDifference, 0.5);
    expectClose(r.demographicParityRatio, 0.5);
    expect(r.fourFifthsRulePassed).toBe(false);
    // C has no positives, so it is left out: TPR spread is over A and B only.
    expectClose(r.equalOpportunityDifference, 0.5);
    expectClose(r.falsePositiveRateDifference, 1);
    expectClose(r.equalizedOddsDifference, 1);
  });

  it('passes the four-fifths rule at a ratio of exactly 0.8', () => {
    const r = evaluateFairness(
      Uint8Array.from([1, 1, 1, 1, 0, 1, 0]),
      Uint8Array.from([1, 1, 1, 1, 0, 1, 1]),
      ['x', 'x', 'x', 'x', 'x', 'y', 'y'],
    );
    expectClose(r.demographicParityRatio, 0.8);
    expect(r.fourFifthsRulePassed).toBe(true);
    expect(r.groups.x?.brier).toBeUndefined();
  });

  it('reports null ratio when nobody is selected, and null differences when no rate is defined', () => {
    const r = evaluateFairness(Uint8Array.from([0, 0]), Uint8Array.from([0, 0]), ['p', 'q']);
    expect(r.demographicParityDifference).toBe(0);
    expect(r.demographicParityRatio).toBeNull();
    expect(r.fourFifthsRulePassed).toBeNull();
    expect(r.equalOpportunityDifference).toBeNull();
    expect(r.equalizedOddsDifference).toBe(0);
  });

  it('keeps a group named __proto__ as an ordinary key', () => {
    const r = evaluateFairness(Uint8Array.from([1, 0]), Uint8Array.from([1, 0]), ['__proto__', 'b']);
    expect(Object.keys(r.groups)).toEqual(['__proto__', 'b']);
  });

  it('rejects mismatched lengths and non-binary predictions', () => {
    expect(() => evaluateFairness(Uint8Array.from([1]), Uint8Array.from([1]), ['a', 'b'])).toThrow(
      /groups has 2/,
    );
    expect(() => evaluateFairness(Uint8Array.from([1]), Uint8Array.from([2]), ['a'])).toThrow(
      /predictions\[0\] is 2/,
    );
  });
});

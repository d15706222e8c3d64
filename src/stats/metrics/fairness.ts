import { checkBinary, checkNonEmpty, checkProbabilities, checkSameLength } from './input-checks.js';
import type { BinaryLabels } from './ranking-metrics.js';

/** Minimum demographic parity ratio that passes the four-fifths rule. */
export const FOUR_FIFTHS = 0.8;

/** Rates of one sensitive group. */
export interface GroupFairness {
  n: number;
  /** Share of the group predicted positive. */
  selectionRate: number;
  /** True positive rate; null when the group has no positive labels. */
  tpr: number | null;
  /** False positive rate; null when the group has no negative labels. */
  fpr: number | null;
  /** Brier score of the group's scores; present only when scores were given. */
  brier?: number;
}

export interface FairnessReport {
  groups: Record<string, GroupFairness>;
  /** Max minus min selection rate over groups. */
  demographicParityDifference: number;
  /** Min over max selection rate (disparate impact); null when no group has any selection. */
  demographicParityRatio: number | null;
  /** Ratio >= 0.8; null when the ratio is null. */
  fourFifthsRulePassed: boolean | null;
  /** Max minus min TPR over groups with a defined TPR; null when no group has one. */
  equalOpportunityDifference: number | null;
  /** Max minus min FPR over groups with a defined FPR; null when no group has one. */
  falsePositiveRateDifference: number | null;
  /** The larger of the TPR and FPR differences (fairlearn's worst case); null when both are. */
  equalizedOddsDifference: number | null;
}

function spread(values: Array<number | null>): number | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v === null) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? null : max - min;
}

/**
 * Group fairness of hard predictions, with fairlearn's `between_groups` definitions:
 * demographic parity difference (max − min selection rate) and ratio (min / max, the disparate
 * impact judged by the four-fifths rule), equal opportunity difference (max − min TPR) and
 * equalized odds difference (the larger of the TPR and FPR differences).
 *
 * Deliberate difference from fairlearn: a group with no positive labels has an undefined TPR
 * (null) and is left out of the TPR difference, and likewise for FPR and groups without
 * negatives; fairlearn, through scikit-learn's normalised confusion matrix, counts such a rate
 * as 0. With `scores` (positive-class probabilities), each group also gets its Brier score.
 */
export function evaluateFairness(
  labels: BinaryLabels,
  predictions: Uint8Array,
  groups: readonly string[],
  scores?: Float64Array,
): FairnessReport {
  const fn = 'evaluateFairness';
  checkSameLength(fn, labels, 'labels', predictions, 'predictions');
  checkSameLength(fn, labels, 'labels', groups, 'groups');
  checkNonEmpty(fn, labels.length);
  checkBinary(fn, labels, 'labels');
  checkBinary(fn, predictions, 'predictions');
  if (scores !== undefined) {
    checkSameLength(fn, labels, 'labels', scores, 'scores');
    checkProbabilities(fn, scores, 'scores');
  }

  const tallies = new Map<
    string,
    { n: number; selected: number; tp: number; fn: number; fp: number; tn: number; sq: number }
  >();
  for (let i = 0; i < labels.length; i++) {
    const g = groups[i];
    if (typeof g !== 'string')
      throw new RangeError(`${fn}: groups[${i}] is ${String(g)}; groups must be strings`);
    let t = tallies.get(g);
    if (t === undefined) {
      t = { n: 0, selected: 0, tp: 0, fn: 0, fp: 0, tn: 0, sq: 0 };
      tallies.set(g, t);
    }
    const y = labels[i] as number;
    const p = predictions[i] as number;
    t.n++;
    t.selected += p;
    if (y === 1) {
      if (p === 1) t.tp++;
      else t.fn++;
    } else if (p === 1) t.fp++;
    else t.tn++;
    if (scores !== undefined) {
      const d = (scores[i] as number) - y;
      t.sq += d * d;
    }
  }

  // Null prototype: a group value such as "__proto__" must stay an ordinary key.
  const report = Object.create(null) as Record<string, GroupFairness>;
  const selectionRates: number[] = [];
  const tprs: Array<number | null> = [];
  const fprs: Array<number | null> = [];
  for (const [g, t] of [...tallies.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const entry: GroupFairness = {
      n: t.n,
      selectionRate: t.selected / t.n,
      tpr: t.tp + t.fn === 0 ? null : t.tp / (t.tp + t.fn),
      fpr: t.fp + t.tn === 0 ? null : t.fp / (t.fp + t.tn),
    };
    if (scores !== undefined) entry.brier = t.sq / t.n;
    report[g] = entry;
    selectionRates.push(entry.selectionRate);
    tprs.push(entry.tpr);
    fprs.push(entry.fpr);
  }

  const maxRate = selectionRates.reduce((a, b) => Math.max(a, b), 0);
  const minRate = selectionRates.reduce((a, b) => Math.min(a, b), 1);
  const ratio = maxRate === 0 ? null : minRate / maxRate;
  const tprDifference = spread(tprs);
  const fprDifference = spread(fprs);
  const equalizedOdds =
    tprDifference === null
      ? fprDifference
      : fprDifference === null
        ? tprDifference
        : Math.max(tprDifference, fprDifference);
  return {
    groups: report,
    demographicParityDifference: maxRate - minRate,
    demographicParityRatio: ratio,
    fourFifthsRulePassed: ratio === null ? null : ratio >= FOUR_FIFTHS,
    equalOpportunityDifference: tprDifference,
    falsePositiveRateDifference: fprDifference,
    equalizedOddsDifference: equalizedOdds,
  };
}

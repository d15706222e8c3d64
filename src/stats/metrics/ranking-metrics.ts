import { checkBinary, checkFinite, checkNonEmpty, checkSameLength } from './input-checks.js';

/** Binary labels: 0 (negative) or 1 (positive). */
export type BinaryLabels = Uint8Array | Float64Array;

/** Both threshold-free ranking summaries, with the reason when one is undefined. */
export interface RankingSummary {
  positives: number;
  negatives: number;
  rocAuc: number | null;
  averagePrecision: number | null;
  /** Why a summary is null, keyed by the summary's name. */
  nullReasons: { rocAuc?: string; averagePrecision?: string };
}

/**
 * Computes ROC AUC and average precision in one O(n log n) pass: the scores of each class are
 * sorted natively as Float64Arrays and merged from the top, one step per distinct score.
 *
 * ROC AUC is the trapezoidal area under the ROC curve over distinct thresholds, as sklearn's
 * `roc_auc_score`: a tie between a positive and a negative counts one half. Average precision
 * is sklearn's `average_precision_score`: Σ (R_k − R_{k−1}) · P_k over distinct thresholds, a
 * step-function integral with no interpolation. ROC AUC is null unless both classes are
 * present; average precision is null when there are no positives (with no negatives it is 1).
 */
export function summarizeRanking(
  labels: BinaryLabels,
  scores: Float64Array,
  fn = 'summarizeRanking',
): RankingSummary {
  checkSameLength(fn, labels, 'labels', scores, 'scores');
  checkNonEmpty(fn, labels.length);
  checkBinary(fn, labels, 'labels');
  checkFinite(fn, scores, 'scores');

  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  const negatives = labels.length - positives;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, p = 0, q = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos[p++] = scores[i] as number;
    else neg[q++] = scores[i] as number;
  }
  pos.sort();
  neg.sort();

  // Walk thresholds from the highest score down; counts stay integers, so the doubled area
  // (at most 2·P·N) is exact in a double and divided once at the end.
  let i = positives - 1;
  let j = negatives - 1;
  let tp = 0;
  let fp = 0;
  let doubledArea = 0;
  let precisionSum = 0;
  while (i >= 0 || j >= 0) {
    const top = Math.max(i >= 0 ? (pos[i] as number) : -Infinity, j >= 0 ? (neg[j] as number) : -Infinity);
    let dtp = 0;
    let dfp = 0;
    while (i >= 0 && pos[i] === top) {
      dtp++;
      i--;
    }
    while (j >= 0 && neg[j] === top) {
      dfp++;
      j--;
    }
    doubledArea += dfp * (2 * tp + dtp);
    tp += dtp;
    fp += dfp;
    if (dtp > 0) precisionSum += (dtp * tp) / (tp + fp);
  }

  const nullReasons: RankingSummary['nullReasons'] = {};
  let rocAuc: number | null = null;
  if (positives === 0 || negatives === 0) {
    nullReasons.rocAuc = `ROC AUC is undefined when only one class is present (positives ${positives}, negatives ${negatives})`;
  } else {
    rocAuc = doubledArea / (2 * positives * negatives);
  }
  let averagePrecision: number | null = null;
  if (positives === 0) {
    nullReasons.averagePrecision = 'average precision is undefined without positive labels';
  } else {
    averagePrecision = precisionSum / positives;
  }
  return { positives, negatives, rocAuc, averagePrecision, nullReasons };
}

/**
 * Area under the ROC curve (sklearn's `roc_auc_score` for binary labels; ties count one half).
 * Scores may be any finite numbers. Returns null when only one class is present.
 */
export function rocAuc(labels: BinaryLabels, scores: Float64Array): number | null {
  return summarizeRanking(labels, scores, 'rocAuc').rocAuc;
}

/**
 * Average precision, the PR AUC Warden reports (sklearn's `average_precision_score`: the
 * precision at each distinct threshold weighted by the recall gained there, no interpolation).
 * Returns null when there are no positive labels.
 */
export function averagePrecision(labels: BinaryLabels, scores: Float64Array): number | null {
  return summarizeRanking(labels, scores, 'averagePrecision').averagePrecision;
}

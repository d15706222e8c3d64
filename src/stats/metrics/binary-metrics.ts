import { DEFAULT_ECE_BINS, brierScore, expectedCalibrationError, logLoss } from './calibration-metrics.js';
import { checkBinary, checkNonEmpty, checkProbabilities, checkSameLength } from './input-checks.js';
import { summarizeRanking, type BinaryLabels } from './ranking-metrics.js';

/** Default decision threshold: a score at or above it predicts the positive class. */
export const DEFAULT_THRESHOLD = 0.5;

/** Counts of a binary confusion matrix. */
export interface BinaryConfusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Metrics computable from hard 0/1 predictions alone. */
export interface BinaryPredictionMetrics {
  n: number;
  positives: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  confusion: BinaryConfusion;
}

/** Metrics of a scored binary classifier at one threshold. */
export interface BinaryMetrics extends BinaryPredictionMetrics {
  threshold: number;
  /** Area under the ROC curve; null when only one class is present (see `nullReasons`). */
  rocAuc: number | null;
  /** PR AUC as average precision (sklearn's `average_precision_score`); null without positives. */
  prAuc: number | null;
  logLoss: number;
  brier: number;
  ece: number;
  eceBins: number;
  /** Why `rocAuc` or `prAuc` is null, when it is. */
  nullReasons: { rocAuc?: string; prAuc?: string };
}

export interface EvaluateBinaryOptions {
  /** Predict positive when score >= threshold (default 0.5), as `score >= t` in sklearn-style code. */
  threshold?: number;
  /** Number of equal-width bins of the expected calibration error (default 10). */
  eceBins?: number;
}

/** Counts tp/fp/tn/fn of 0/1 predictions against 0/1 labels. */
export function binaryConfusion(
  labels: BinaryLabels,
  predictions: Uint8Array | Float64Array,
): BinaryConfusion {
  const fn = 'binaryConfusion';
  checkSameLength(fn, labels, 'labels', predictions, 'predictions');
  checkBinary(fn, labels, 'labels');
  checkBinary(fn, predictions, 'predictions');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fnCount = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] === 1) {
      if (labels[i] === 1) tp++;
      else fp++;
    } else if (labels[i] === 1) fnCount++;
    else tn++;
  }
  return { tp, fp, tn, fn: fnCount };
}

/**
 * Accuracy, precision, recall and F1 of a confusion matrix. Zero-division follows scikit-learn's
 * default (`zero_division="warn"`, which returns 0): precision is 0 with no predicted positives,
 * recall is 0 with no actual positives, F1 is 0 when precision + recall is 0.
 */
export function metricsFromConfusion(confusion: BinaryConfusion): BinaryPredictionMetrics {
  const { tp, fp, tn, fn } = confusion;
  const n = tp + fp + tn + fn;
  checkNonEmpty('metricsFromConfusion', n);
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    n,
    positives: tp + fn,
    accuracy: (tp + tn) / n,
    precision,
    recall,
    f1,
    confusion: { ...confusion },
  };
}

/**
 * Evaluates hard 0/1 predictions (no scores): accuracy, precision, recall, F1 and the confusion
 * matrix. Score-based metrics (ROC AUC, log loss, Brier, ECE) are absent by construction.
 */
export function evaluateBinaryPredictions(
  labels: BinaryLabels,
  predictions: Uint8Array,
): BinaryPredictionMetrics {
  checkNonEmpty('evaluateBinaryPredictions', labels.length);
  return metricsFromConfusion(binaryConfusion(labels, predictions));
}

/**
 * Evaluates a binary classifier from 0/1 labels and positive-class probabilities. The class
 * is predicted positive when score >= threshold (default 0.5), the comparison the scikit-learn
 * reference vectors imply. Scores must be finite probabilities in [0, 1]; the first bad row is
 * named in the error. Sorting happens once per call (O(n log n)).
 */
export function evaluateBinary(
  labels: BinaryLabels,
  scores: Float64Array,
  options: EvaluateBinaryOptions = {},
): BinaryMetrics {
  const fn = 'evaluateBinary';
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const eceBins = options.eceBins ?? DEFAULT_ECE_BINS;
  if (!Number.isFinite(threshold)) throw new RangeError(`${fn}: threshold must be finite, got ${threshold}`);
  checkSameLength(fn, labels, 'labels', scores, 'scores');
  checkNonEmpty(fn, labels.length);
  checkBinary(fn, labels, 'labels');
  checkProbabilities(fn, scores, 'scores');

  const predictions = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) predictions[i] = (scores[i] as number) >= threshold ? 1 : 0;
  const base = metricsFromConfusion(binaryConfusion(labels, predictions));
  const ranking = summarizeRanking(labels, scores, fn);
  const nullReasons: BinaryMetrics['nullReasons'] = {};
  if (ranking.nullReasons.rocAuc !== undefined) nullReasons.rocAuc = ranking.nullReasons.rocAuc;
  if (ranking.nullReasons.averagePrecision !== undefined)
    nullReasons.prAuc = ranking.nullReasons.averagePrecision;
  return {
    ...base,
    threshold,
    rocAuc: ranking.rocAuc,
    prAuc: ranking.averagePrecision,
    logLoss: logLoss(labels, scores),
    brier: brierScore(labels, scores),
    ece: expectedCalibrationError(labels, scores, eceBins),
    eceBins,
    nullReasons,
  };
}

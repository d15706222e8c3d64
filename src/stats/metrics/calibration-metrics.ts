import { checkBinary, checkNonEmpty, checkProbabilities, checkSameLength } from './input-checks.js';
import type { BinaryLabels } from './ranking-metrics.js';

/**
 * Clipping bound of log loss: float64 machine epsilon (2⁻⁵²), which is what scikit-learn
 * 1.2's `log_loss(eps="auto")` default resolves to for float64 input. Older scikit-learn used
 * 1e-15; the two differ only for scores within 1e-15 of 0 or 1.
 */
export const LOG_LOSS_EPS = 2.220446049250313e-16;

/** Default number of equal-width bins of the expected calibration error. */
export const DEFAULT_ECE_BINS = 10;

function checkScored(fn: string, labels: BinaryLabels, scores: Float64Array): void {
  checkSameLength(fn, labels, 'labels', scores, 'scores');
  checkNonEmpty(fn, labels.length);
  checkBinary(fn, labels, 'labels');
  checkProbabilities(fn, scores, 'scores');
}

/**
 * Mean binary cross-entropy in nats, as scikit-learn's `log_loss`: the score is clipped to
 * [eps, 1 − eps], the pair (1 − p, p) renormalised to sum to 1, and −log of the true class's
 * probability averaged. Scores are probabilities of the positive class.
 */
export function logLoss(labels: BinaryLabels, scores: Float64Array, eps: number = LOG_LOSS_EPS): number {
  checkScored('logLoss', labels, scores);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const q = Math.min(Math.max(scores[i] as number, eps), 1 - eps);
    const sum = 1 - q + q;
    total -= Math.log(labels[i] === 1 ? q / sum : (1 - q) / sum);
  }
  return total / labels.length;
}

/** Brier score: mean squared difference between the score and the 0/1 label (sklearn's `brier_score_loss`). */
export function brierScore(labels: BinaryLabels, scores: Float64Array): number {
  checkScored('brierScore', labels, scores);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = (scores[i] as number) - (labels[i] as number);
    total += d * d;
  }
  return total / labels.length;
}

/** One bin of a reliability diagram. */
export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean score in the bin; null when the bin is empty. */
  meanScore: number | null;
  /** Share of positive labels in the bin; null when the bin is empty. */
  positiveRate: number | null;
}

/**
 * Reliability-diagram bins: `bins` equal-width bins on [0, 1]; a score p falls in bin
 * min(⌊p·bins⌋, bins − 1), so bins are [k/B, (k+1)/B) and the last one also holds p = 1.
 */
export function calibrationBins(
  labels: BinaryLabels,
  scores: Float64Array,
  bins: number = DEFAULT_ECE_BINS,
): CalibrationBin[] {
  checkScored('calibrationBins', labels, scores);
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`calibrationBins: bins must be a positive integer, got ${bins}`);
  }
  const count = new Float64Array(bins);
  const scoreSum = new Float64Array(bins);
  const positiveSum = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const p = scores[i] as number;
    const b = Math.min(Math.floor(p * bins), bins - 1);
    count[b]! += 1;
    scoreSum[b]! += p;
    positiveSum[b]! += labels[i] as number;
  }
  const result: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    result.push({
      lower: b / bins,
      upper: (b + 1) / bins,
      count: c,
      meanScore: c === 0 ? null : (scoreSum[b] as number) / c,
      positiveRate: c === 0 ? null : (positiveSum[b] as number) / c,
    });
  }
  return result;
}

/**
 * Expected calibration error: Σ_b (n_b / n) · |mean score in b − positive rate in b| over
 * `bins` equal-width bins on [0, 1] (default 10; binning as in `calibrationBins`). Empty bins
 * contribute nothing.
 */
export function expectedCalibrationError(
  labels: BinaryLabels,
  scores: Float64Array,
  bins: number = DEFAULT_ECE_BINS,
): number {
  let total = 0;
  for (const bin of calibrationBins(labels, scores, bins)) {
    if (bin.meanScore === null || bin.positiveRate === null) continue;
    total += bin.count * Math.abs(bin.meanScore - bin.positiveRate);
  }
  return total / labels.length;
}

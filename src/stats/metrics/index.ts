/**
 * Evaluation metrics of the statistics engine: binary and multiclass classification,
 * calibration, regression and group fairness. Pure functions over typed arrays.
 */
export {
  DEFAULT_THRESHOLD,
  binaryConfusion,
  evaluateBinary,
  evaluateBinaryPredictions,
  metricsFromConfusion,
  type BinaryConfusion,
  type BinaryMetrics,
  type BinaryPredictionMetrics,
  type EvaluateBinaryOptions,
} from './binary-metrics.js';
export {
  DEFAULT_ECE_BINS,
  LOG_LOSS_EPS,
  brierScore,
  calibrationBins,
  expectedCalibrationError,
  logLoss,
  type CalibrationBin,
} from './calibration-metrics.js';
export { FOUR_FIFTHS, evaluateFairness, type FairnessReport, type GroupFairness } from './fairness.js';
export {
  evaluateMulticlass,
  type AveragedMetrics,
  type ClassMetrics,
  type EvaluateMulticlassOptions,
  type MulticlassMetrics,
} from './multiclass-metrics.js';
export {
  averagePrecision,
  rocAuc,
  summarizeRanking,
  type BinaryLabels,
  type RankingSummary,
} from './ranking-metrics.js';
export { MAPE_EPS, evaluateRegression, type RegressionMetrics } from './regression-metrics.js';

/**
 * Drift detection: per-column two-sample tests and distances, the default method per column
 * (after Evidently), and the dataset-level verdict. Pure functions over typed arrays.
 */
export { compareCategoryCounts, compareColumn, DEFAULT_PSI_BINS } from './compare-column.js';
export type { CompareColumnOptions } from './compare-column.js';
export { compareDatasets, DEFAULT_DRIFT_SHARE } from './compare-datasets.js';
export type { CompareDatasetsOptions } from './compare-datasets.js';
export { defaultDriftMethod, DEFAULT_THRESHOLDS, P_VALUE_METHODS } from './default-method.js';
export { ksTwoSample, ksTwoSampleSorted, ksStatisticSorted } from './ks.js';
export type { KsMethod, KsResult } from './ks.js';
export { chiSquareGoodnessOfFit, chiSquareHomogeneity } from './chisquare.js';
export type { ChiSquareResult } from './chisquare.js';
export { twoProportionZTest } from './z-test.js';
export {
  populationStabilityIndex,
  jensenShannonDistance,
  klDivergence,
  hellingerDistance,
  PSI_EPSILON,
} from './divergence.js';
export {
  wassersteinDistance,
  wassersteinDistanceSorted,
  normalizedWasserstein,
  energyDistance,
} from './wasserstein.js';
export { mannWhitneyU } from './mann-whitney.js';
export type { MannWhitneyResult } from './mann-whitney.js';
export { welchTTest } from './t-test.js';
export type { TTestResult } from './t-test.js';
export { andersonKSample } from './anderson.js';
export { cramerVonMises2Samp } from './cramer-von-mises.js';
export { quantileSorted, quantileEdges, countRightClosed } from './binning.js';

import type { DriftMethod } from '../types.js';

/**
 * Reference-row count up to which the hypothesis tests are the default (Evidently's cut-off
 * `reference_data.shape[0] <= 1000` in `_get_default_stattest`).
 */
export const SMALL_REFERENCE_ROWS = 1000;
/** Numeric columns with at most this many distinct values are tested as categorical (Evidently). */
export const FEW_DISTINCT_VALUES = 5;

/**
 * Default drift method of a column, following Evidently's `_get_default_stattest`
 * (evidently/calculations/stattests/registry.py):
 * - at most 1,000 non-missing reference rows: numeric with more than 5 distinct values → `ks`;
 *   otherwise (categorical, or numeric with <= 5 distinct values) → `chisquare` when there are
 *   more than 2 distinct values, `z` when there are at most 2;
 * - above 1,000 rows: numeric with more than 5 distinct values → `wasserstein` (normalised),
 *   everything else → `jensenshannon`.
 * Distinct values are counted over reference and current together, missing values excluded.
 */
export function defaultDriftMethod(
  kind: 'numeric' | 'categorical',
  referenceRows: number,
  distinctValues: number,
): DriftMethod {
  const treatAsNumeric = kind === 'numeric' && distinctValues > FEW_DISTINCT_VALUES;
  if (referenceRows <= SMALL_REFERENCE_ROWS) {
    if (treatAsNumeric) return 'ks';
    return distinctValues > 2 ? 'chisquare' : 'z';
  }
  return treatAsNumeric ? 'wasserstein' : 'jensenshannon';
}

/**
 * Default threshold per method, as Evidently's StatTest defaults: 0.05 on the p-value for the
 * hypothesis tests (drift when p < threshold), 0.1 on the score for the distances and
 * divergences (drift when score >= threshold).
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  mannwhitneyu: 0.05,
  ttest: 0.05,
  anderson: 0.05,
  cramervonmises: 0.05,
  psi: 0.1,
  jensenshannon: 0.1,
  wasserstein: 0.1,
  kl: 0.1,
  hellinger: 0.1,
  energy: 0.1,
};

/** Methods whose result is a p-value (drift when p < threshold); the others are scores. */
export const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set<DriftMethod>([
  'ks',
  'chisquare',
  'z',
  'mannwhitneyu',
  'ttest',
  'anderson',
  'cramervonmises',
]);

/** Methods that need numeric values (the others also accept categories). */
export const NUMERIC_ONLY_METHODS: ReadonlySet<DriftMethod> = new Set<DriftMethod>([
  'ks',
  'wasserstein',
  'mannwhitneyu',
  'ttest',
  'anderson',
  'cramervonmises',
  'energy',
]);

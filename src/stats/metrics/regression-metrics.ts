import { checkFinite, checkNonEmpty, checkSameLength } from './input-checks.js';

/**
 * Floor of the MAPE denominator: float64 machine epsilon, as scikit-learn's
 * `mean_absolute_percentage_error` (max(|y|, eps)).
 */
export const MAPE_EPS = 2.220446049250313e-16;

export interface RegressionMetrics {
  n: number;
  mae: number;
  rmse: number;
  /** Mean absolute percentage error as a fraction (0.1 = 10 %), not a percentage. */
  mape: number;
  /** Coefficient of determination; null when n < 2, where scikit-learn returns NaN. */
  r2: number | null;
}

/**
 * Evaluates a regression: MAE, RMSE (√MSE), MAPE (mean of |y − ŷ| / max(|y|, eps), a
 * fraction) and R² = 1 − SS_res / SS_tot. For a constant target (SS_tot = 0) R² follows
 * scikit-learn's `force_finite=True`: 1 for a perfect fit, otherwise 0. Inputs must be finite.
 */
export function evaluateRegression(target: Float64Array, prediction: Float64Array): RegressionMetrics {
  const fn = 'evaluateRegression';
  checkSameLength(fn, target, 'target', prediction, 'prediction');
  checkNonEmpty(fn, target.length);
  checkFinite(fn, target, 'target');
  checkFinite(fn, prediction, 'prediction');

  const n = target.length;
  let targetSum = 0;
  let absSum = 0;
  let squaredSum = 0;
  let percentSum = 0;
  for (let i = 0; i < n; i++) {
    const y = target[i] as number;
    const e = y - (prediction[i] as number);
    targetSum += y;
    absSum += Math.abs(e);
    squaredSum += e * e;
    percentSum += Math.abs(e) / Math.max(Math.abs(y), MAPE_EPS);
  }
  // Two passes: deviations from the mean keep SS_tot accurate for targets far from zero.
  const mean = targetSum / n;
  let totalSquares = 0;
  for (let i = 0; i < n; i++) {
    const d = (target[i] as number) - mean;
    totalSquares += d * d;
  }
  let r2: number | null = null;
  if (n >= 2) {
    if (totalSquares === 0) r2 = squaredSum === 0 ? 1 : 0;
    else r2 = 1 - squaredSum / totalSquares;
  }
  return { n, mae: absSum / n, rmse: Math.sqrt(squaredSum / n), mape: percentSum / n, r2 };
}

import type { CheckStatus } from '../monitoring.types.js';

/**
 * Judges a value against a threshold: `insufficient_data` when the sample is too small (or the
 * value cannot be computed), `alert` when strictly past the threshold, `warning` when past
 * `warningFraction` of it, `ok` otherwise. With a threshold of 0 there is no warning band.
 */
export function judge(
  value: number | null,
  threshold: number | null,
  options: { sufficient: boolean; warningFraction: number },
): CheckStatus {
  if (!options.sufficient || value === null || !Number.isFinite(value)) return 'insufficient_data';
  if (threshold === null) return 'ok';
  // Compare at 12 significant digits, so 0.9 − 0.895 counts as the 0.5 points it is.
  const v = round(value);
  if (v > threshold) return 'alert';
  if (threshold > 0 && v > round(threshold * options.warningFraction)) return 'warning';
  return 'ok';
}

/** Rounds a value for storage and display (12 significant digits; keeps comparisons stable). */
export function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(12)) : value;
}

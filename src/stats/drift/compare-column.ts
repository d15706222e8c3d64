import type { Column, ColumnDriftResult, DriftMethod } from '../types.js';
import {
  type CategoricalSides,
  type Missing,
  type NumericSides,
  categoricalSides,
  categoricalSidesFromCounts,
  distinctCount,
  nonMissing,
  numericSides,
} from './column-sides.js';
import {
  DEFAULT_THRESHOLDS,
  FEW_DISTINCT_VALUES,
  NUMERIC_ONLY_METHODS,
  P_VALUE_METHODS,
  defaultDriftMethod,
} from './default-method.js';
import { InsufficientData, type Outcome, fmt, runMethod } from './run-method.js';

/** Options of {@link compareColumn}. */
export interface CompareColumnOptions {
  /** Drift method; default chosen by {@link defaultDriftMethod}. */
  method?: DriftMethod;
  /** Threshold; default from {@link DEFAULT_THRESHOLDS}. */
  threshold?: number;
  /** Number of reference-quantile bins for numeric PSI (default 10). */
  psiBins?: number;
}

/** Default number of reference-quantile bins of numeric PSI. */
export const DEFAULT_PSI_BINS = 10;

/** Why a column cannot be tested with `method`, or null when it can. */
function insufficiency(
  method: DriftMethod,
  sides: NumericSides | CategoricalSides,
  distinct: number,
): string | null {
  const [nr, nc] = nonMissing(sides);
  if (nr === 0) return 'reference has no non-missing values';
  if (nc === 0) return 'current has no non-missing values';
  if (nr < 2) return 'reference has a single non-missing value';
  if (nc < 2) return 'current has a single non-missing value';
  if ((method === 'chisquare' || method === 'z') && distinct < 2) {
    return `only one category is present; ${method} needs two`;
  }
  return null;
}

/**
 * Compare one column of reference data against the same column of current data.
 * Missing values (NaN / null) are counted and excluded from the test (PSI alone gives them a
 * bin of their own); ±Infinity values are counted apart (`infinite`) and excluded too. A column that cannot be tested yields status 'insufficient_data' with a
 * reason, never an exception; the missing counts are reported either way.
 * @throws Error when the two columns differ in kind, or a numeric-only method is asked of a
 *   categorical column.
 */
export function compareColumn(
  reference: Column,
  current: Column,
  options: CompareColumnOptions = {},
): ColumnDriftResult {
  if (reference.kind !== current.kind) {
    throw new Error(
      `column "${reference.name}" is ${reference.kind} in reference data but ${current.kind} in current data`,
    );
  }
  const sides =
    reference.kind === 'numeric' && current.kind === 'numeric'
      ? numericSides(reference.values, current.values)
      : categoricalSides(
          (reference as { values: ReadonlyArray<string | null> }).values,
          (current as { values: ReadonlyArray<string | null> }).values,
        );
  return compareSides(
    reference.name,
    reference.kind,
    sides,
    { reference: reference.values.length, current: current.values.length },
    options,
  );
}

/**
 * {@link compareColumn} of a categorical column given as category counts: `rows` counts every
 * cell, so the cells not in the counts are the missing ones. The same result as comparing the
 * columns of those cells.
 */
export function compareCategoryCounts(
  name: string,
  reference: Iterable<readonly [string, number]>,
  current: Iterable<readonly [string, number]>,
  rows: { reference: number; current: number },
  options: CompareColumnOptions = {},
): ColumnDriftResult {
  return compareSides(name, 'categorical', categoricalSidesFromCounts(reference, current), rows, options);
}

function compareSides(
  name: string,
  kind: Column['kind'],
  sides: NumericSides | CategoricalSides,
  rows: { reference: number; current: number },
  options: CompareColumnOptions,
): ColumnDriftResult {
  const [nr, nc] = nonMissing(sides);
  const infinite = sides.kind === 'numeric' ? sides.infinite : { reference: 0, current: 0 };
  const missingRef = rows.reference - nr - infinite.reference;
  const missingCur = rows.current - nc - infinite.current;
  const missing: Missing = {
    reference: missingRef,
    current: missingCur,
    referenceRate: rows.reference > 0 ? missingRef / rows.reference : 0,
    currentRate: rows.current > 0 ? missingCur / rows.current : 0,
  };
  const distinct = distinctCount(sides, FEW_DISTINCT_VALUES);
  const method = options.method ?? defaultDriftMethod(kind, nr, distinct);
  if (!(method in DEFAULT_THRESHOLDS)) throw new Error(`unknown drift method "${method}"`);
  if (NUMERIC_ONLY_METHODS.has(method) && kind !== 'numeric') {
    throw new Error(`method "${method}" does not apply to categorical column "${name}"`);
  }
  const threshold = options.threshold ?? DEFAULT_THRESHOLDS[method];
  if (!Number.isFinite(threshold)) throw new Error(`threshold of column "${name}" must be a finite number`);
  const psiBins = options.psiBins ?? DEFAULT_PSI_BINS;
  if (!(Number.isInteger(psiBins) && psiBins >= 2)) throw new Error('psiBins must be an integer >= 2');
  const isP = P_VALUE_METHODS.has(method);
  const rule = isP ? `drift when p < ${fmt(threshold)}` : `drift when score >= ${fmt(threshold)}`;
  const base = {
    name,
    type: kind,
    method,
    threshold,
    missing,
    ...(infinite.reference + infinite.current > 0 ? { infinite } : {}),
    ...(sides.kind === 'categorical' ? { newCategories: sides.newCategories } : {}),
  };
  const infiniteNote =
    infinite.reference + infinite.current > 0
      ? `; ±Infinity values counted and excluded (${infinite.reference} in the reference, ${infinite.current} in the current data)`
      : '';
  const insufficient = (reason: string, convention: string): ColumnDriftResult => ({
    ...base,
    status: 'insufficient_data',
    statistic: null,
    pValue: null,
    drifted: false,
    convention,
    reason,
  });
  const reason = insufficiency(method, sides, distinct);
  if (reason !== null) return insufficient(reason, `${method}; not computed; ${rule}${infiniteNote}`);
  let outcome: Outcome;
  try {
    outcome = runMethod(method, sides, { ref: missingRef, cur: missingCur }, psiBins);
  } catch (error) {
    if (error instanceof InsufficientData)
      return insufficient(error.message, `${method}; not computed; ${rule}${infiniteNote}`);
    throw error;
  }
  const { statistic, pValue } = outcome;
  if (!Number.isFinite(statistic) || (pValue !== null && !Number.isFinite(pValue))) {
    return insufficient(`${method} is not finite for these data`, `${outcome.convention}; ${rule}`);
  }
  const drifted = isP ? pValue! < threshold : statistic >= threshold;
  return {
    ...base,
    status: 'ok',
    statistic,
    ...(outcome.distance !== undefined ? { distance: outcome.distance } : {}),
    pValue,
    drifted,
    convention: `${outcome.convention}; ${rule}${infiniteNote}`,
  };
}

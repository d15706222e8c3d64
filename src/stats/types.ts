/**
 * Shared types of the statistics engine. The engine is pure: no I/O, no clock, no randomness
 * except from an explicit seed. Numeric data travels as Float64Array; a missing numeric value
 * is NaN (so ±Infinity are real values), a missing categorical value is null.
 */

/** A numeric column: NaN marks a missing value. */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly values: Float64Array;
  /**
   * Row → the cell's text as the file wrote it, for the cells whose text is not the number's
   * shortest form ("007", "1.50"); set by the file readers, so the column can be read as text
   * without rewriting a value.
   */
  readonly texts?: ReadonlyMap<number, string>;
}

/** A categorical column (strings, booleans rendered as "true"/"false"): null marks a missing value. */
export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  readonly values: ReadonlyArray<string | null>;
}

export type Column = NumericColumn | CategoricalColumn;

/** Every drift method the engine knows. */
export type DriftMethod =
  | 'ks'
  | 'chisquare'
  | 'z'
  | 'psi'
  | 'jensenshannon'
  | 'wasserstein'
  | 'kl'
  | 'hellinger'
  | 'mannwhitneyu'
  | 'ttest'
  | 'anderson'
  | 'cramervonmises'
  | 'energy';

/** Per-column drift result; the JSON shape of `warden drift --json` columns. */
export interface ColumnDriftResult {
  name: string;
  type: 'numeric' | 'categorical';
  method: DriftMethod;
  /** `ok` when the test ran; `insufficient_data` when a side had too little data to test. */
  status: 'ok' | 'insufficient_data';
  /** For `wasserstein`: the distance normalised by the reference's standard deviation. */
  statistic: number | null;
  /** For `wasserstein`: the raw Wasserstein-1 distance. */
  distance?: number;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  missing: { reference: number; current: number; referenceRate: number; currentRate: number };
  /** ±Infinity values counted and excluded from the test, present when either side had some. */
  infinite?: { reference: number; current: number };
  newCategories?: string[];
  /** Human-readable statement of the convention the result was computed under. */
  convention: string;
  /** Why the result is insufficient_data, when it is. */
  reason?: string;
}

export interface DatasetDriftResult {
  columns: ColumnDriftResult[];
  driftedShare: number;
  datasetDrift: boolean;
  rows: { reference: number; current: number };
}

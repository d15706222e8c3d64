import type { Column } from '../types.js';
import { ColumnProfile, type ColumnProfileJSON } from './column-profile.js';

/** Settings of a {@link ColumnSketch}. */
export interface ColumnSketchOptions {
  /** Relative accuracy α of the quantile sketch of numeric columns (default 0.005). */
  relativeAccuracy?: number;
  /** Categories counted exactly per column (default 10,000); further ones are pooled. */
  categoryCap?: number;
}

/** Default relative accuracy of the quantile sketch. */
export const DEFAULT_SKETCH_ACCURACY = 0.005;
/** Default number of categories counted exactly per column. */
export const DEFAULT_CATEGORY_CAP = 10_000;
/** Distinct texts of a numeric column counted in case the column turns out categorical. */
const NUMERIC_TEXT_CAP = 1_000;
/** Distinct finite values of a numeric column counted exactly. */
const EXACT_VALUES = 256;

/** Serialised {@link ColumnSketch}: what a one-pass read of a column keeps. */
export interface ColumnSketchJSON {
  name: string;
  kind: 'numeric' | 'categorical';
  rows: number;
  /** Missing cells (NaN or null). */
  missing: number;
  /**
   * The numeric profile of x − `shift` (quantile sketch, counts, sums; null once categorical):
   * shifted by the column's first finite value so that the relative-accuracy bins are narrow
   * where the data are, whatever their offset.
   */
  numeric: ColumnProfileJSON | null;
  shift: number;
  /** [value, count] of the finite values while at most 256 distinct, ascending; else null. */
  exactValues: [number, number][] | null;
  /**
   * Exact counts of the cells as text (missing cells excluded), for a categorical column up to
   * `categoryCap` categories; for a numeric column up to 1,000 distinct texts, then null.
   */
  categories: [string, number][] | null;
  /** Cells of categories seen after the cap was reached, pooled (counted, not told apart). */
  pooled: number;
  /** The first cell that is not a number, 1-based data row. */
  firstNonNumeric: { row: number; value: string } | null;
}

/**
 * A column summarised in one pass, in bounded memory: a numeric column as a
 * {@link ColumnProfile} (quantile sketch with relative accuracy α, exact counts while at most
 * 256 distinct values), a categorical column as exact category counts up to a cap. Fed with
 * typed chunks of the column in order; a column that turns categorical part-way keeps the
 * texts of its earlier numeric cells (while they are few) so it can be compared as categories.
 */
export class ColumnSketch {
  private kind: 'numeric' | 'categorical' = 'numeric';
  private rows = 0;
  private missing = 0;
  private profile: ColumnProfile | null;
  private counts: Map<string, number> | null = new Map();
  private pooled = 0;
  private readonly cap: number;
  private shift: number | null = null;
  private exact: Map<number, number> | null = new Map();

  constructor(
    readonly name: string,
    options: ColumnSketchOptions = {},
  ) {
    this.profile = new ColumnProfile(name, 'numeric', {
      relativeAccuracy: options.relativeAccuracy ?? DEFAULT_SKETCH_ACCURACY,
      exactValues: 0,
    });
    this.cap = options.categoryCap ?? DEFAULT_CATEGORY_CAP;
  }

  /** Adds the next chunk of the column (rows in file order). */
  add(chunk: Column): void {
    this.rows += chunk.values.length;
    if (chunk.kind === 'numeric') {
      const values = chunk.values;
      const profile = this.profile;
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        if (value !== value) {
          this.missing++;
          profile?.add(value);
          continue;
        }
        if (profile !== null) {
          if (this.shift === null && Number.isFinite(value)) this.shift = value;
          profile.add(value - (this.shift ?? 0));
          if (this.exact !== null && Number.isFinite(value)) {
            this.exact.set(value, (this.exact.get(value) ?? 0) + 1);
            if (this.exact.size > EXACT_VALUES) this.exact = null;
          }
        }
        if (this.counts === null) continue;
        this.count(
          chunk.texts?.get(i) ?? String(value),
          this.kind === 'numeric' ? NUMERIC_TEXT_CAP : this.cap,
        );
      }
      return;
    }
    this.kind = 'categorical';
    this.profile = null;
    for (const value of chunk.values) {
      if (value === null) this.missing++;
      else if (this.counts !== null) this.count(value, this.cap);
    }
  }

  /**
   * Whether the sketch still counts cells as text. A numeric column stops at more than 1,000
   * distinct texts (it cannot be compared as categories any more), so from then on the texts
   * of its numeric cells no longer matter.
   */
  get countsTexts(): boolean {
    return this.counts !== null;
  }

  private count(text: string, cap: number): void {
    const counts = this.counts!;
    const seen = counts.get(text);
    if (seen !== undefined) counts.set(text, seen + 1);
    else if (counts.size < cap) counts.set(text, 1);
    else if (this.kind === 'numeric') this.counts = null;
    else this.pooled++;
  }

  toJSON(firstNonNumeric: { row: number; value: string } | null = null): ColumnSketchJSON {
    return {
      name: this.name,
      kind: this.kind,
      rows: this.rows,
      missing: this.missing,
      numeric: this.profile?.toJSON() ?? null,
      shift: this.shift ?? 0,
      exactValues:
        this.profile !== null && this.exact !== null ? [...this.exact].sort((a, b) => a[0] - b[0]) : null,
      categories: this.counts ? [...this.counts] : null,
      pooled: this.pooled,
      firstNonNumeric,
    };
  }
}

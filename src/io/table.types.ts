import type { Column } from '../stats/types.js';
import type { ColumnSketchJSON, ColumnSketchOptions } from '../stats/sketch/index.js';
import type { SpilledColumn } from './column.spill.js';

/** File formats the offline commands read, chosen by file extension. */
export type TableFormat = 'csv' | 'tsv' | 'ndjson' | 'parquet';

/** A table read into typed columns; every column has `rows` cells (row i is data row i + 1). */
export interface Table {
  readonly path: string;
  readonly format: TableFormat;
  readonly columns: Column[];
  readonly rows: number;
  /** When read with `spillTo`: the columns, each in a file of its own (and `columns` is empty). */
  readonly spilled?: SpilledColumn[];
  /** When read with `sketch`: each column summarised in one pass (and `columns` is empty). */
  readonly sketches?: ColumnSketchJSON[];
}

/** What to read from a table file. */
export interface ReadTableOptions {
  /** Only these columns, in this order; each must exist. All columns when omitted. */
  readonly columns?: readonly string[];
  /** Columns that must be numeric: the first non-numeric value is an error naming its row. */
  readonly numeric?: readonly string[];
  /** Columns that are text whatever they hold (a schema says so): "007" stays "007". */
  readonly categorical?: readonly string[];
  /** Show a progress bar on stderr (only drawn when stderr is a terminal and the file is large). */
  readonly progress?: boolean;
  /**
   * Write each column to a file of its own in this (existing) directory instead of keeping it
   * in memory; load them with `loadSpilledColumn`. Memory then stays bounded whatever the rows.
   */
  readonly spillTo?: string;
  /** Summarise each column in a sketch instead of keeping its cells (`Table.sketches`). */
  readonly sketch?: ColumnSketchOptions;
  /** Called with the number of bytes read, as reading goes on. */
  readonly onBytesRead?: (bytes: number) => void;
}

/** Some consecutive rows of a table file, read by `readTableBatches`. */
export interface TableBatch {
  /** Typed columns holding the batch's rows at indices `first` … `first + rows - 1`. */
  readonly columns: Column[];
  readonly first: number;
  readonly rows: number;
  /** CSV and TSV: the 1-based file line on which each of the batch's rows starts. */
  readonly lines?: readonly number[];
  /** Data rows in the whole file. */
  readonly totalRows: number;
}

export interface TableBatchOptions {
  /** Rows per batch. */
  readonly size: number;
  /** Columns that are text whatever they hold (a schema says so): "007" stays "007". */
  readonly categorical?: readonly string[];
}

import type { Column } from '../stats/types.js';

/** File formats the offline commands read, chosen by file extension. */
export type TableFormat = 'csv' | 'tsv' | 'ndjson' | 'parquet';

/** A table read into typed columns; every column has `rows` cells (row i is data row i + 1). */
export interface Table {
  readonly path: string;
  readonly format: TableFormat;
  readonly columns: Column[];
  readonly rows: number;
}

/** What to read from a table file. */
export interface ReadTableOptions {
  /** Only these columns, in this order; each must exist. All columns when omitted. */
  readonly columns?: readonly string[];
  /** Columns that must be numeric: the first non-numeric value is an error naming its row. */
  readonly numeric?: readonly string[];
  /** Show a progress bar on stderr (only drawn when stderr is a terminal and the file is large). */
  readonly progress?: boolean;
  /** Called with the number of bytes read, as reading goes on. */
  readonly onBytesRead?: (bytes: number) => void;
}

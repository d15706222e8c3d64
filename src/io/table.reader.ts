import { extname } from 'node:path';
import { stat } from 'node:fs/promises';
import { invalidInput } from '../core/errors.js';
import { readCsv } from './csv.reader.js';
import type { ReadTableOptions, Table, TableFormat } from './table.types.js';

const FORMAT_BY_EXTENSION: Readonly<Record<string, TableFormat>> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.parquet': 'parquet',
};

/** The format of a table file from its extension (.csv, .tsv, .ndjson/.jsonl, .parquet; any case). */
export function detectTableFormat(path: string): TableFormat {
  const format = FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
  if (!format) {
    throw invalidInput(`${path}: unknown file type; use .csv, .tsv, .ndjson, .jsonl or .parquet`, 'path');
  }
  return format;
}

/**
 * Reads a table file into typed columns, streaming. A column is numeric when every
 * non-missing value parses as a number (±Infinity included; "", NA, null, NaN, None… are
 * missing), otherwise categorical; booleans are categorical. Fails with `invalid_input`
 * naming the file, column and 1-based data row for empty files, missing columns and
 * non-numeric values in columns that must be numeric.
 */
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<Table> {
  const format = detectTableFormat(path);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw invalidInput(`${path}: not a file`, 'path');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw invalidInput(`${path}: no such file`, 'path');
    throw error;
  }
  switch (format) {
    case 'csv':
      return readCsv(path, options);
    case 'tsv':
      return readCsv(path, options, '\t');
    // Loaded on first use: a CSV run (and each reader thread) does not load the Parquet library.
    case 'ndjson':
      return (await import('./ndjson.reader.js')).readNdjson(path, options);
    case 'parquet':
      return (await import('./parquet.reader.js')).readParquet(path, options);
  }
}

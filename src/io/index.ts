/**
 * Reading table files (CSV, TSV, NDJSON, Parquet) into the statistics engine's typed columns.
 */
export { readTable, detectTableFormat } from './table.reader.js';
export type { Table, TableBatch, TableFormat, ReadTableOptions } from './table.types.js';
export { readTables } from './tables.reader.js';
export { findNonNumericCell } from './column.builder.js';
export { countSpilledCategories, loadSpilledColumn, type SpilledColumn } from './column.spill.js';
export { readTableBatches } from './table.batches.js';

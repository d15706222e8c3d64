import { stat } from 'node:fs/promises';
import { parseNumberText, parsePlainDecimalBytes } from './column.builder.js';
import {
  CsvFieldKind,
  CsvParser,
  CsvSyntaxError,
  csvFieldText,
  csvRecordTexts,
  type CsvRecord,
} from './csv.parser.js';
import { csvFileChunks, csvSyntaxError, raggedRowError } from './csv.reader.js';
import { TableAssembler, type ColumnSink } from './table.assembler.js';
import { detectTableFormat } from './table.reader.js';
import type { TableBatch, TableBatchOptions, TableFormat } from './table.types.js';

/** Bytes read at a time: with one batch of rows, all a streaming read holds. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Reads a CSV, TSV or Parquet file in batches of rows, holding one chunk of the file (a Parquet
 * row group) and one batch at a time whatever the file's size. The cells mean what
 * `readTable` makes of them: a first pass over the file decides each column's type from all of
 * its cells (and counts the rows, and finds malformed lines before anything is returned), so
 * a column with one non-number is text in every batch and "007" in a numeric column keeps its
 * text (`Column.texts`). NDJSON is not read here: it is sent line by line.
 */
export async function* readTableBatches(
  path: string,
  options: TableBatchOptions,
): AsyncGenerator<TableBatch> {
  const format = detectTableFormat(path);
  if (format === 'parquet') {
    yield* (await import('./parquet.batches.js')).readParquetBatches(path, options);
    return;
  }
  if (format === 'ndjson') throw new Error('readTableBatches reads CSV, TSV and Parquet files');
  const delimiter = format === 'tsv' ? '\t' : ',';
  const scan = await scanCsv(path, format, delimiter, options);
  if (scan.rows === 0) return;
  const categorical = [...scan.text];
  let assembler = new TableAssembler(path, format, { categorical });
  let targets: (ColumnSink | undefined)[] = [];
  let rows = 0;
  let lines: number[] = [];
  let dataRows = 0;
  let header = false;
  const done: TableBatch[] = [];
  const onRecord = (record: CsvRecord): void => {
    if (!header) {
      header = true;
      targets = assembler.declareColumns(scan.header);
      return;
    }
    if (record.count !== targets.length)
      throw raggedRowError(assembler, record, dataRows + 1, targets.length);
    dataRows++;
    const { bytes, starts, ends, kinds } = record;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i]!;
      if (kinds[i] === CsvFieldKind.Plain) target.appendBytes(bytes, starts[i]!, ends[i]!);
      else target.appendText(csvFieldText(record, i));
    }
    lines.push(record.line);
    if (++rows === options.size) {
      done.push({ columns: assembler.finish(rows).columns, first: 0, rows, lines, totalRows: scan.rows });
      assembler = new TableAssembler(path, format, { categorical });
      targets = assembler.declareColumns(scan.header);
      rows = 0;
      lines = [];
    }
  };
  const parser = new CsvParser(onRecord, delimiter);
  try {
    for await (const { bytes } of csvFileChunks(path, CHUNK_BYTES)) {
      parser.push(bytes);
      while (done.length > 0) yield done.shift()!;
    }
    parser.end();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw csvSyntaxError(assembler, error, scan.header);
    throw error;
  }
  while (done.length > 0) yield done.shift()!;
  if (rows > 0)
    yield { columns: assembler.finish(rows).columns, first: 0, rows, lines, totalRows: scan.rows };
}

/**
 * The first pass over a CSV file: its header, data rows, and the columns holding a cell that is
 * neither missing nor a number (text columns, as `readTable` would type them). Fails on a
 * malformed line or a row whose field count is not the header's, naming the line.
 */
async function scanCsv(
  path: string,
  format: TableFormat,
  delimiter: string,
  options: TableBatchOptions,
): Promise<{ header: string[]; rows: number; text: Set<string> }> {
  const assembler = new TableAssembler(path, format, {});
  const { size } = await stat(path);
  if (size === 0) throw assembler.error('the file is empty');
  const forced = new Set(options.categorical ?? []);
  let header: string[] = [];
  let isText: boolean[] = [];
  let rows = 0;
  const onRecord = (record: CsvRecord): void => {
    if (header.length === 0) {
      header = csvRecordTexts(record);
      assembler.declareColumns(header);
      isText = header.map((name) => forced.has(name));
      return;
    }
    if (record.count !== header.length) throw raggedRowError(assembler, record, rows + 1, header.length);
    rows++;
    const { bytes, starts, ends, kinds } = record;
    for (let i = 0; i < header.length; i++) {
      if (isText[i]) continue;
      let text: string;
      if (kinds[i] === CsvFieldKind.Plain) {
        const start = starts[i]!;
        const end = ends[i]!;
        if (start === end || parsePlainDecimalBytes(bytes, start, end) !== undefined) continue;
        text = bytes.toString('utf8', start, end);
      } else text = csvFieldText(record, i);
      if (parseNumberText(text) === undefined) isText[i] = true;
    }
  };
  const parser = new CsvParser(onRecord, delimiter);
  try {
    for await (const { bytes } of csvFileChunks(path, CHUNK_BYTES)) parser.push(bytes);
    parser.end();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw csvSyntaxError(assembler, error, header);
    throw error;
  }
  if (header.length === 0) throw assembler.error('the file is empty');
  return { header, rows, text: new Set(header.filter((_, i) => isText[i])) };
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  CsvFieldKind,
  CsvParser,
  CsvSyntaxError,
  csvFieldText,
  csvRecordTexts,
  type CsvRecord,
} from './csv.parser.js';
import { createReadProgress } from './progress.reporter.js';
import { TableAssembler, type ColumnSink } from './table.assembler.js';
import type { ReadTableOptions, Table } from './table.types.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * The bytes of a CSV file in chunks of about `chunkBytes`, as UTF-8 for {@link CsvParser}, each
 * with how many bytes of the file it covers. A file that starts with a UTF-16LE byte-order mark
 * is decoded to UTF-8 on the way.
 */
export async function* csvFileChunks(
  path: string,
  chunkBytes: number,
): AsyncGenerator<{ bytes: Buffer; read: number }> {
  let utf16: TextDecoder | undefined;
  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes })) {
    const bytes = chunk as Buffer;
    if (first) {
      first = false;
      if (bytes[0] === 0xff && bytes[1] === 0xfe) utf16 = new TextDecoder('utf-16le');
    }
    yield {
      bytes: utf16 ? Buffer.from(utf16.decode(bytes, { stream: true }), 'utf8') : bytes,
      read: bytes.length,
    };
  }
  if (utf16) yield { bytes: Buffer.from(utf16.decode(), 'utf8'), read: 0 };
}

/** A CSV syntax error as an `invalid_input` error naming the file, line and column. */
export function csvSyntaxError(
  assembler: TableAssembler,
  error: CsvSyntaxError,
  header: readonly string[],
): Error {
  const column = header[error.field - 1];
  const where = column === undefined ? `field ${error.field}` : `column '${column}'`;
  return assembler.error(`not valid CSV at line ${error.line}, ${where}: ${error.reason}`, column);
}

/** A data row whose field count is not the header's, named by data row and file line. */
export function raggedRowError(
  assembler: TableAssembler,
  record: CsvRecord,
  row: number,
  fields: number,
): Error {
  return assembler.error(
    `data row ${row} has ${record.count} fields, the header has ${fields} (line ${record.line})`,
  );
}

/**
 * Reads a CSV (or, with a tab delimiter, TSV) file with a header row, streaming: the
 * byte-level parser hands each record's fields straight to the column builders, which read
 * plain numbers from the bytes, so the file is never held as rows or as a string per cell.
 * The file is UTF-8 (with or without a byte-order mark), or UTF-16LE with a byte-order mark.
 */
export async function readCsv(path: string, options: ReadTableOptions, delimiter = ','): Promise<Table> {
  const assembler = new TableAssembler(path, delimiter === '\t' ? 'tsv' : 'csv', options);
  const { size } = await stat(path);
  if (size === 0) throw assembler.error('the file is empty');
  const progress = createReadProgress(`reading ${assembler.fileName}`, size, options);

  // Empty until the header record is read (a record always has at least one field).
  let header: readonly string[] = [];
  let targets: (ColumnSink | undefined)[] = [];
  let rows = 0;
  const onRecord = (record: CsvRecord): void => {
    if (header.length === 0) {
      header = csvRecordTexts(record);
      targets = assembler.declareColumns(header);
      return;
    }
    const count = targets.length;
    if (record.count !== count) throw raggedRowError(assembler, record, rows + 1, count);
    rows++;
    const { bytes, starts, ends, kinds } = record;
    for (let i = 0; i < count; i++) {
      const target = targets[i];
      if (target === undefined) continue;
      if (kinds[i] === CsvFieldKind.Plain) target.appendBytes(bytes, starts[i]!, ends[i]!);
      else target.appendText(csvFieldText(record, i));
    }
  };
  const parser = new CsvParser(onRecord, delimiter);
  try {
    for await (const { bytes, read } of csvFileChunks(path, READ_CHUNK_BYTES)) {
      parser.push(bytes);
      progress.advance(read);
    }
    parser.end();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw csvSyntaxError(assembler, error, header);
    throw error;
  } finally {
    progress.done();
  }
  if (header.length === 0) throw assembler.error('the file is empty');
  return assembler.finish(rows);
}

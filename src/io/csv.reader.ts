import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ColumnBuilder } from './column.builder.js';
import {
  CsvFieldKind,
  CsvParser,
  CsvSyntaxError,
  csvFieldText,
  csvRecordTexts,
  type CsvRecord,
} from './csv.parser.js';
import { createReadProgress } from './progress.reporter.js';
import { TableAssembler } from './table.assembler.js';
import type { ReadTableOptions, Table } from './table.types.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a CSV (or, with a tab delimiter, TSV) file with a header row, streaming: the
 * byte-level parser hands each record's fields straight to the column builders, which read
 * plain numbers from the bytes, so the file is never held as rows or as a string per cell.
 */
export async function readCsv(path: string, options: ReadTableOptions, delimiter = ','): Promise<Table> {
  const assembler = new TableAssembler(path, delimiter === '\t' ? 'tsv' : 'csv', options);
  const { size } = await stat(path);
  if (size === 0) throw assembler.error('the file is empty');
  const progress = createReadProgress(`reading ${assembler.fileName}`, size, options);

  // Empty until the header record is read (a record always has at least one field).
  let header: readonly string[] = [];
  let targets: (ColumnBuilder | undefined)[] = [];
  let rows = 0;
  const onRecord = (record: CsvRecord): void => {
    if (header.length === 0) {
      header = csvRecordTexts(record);
      targets = assembler.declareColumns(header);
      return;
    }
    const count = targets.length;
    if (record.count !== count)
      throw assembler.error(`data row ${rows + 1} has ${record.count} fields, the header has ${count}`);
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
    for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) {
      parser.push(chunk as Buffer);
      progress.advance((chunk as Buffer).length);
    }
    parser.end();
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      const column = header[error.field - 1];
      const where = column === undefined ? `field ${error.field}` : `column '${column}'`;
      throw assembler.error(`not valid CSV at line ${error.line}, ${where}: ${error.reason}`, column);
    }
    throw error;
  } finally {
    progress.done();
  }
  if (header.length === 0) throw assembler.error('the file is empty');
  return assembler.finish(rows);
}

import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } from 'hyparquet';
import { parseNumberText } from './column.builder.js';
import { appendChunk, readRowRange, windowRows } from './parquet.reader.js';
import type { TableBatch, TableBatchOptions } from './table.types.js';
import { TableAssembler } from './table.assembler.js';

/**
 * A Parquet file in batches of rows, decoded a window of whole batches at a time (`windowRows`,
 * within one row group): memory holds one decoded window and one batch, whatever the size of the
 * file and of its row groups. Batches start afresh at each row group.
 * A first pass decodes the columns that are not plain numbers (strings, booleans, dates…) to
 * type them from all their cells, as `readTable` does: a string column whose every cell reads
 * as a number is numeric, with "007" kept as written.
 */
export async function* readParquetBatches(
  path: string,
  options: TableBatchOptions,
): AsyncGenerator<TableBatch> {
  const assembler = new TableAssembler(path, 'parquet', {});
  const file = await asyncBufferFromFile(path);
  if (file.byteLength === 0) throw assembler.error('the file is empty');
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw assembler.error(
      `not a readable Parquet file (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const names = parquetSchema(metadata).children.map((child) => child.element.name);
  assembler.declareColumns(names);
  const groups: Array<{ start: number; end: number }> = [];
  let totalRows = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    if (rows > 0) groups.push({ start: totalRows, end: totalRows + rows });
    totalRows += rows;
  }
  // Rows decoded at once: whole batches, so batch boundaries do not depend on the window.
  const window = windowRows(names.length, options.size);
  const windowsOf = function* (start: number, end: number) {
    for (let first = start; first < end; first += window)
      yield [first, Math.min(end, first + window)] as const;
  };

  // First pass: a column is text when one of its cells is neither missing nor a number.
  const text = new Set(options.categorical ?? []);
  // Columns decoded as typed arrays hold numbers in every row group: nothing to look at.
  const numeric = new Set<string>();
  scan: for (const { start, end } of groups)
    for (const [first, last] of windowsOf(start, end)) {
      const unknown = names.filter((name) => !text.has(name) && !numeric.has(name));
      if (unknown.length === 0) break scan;
      for (const chunk of await readRowRange(file, metadata, unknown, first, last)) {
        const data = chunk.columnData;
        if (ArrayBuffer.isView(data)) numeric.add(chunk.columnName);
        else if (!text.has(chunk.columnName) && data.some(isTextValue)) text.add(chunk.columnName);
      }
    }

  const categorical = [...text];
  for (const { start, end } of groups)
    for (const [windowStart, windowEnd] of windowsOf(start, end)) {
      const chunks = await readRowRange(file, metadata, names, windowStart, windowEnd);
      // Each batch is copied out of the decoded window into batch-sized columns: they die
      // young, and only the window itself lives as long as its batches are being sent.
      for (let first = windowStart; first < windowEnd; first += options.size) {
        const last = Math.min(windowEnd, first + options.size);
        const batch = new TableAssembler(path, 'parquet', { categorical });
        const targets = batch.declareColumns(names);
        const builderOf = new Map(names.map((name, i) => [name, targets[i]!]));
        for (const chunk of chunks) {
          if (chunk.rowEnd <= first || chunk.rowStart >= last) continue;
          const builder = builderOf.get(chunk.columnName);
          if (builder) appendChunk(builder, chunk, first, last, first);
        }
        for (const builder of builderOf.values()) builder.padTo(last - first);
        const { columns } = batch.finish(last - first);
        yield { columns, first: 0, rows: last - first, totalRows };
      }
    }
}

/** Whether a decoded value makes its column text (as the column builder reads it). */
function isTextValue(value: unknown): boolean {
  if (typeof value === 'string') return parseNumberText(value) === undefined;
  return typeof value === 'boolean' || (typeof value === 'object' && value !== null);
}

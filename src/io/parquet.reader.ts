import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, ColumnData, DecodedArray, FileMetaData } from 'hyparquet';
import { createReadProgress } from './progress.reporter.js';
import { TableAssembler, type ColumnSink } from './table.assembler.js';
import type { ReadTableOptions, Table } from './table.types.js';

/** Cells decoded at once by the Parquet readers, whatever the size of the file's row groups. */
const WINDOW_CELLS = 1 << 19;

/**
 * Rows the Parquet readers decode at once for a file of `columns` columns: a whole number of
 * `step`s (at least one) holding about `WINDOW_CELLS` cells.
 */
export function windowRows(columns: number, step = 1): number {
  return step * Math.max(1, Math.floor(WINDOW_CELLS / (Math.max(1, columns) * step)));
}

/**
 * The decoded chunks of `columns` that cover the file's rows [rowStart, rowEnd), in row order.
 * Only the data pages overlapping the range are decoded (located through the offset index when
 * the file has one), so a chunk may start before `rowStart` or end after `rowEnd` by part of a page.
 */
export async function readRowRange(
  file: AsyncBuffer,
  metadata: FileMetaData,
  columns: string[],
  rowStart: number,
  rowEnd: number,
): Promise<ColumnData[]> {
  const chunks: ColumnData[] = [];
  if (columns.length > 0 && rowEnd > rowStart)
    await parquetRead({
      file,
      metadata,
      columns,
      rowStart,
      rowEnd,
      useOffsetIndex: true,
      onChunk: (chunk) => chunks.push(chunk),
    });
  return chunks.sort((a, b) => a.rowStart - b.rowStart);
}

/**
 * Reads a Parquet file with hyparquet a window of rows at a time (`windowRows`, never more than
 * one row group): each decoded column chunk is appended to its column builder (typed arrays
 * copied straight in), and row objects are never built. Top-level columns only; nested values
 * become their JSON text.
 */
export async function readParquet(path: string, options: ReadTableOptions): Promise<Table> {
  const assembler = new TableAssembler(path, 'parquet', options);
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
  const targets = assembler.declareColumns(names);
  const selected = names.filter((_, i) => targets[i] !== undefined);
  const builderOf = new Map(selected.map((name) => [name, targets[names.indexOf(name)]!]));
  const progress = createReadProgress(`reading ${assembler.fileName}`, file.byteLength, options);
  const window = windowRows(selected.length);

  let groupStart = 0;
  try {
    for (const group of metadata.row_groups) {
      const groupRows = Number(group.num_rows);
      const groupEnd = groupStart + groupRows;
      const bytes = group.columns.reduce(
        (sum, column) => sum + Number(column.meta_data?.total_compressed_size ?? 0),
        0,
      );
      const bytesBefore = (row: number) =>
        groupRows === 0 ? 0 : Math.round((bytes * (row - groupStart)) / groupRows);
      for (let start = groupStart; start < groupEnd; start += window) {
        const end = Math.min(groupEnd, start + window);
        for (const chunk of await readRowRange(file, metadata, selected, start, end)) {
          const builder = builderOf.get(chunk.columnName);
          if (builder) appendChunk(builder, chunk, start, end);
        }
        for (const builder of builderOf.values()) builder.padTo(end);
        progress.advance(bytesBefore(end) - bytesBefore(start));
      }
      if (groupRows === 0) progress.advance(bytes);
      groupStart = groupEnd;
    }
  } finally {
    progress.done();
  }
  return assembler.finish(groupStart);
}

/**
 * Appends the part of a decoded chunk that lies in [rowStart, rowEnd) and after what the builder
 * holds; the builder's cell 0 is the file's row `base`.
 */
export function appendChunk(
  builder: ColumnSink,
  chunk: ColumnData,
  rowStart: number,
  rowEnd: number,
  base = 0,
): void {
  const from = Math.max(chunk.rowStart, rowStart, builder.length + base);
  const to = Math.min(chunk.rowEnd, rowEnd);
  if (to <= from) return;
  builder.padTo(from - base);
  const data: DecodedArray = chunk.columnData;
  const offset = chunk.rowStart;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = from - offset; i < to - offset; i++) builder.appendNumber(Number(data[i]!));
  } else if (ArrayBuffer.isView(data)) {
    builder.appendNumbers(data, from - offset, to - offset);
  } else {
    for (let i = from - offset; i < to - offset; i++) builder.appendValue(data[i]);
  }
}

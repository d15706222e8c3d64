import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { ColumnData, DecodedArray } from 'hyparquet';
import { createReadProgress } from './progress.reporter.js';
import { TableAssembler, type ColumnSink } from './table.assembler.js';
import type { ReadTableOptions, Table } from './table.types.js';

/**
 * Reads a Parquet file one row group at a time with hyparquet: each decoded column chunk is
 * appended to its column builder (typed arrays copied straight in), and row objects are
 * never built. Top-level columns only; nested values become their JSON text.
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

  let rowStart = 0;
  try {
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const chunks: ColumnData[] = [];
      if (selected.length > 0) {
        await parquetRead({
          file,
          metadata,
          columns: selected,
          rowStart,
          rowEnd,
          onChunk: (chunk) => chunks.push(chunk),
        });
      }
      chunks.sort((a, b) => a.rowStart - b.rowStart);
      for (const chunk of chunks) {
        const builder = builderOf.get(chunk.columnName);
        if (builder) appendChunk(builder, chunk, rowStart, rowEnd);
      }
      for (const builder of builderOf.values()) builder.padTo(rowEnd);
      progress.advance(
        group.columns.reduce((sum, column) => sum + Number(column.meta_data?.total_compressed_size ?? 0), 0),
      );
      rowStart = rowEnd;
    }
  } finally {
    progress.done();
  }
  return assembler.finish(rowStart);
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

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse';
import type { ColumnBuilder } from './column.builder.js';
import { createReadProgress } from './progress.reporter.js';
import { TableAssembler } from './table.assembler.js';
import type { ReadTableOptions, Table } from './table.types.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a CSV (or, with a tab delimiter, TSV) file with a header row, streaming: records go
 * straight from csv-parse into column builders, so the file is never held as row objects.
 */
export async function readCsv(path: string, options: ReadTableOptions, delimiter = ','): Promise<Table> {
  const assembler = new TableAssembler(path, delimiter === '\t' ? 'tsv' : 'csv', options);
  const { size } = await stat(path);
  if (size === 0) throw assembler.error('the file is empty');
  const progress = createReadProgress(`reading ${assembler.fileName}`, size, options);
  const source = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const parser = parse({ bom: true, delimiter, skip_empty_lines: true, relax_column_count: true });
  source.on('data', (chunk) => progress.advance(chunk.length));

  let targets: (ColumnBuilder | undefined)[] | null = null;
  let rows = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => {
        source.destroy();
        parser.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      source.on('error', fail);
      parser.on('error', fail);
      parser.on('end', resolve);
      parser.on('readable', () => {
        try {
          let record: string[] | null;
          while ((record = parser.read() as string[] | null) !== null) {
            if (targets === null) {
              targets = assembler.declareColumns(record);
              continue;
            }
            if (record.length !== targets.length) {
              throw assembler.error(
                `data row ${rows + 1} has ${record.length} fields, the header has ${targets.length}`,
              );
            }
            rows++;
            for (let i = 0; i < targets.length; i++) targets[i]?.appendText(record[i]!);
          }
        } catch (error) {
          fail(error);
        }
      });
      source.pipe(parser);
    });
  } catch (error) {
    if (error instanceof CsvError) throw assembler.error(`not valid CSV: ${error.message}`);
    throw error;
  } finally {
    progress.done();
  }
  if (targets === null) throw assembler.error('the file is empty');
  return assembler.finish(rows);
}

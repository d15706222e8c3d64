import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createReadProgress } from './progress.reporter.js';
import { TableAssembler } from './table.assembler.js';
import type { ReadTableOptions, Table } from './table.types.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads newline-delimited JSON (one object per line; blank lines skipped) line by line.
 * Columns are the union of the objects' keys; a key absent from a line is a missing value.
 */
export async function readNdjson(path: string, options: ReadTableOptions): Promise<Table> {
  const assembler = new TableAssembler(path, 'ndjson', options);
  const { size } = await stat(path);
  if (size === 0) throw assembler.error('the file is empty');
  const progress = createReadProgress(`reading ${assembler.fileName}`, size, options);
  const source = createReadStream(path, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
  source.on('data', (chunk) => progress.advance(Buffer.byteLength(chunk)));
  const lines = createInterface({ input: source, crlfDelay: Infinity });

  let rows = 0;
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      const text = lineNumber === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
      if (text.trim().length === 0) continue;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch {
        throw assembler.error(`line ${lineNumber} is not valid JSON`);
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        throw assembler.error(`line ${lineNumber} is not a JSON object`);
      }
      for (const [key, value] of Object.entries(record)) {
        assembler.columnFound(key, rows)?.appendValue(value);
      }
      rows++;
      for (const builder of assembler.allBuilders()) {
        if (builder.length < rows) builder.appendMissing();
      }
    }
  } finally {
    lines.close();
    source.destroy();
    progress.done();
  }
  return assembler.finish(rows);
}

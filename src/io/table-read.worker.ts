/**
 * Worker thread that reads one table file and sends it back: numeric columns' buffers are
 * transferred (not copied), categorical columns go as dictionary codes; errors travel as their
 * code, message and field.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WardenError } from '../core/errors.js';
import { encodeTableForTransfer } from './column-transfer.js';
import { readTable } from './table.reader.js';
import type { ReadTableOptions } from './table.types.js';

/** What the parent sends: the file and what to read of it. */
export interface TableReadJob {
  readonly path: string;
  readonly options: Omit<ReadTableOptions, 'progress' | 'onBytesRead'>;
}

const port = parentPort!;
const job = workerData as TableReadJob;
try {
  const table = await readTable(job.path, {
    ...job.options,
    onBytesRead: (bytes) => port.postMessage({ type: 'progress', bytes }),
  });
  const { payload, transfer } = encodeTableForTransfer(table);
  port.postMessage({ type: 'table', table: payload }, transfer);
} catch (error) {
  port.postMessage(
    error instanceof WardenError
      ? { type: 'error', code: error.code, message: error.message, field: error.field }
      : { type: 'error', code: 'internal', message: error instanceof Error ? error.message : String(error) },
  );
}

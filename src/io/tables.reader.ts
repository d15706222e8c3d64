import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WardenError, isErrorCode } from '../core/errors.js';
import { decodeTransferredTable, type TransferredTable } from './column-transfer.js';
import { createProgressReporter } from './progress.reporter.js';
import type { TableReadJob } from './table-read.worker.js';
import { readTable } from './table.reader.js';
import type { ReadTableOptions, Table } from './table.types.js';

/**
 * Young generation of a reader thread that keeps nothing per row (`sketch`, `spillTo`): its
 * garbage is short-lived, and V8's default (up to 3 × 16 MiB per thread) would be most of the
 * memory such a read needs.
 */
const BOUNDED_READ_YOUNG_GENERATION_MB = 12;
/** Below this many bytes in total, files are read one after the other on the main thread. */
const PARALLEL_MIN_BYTES = 4 * 1024 * 1024;
const WORKER_URL = new URL('./table-read.worker.js', import.meta.url);

type WorkerMessage =
  | { type: 'progress'; bytes: number }
  | { type: 'table'; table: TransferredTable }
  | { type: 'error'; code: string; message: string; field?: string };

/**
 * Reads several table files. Large inputs are read at the same time, one worker thread per
 * file (parsing is CPU-bound, so two files take about as long as the larger one on two
 * cores); small ones, or when the compiled worker is not available, one after the other.
 * Results come in request order, and so does the error reported when several files fail.
 */
export async function readTables(
  requests: readonly { path: string; options?: Omit<ReadTableOptions, 'progress' | 'onBytesRead'> }[],
  settings: { progress?: boolean } = {},
): Promise<Table[]> {
  const sizes = await Promise.all(
    requests.map((request) =>
      stat(request.path).then(
        (info) => info.size,
        () => 0,
      ),
    ),
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  if (requests.length < 2 || total < PARALLEL_MIN_BYTES || !existsSync(fileURLToPath(WORKER_URL))) {
    const tables: Table[] = [];
    for (const request of requests)
      tables.push(
        await readTable(request.path, { ...request.options, progress: settings.progress ?? false }),
      );
    return tables;
  }
  const label = `reading ${requests.map((request) => basename(request.path)).join(', ')}`;
  const progress = createProgressReporter(label, total, settings.progress ?? false);
  try {
    const settled = await Promise.allSettled(
      requests.map((request) =>
        readInWorker({ path: request.path, options: request.options ?? {} }, (bytes) =>
          progress.advance(bytes),
        ),
      ),
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((result) => (result as PromiseFulfilledResult<Table>).value);
  } finally {
    progress.done();
  }
}

function readInWorker(job: TableReadJob, onBytesRead: (bytes: number) => void): Promise<Table> {
  const bounded = job.options.sketch !== undefined || job.options.spillTo !== undefined;
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, {
      workerData: job,
      ...(bounded ? { resourceLimits: { maxYoungGenerationSizeMb: BOUNDED_READ_YOUNG_GENERATION_MB } } : {}),
    });
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        onBytesRead(message.bytes);
        return;
      }
      settled = true;
      if (message.type === 'table') resolve(decodeTransferredTable(message.table));
      else
        reject(
          new WardenError(
            isErrorCode(message.code) ? message.code : 'internal',
            message.message,
            message.field,
          ),
        );
      void worker.terminate();
    });
    worker.on('error', (error: unknown) => {
      settled = true;
      reject(error instanceof Error ? error : new Error(String(error)));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the reader of ${job.path} stopped with exit code ${code}`));
    });
  });
}

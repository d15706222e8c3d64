/**
 * Worker thread comparing column groups of two spilled tables beside the main thread: both
 * take the next group from a shared counter, so the groups are shared out as they finish.
 * Results travel as plain objects; an error travels as its group, code, message and field.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WardenError } from '../core/errors.js';
import { compareColumnGroup } from './drift-groups.report.js';
import { takeGroup, type GroupWorkerJob } from './drift-groups.threads.js';

const port = parentPort!;
const job = workerData as GroupWorkerJob;
for (let index = takeGroup(job.counter); index !== null; index = takeGroup(job.counter)) {
  try {
    const result = compareColumnGroup(job.comparison, job.comparison.groups[index]!, { charts: false });
    port.postMessage({ type: 'group', index, result });
  } catch (error) {
    Atomics.store(job.counter, 1, 1);
    port.postMessage(
      error instanceof WardenError
        ? { type: 'error', index, code: error.code, message: error.message, field: error.field }
        : {
            type: 'error',
            index,
            code: 'internal',
            message: error instanceof Error ? error.message : String(error),
          },
    );
  }
}
port.postMessage({ type: 'done' });

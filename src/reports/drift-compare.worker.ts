/**
 * Worker thread that runs the drift engine on a share of the columns, so a wide dataset is
 * compared on two cores; the parent merges the per-column results.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compareDatasets, type CompareDatasetsOptions } from '../stats/drift/index.js';
import type { Column } from '../stats/types.js';

/** What the parent sends: the columns of both sides, in the same order, and the options. */
export interface DriftCompareJob {
  readonly reference: Column[];
  readonly current: Column[];
  readonly options: CompareDatasetsOptions;
}

const job = workerData as DriftCompareJob;
try {
  parentPort!.postMessage({
    ok: true,
    columns: compareDatasets(job.reference, job.current, job.options).columns,
  });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}

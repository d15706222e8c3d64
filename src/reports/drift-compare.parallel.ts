import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compareDatasets, type CompareDatasetsOptions } from '../stats/drift/index.js';
import type { Column, ColumnDriftResult, DatasetDriftResult } from '../stats/types.js';
import type { DriftCompareJob } from './drift-compare.worker.js';

/** Below this many cells (both sides, all columns), columns are compared on the main thread. */
const PARALLEL_MIN_CELLS = 1_000_000;
const WORKER_URL = new URL('./drift-compare.worker.js', import.meta.url);

/**
 * `compareDatasets` on two cores for large inputs: about half of the work (numeric columns
 * weigh more, they are sorted) goes to a worker thread while the main thread does the rest,
 * and the per-column results are put back in column order. The dataset verdict is then taken
 * as the engine takes it: the drifted share over the columns with status `ok`, drift when that
 * share reaches `driftShare` and at least one column was tested. The CLI tests compare this
 * path with a single `compareDatasets` call.
 */
export async function compareDatasetsInParallel(
  reference: Column[],
  current: Column[],
  options: CompareDatasetsOptions & { columns: string[]; driftShare: number },
): Promise<DatasetDriftResult> {
  const cells = reference.reduce(
    (sum, column, i) => sum + column.values.length + current[i]!.values.length,
    0,
  );
  if (reference.length < 2 || cells < PARALLEL_MIN_CELLS || !existsSync(fileURLToPath(WORKER_URL))) {
    return compareDatasets(reference, current, options);
  }
  const cost = (i: number) =>
    (reference[i]!.values.length + current[i]!.values.length) * (reference[i]!.kind === 'numeric' ? 3 : 1);
  const order = reference.map((_, i) => i).sort((a, b) => cost(b) - cost(a));
  const shares: [number[], number[]] = [[], []];
  const load = [0, 0];
  for (const i of order) {
    const side = load[0]! <= load[1]! ? 0 : 1;
    shares[side].push(i);
    load[side]! += cost(i);
  }
  const pick = (indices: number[]) => ({
    reference: indices.map((i) => reference[i]!),
    current: indices.map((i) => current[i]!),
    options: { ...options, columns: indices.map((i) => reference[i]!.name) },
  });
  const offloaded = runWorker(pick(shares[1]));
  // The main thread's share runs while the worker runs; the worker's answer waits in the queue.
  let local: ColumnDriftResult[] | Error;
  try {
    const job = pick(shares[0]);
    local = compareDatasets(job.reference, job.current, job.options).columns;
  } catch (error) {
    local = error instanceof Error ? error : new Error(String(error));
  }
  const remote = await offloaded.then(
    (columns) => columns,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  if (local instanceof Error) throw local;
  if (remote instanceof Error) throw remote;
  const byName = new Map([...local, ...remote].map((result) => [result.name, result]));
  const columns = options.columns.map((name) => byName.get(name)!);
  const tested = columns.filter((c) => c.status === 'ok');
  const driftedShare = tested.length > 0 ? tested.filter((c) => c.drifted).length / tested.length : 0;
  return {
    columns,
    driftedShare,
    datasetDrift: tested.length > 0 && driftedShare >= options.driftShare,
    rows: {
      reference: reference.reduce((m, c) => Math.max(m, c.values.length), 0),
      current: current.reduce((m, c) => Math.max(m, c.values.length), 0),
    },
  };
}

function runWorker(job: DriftCompareJob): Promise<ColumnDriftResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: job });
    let settled = false;
    worker.on(
      'message',
      (message: { ok: true; columns: ColumnDriftResult[] } | { ok: false; message: string }) => {
        settled = true;
        if (message.ok) resolve(message.columns);
        else reject(new Error(message.message));
        void worker.terminate();
      },
    );
    worker.on('error', (error: unknown) => {
      settled = true;
      reject(error instanceof Error ? error : new Error(String(error)));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the drift worker stopped with exit code ${code}`));
    });
  });
}

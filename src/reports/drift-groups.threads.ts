import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WardenError, isErrorCode } from '../core/errors.js';
import type { Table } from '../io/index.js';
import type { ColumnChart } from './drift-report.render.js';
import {
  assembleGroupResults,
  buildDriftReportInGroups,
  compareColumnGroup,
  planSpilledComparison,
  type GroupResult,
  type SpilledComparison,
} from './drift-groups.report.js';
import type { DriftReport, DriftRequest } from './drift.report.js';

const WORKER_URL = new URL('./drift-groups.worker.js', import.meta.url);

/**
 * Shared between the threads: [0] the next group to take, [1] set once a group failed,
 * [2] the number of groups.
 */
export type GroupCounter = Int32Array;

/** What the worker (`drift-groups.worker.ts`) is sent. */
export interface GroupWorkerJob {
  readonly comparison: SpilledComparison;
  readonly counter: GroupCounter;
}

/** The next group for this thread, or null when none is left or a group failed. */
export function takeGroup(counter: GroupCounter): number | null {
  if (Atomics.load(counter, 1) !== 0) return null;
  const index = Atomics.add(counter, 0, 1);
  return index < Atomics.load(counter, 2) ? index : null;
}

type WorkerMessage =
  | { type: 'group'; index: number; result: GroupResult }
  | { type: 'error'; index: number; code: string; message: string; field?: string }
  | { type: 'done' };

/**
 * {@link buildDriftReportInGroups} on two threads: the main thread and one worker each take
 * the next group as they finish one (each group costing half the budget, so the two together
 * stay within it). The same report byte for byte; when a group fails, the error is the one
 * of the first failing group, as when the groups run in order. One thread when the machine
 * has one core, when charts are drawn, for a single group, or when the compiled worker is not
 * available.
 */
export async function buildDriftReportOnThreads(
  reference: Table,
  current: Table,
  request: DriftRequest,
  options: { budget: number; charts: boolean },
): Promise<{ report: DriftReport; charts: ColumnChart[]; groups: number }> {
  const sequential = () => buildDriftReportInGroups(reference, current, request, options);
  if (options.charts || availableParallelism() < 2 || !existsSync(fileURLToPath(WORKER_URL)))
    return sequential();
  const comparison = planSpilledComparison(reference, current, request, Math.max(options.budget / 2, 1));
  const total = comparison.groups.length;
  if (total < 2) return sequential();
  const counter: GroupCounter = new Int32Array(new SharedArrayBuffer(3 * 4));
  counter[2] = total;
  const results = new Array<GroupResult | undefined>(total);
  const failures = new Map<number, Error>();
  const worker = new Worker(WORKER_URL, { workerData: { comparison, counter } satisfies GroupWorkerJob });
  const workerDone = new Promise<void>((resolve, reject) => {
    let finished = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'group') results[message.index] = message.result;
      else if (message.type === 'error')
        failures.set(
          message.index,
          new WardenError(
            isErrorCode(message.code) ? message.code : 'internal',
            message.message,
            message.field,
          ),
        );
      else {
        finished = true;
        resolve();
      }
    });
    worker.on('error', (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
    worker.on('exit', (code) => {
      if (!finished) reject(new Error(`the drift worker stopped with exit code ${code}`));
    });
  });
  try {
    for (let index = takeGroup(counter); index !== null; index = takeGroup(counter)) {
      try {
        results[index] = compareColumnGroup(comparison, comparison.groups[index]!, options);
      } catch (error) {
        Atomics.store(counter, 1, 1);
        failures.set(index, error instanceof Error ? error : new Error(String(error)));
      }
    }
    await workerDone;
  } finally {
    void worker.terminate();
  }
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()))!;
  return assembleGroupResults(comparison, results as GroupResult[]);
}

import { parentPort, workerData } from 'node:worker_threads';
import { openRowReader } from '../db/row-reader.js';
import { verifyRange } from './audit-verify.js';

/** Verifies one range of the audit log on its own connection and posts the RangeReport back. */
const job = workerData as {
  store: { dataDir: string; databaseUrl?: string };
  lo: number;
  hi: number;
  anchors: Array<[number, string]>;
};
const store = await openRowReader(job.store);
try {
  parentPort!.postMessage(await verifyRange(store, job));
} finally {
  await store.close();
}

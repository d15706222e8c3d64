import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RowReader } from '../db/row-reader.js';
import {
  ChainVerifier,
  describeProblem,
  GENESIS_HASH,
  verifyHeadSignature,
  type ChainProblem,
  type SignedHead,
} from './audit-chain.js';

export interface VerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  tip: { seq: number; hash: string };
  problem?: ChainProblem;
  message: string;
}

/** What verifying one contiguous range of sequence numbers found. */
export interface RangeReport {
  lo: number;
  hi: number;
  count: number;
  /** The previous-hash link of the range's first entry; the caller checks it against the range before. */
  firstPrevHash: string | null;
  lastHash: string | null;
  problem: ChainProblem | null;
}

const ENTRY_COLUMNS = 'seq, at, actor, action, subject, request_id, change, prev_hash, hash';

/**
 * Verifies entries lo..hi on their own: links inside the range, every hash, anchored hashes, and
 * that no sequence number is missing. Reads rows as arrays in pages; memory stays flat.
 */
export async function verifyRange(
  store: RowReader,
  range: { lo: number; hi: number; anchors: ReadonlyArray<[number, string]>; pageSize?: number },
): Promise<RangeReport> {
  const verifier = new ChainVerifier(range.lo, range.lo === 1 ? GENESIS_HASH : null);
  for (const [seq, hash] of range.anchors)
    if (seq >= range.lo && seq <= range.hi) verifier.expectAt(seq, hash);
  // Pages small enough that each one's rows die young, cheaply, in the young generation.
  const pageSize = range.pageSize ?? 4_000;
  const sql = `select ${ENTRY_COLUMNS} from audit_log where seq > ? and seq <= ? order by seq limit ?`;
  let after = range.lo - 1;
  for (;;) {
    const page = await store.queryArrays(sql, [after, range.hi, pageSize]);
    for (const r of page) {
      const problem = verifier.push({
        seq: Number(r[0]),
        at: r[1] as string,
        actor: r[2] as string,
        action: r[3] as string,
        subject: r[4] as string,
        requestId: r[5] as string | null,
        change: r[6] as string,
        prevHash: r[7] as string,
        hash: r[8] as string,
      });
      if (problem) break;
    }
    if (verifier.problem || page.length < pageSize) break;
    after = Number(page[page.length - 1]![0]);
  }
  let problem = verifier.problem;
  if (!problem && verifier.tip.seq < range.hi) {
    // the range ended early: the next sequence number is missing
    problem = { kind: 'gap', seq: verifier.tip.seq + 2, expectedSeq: verifier.tip.seq + 1 };
  }
  return {
    lo: range.lo,
    hi: range.hi,
    count: verifier.count,
    firstPrevHash: verifier.firstPrevHash,
    lastHash: verifier.tip.hash,
    problem,
  };
}

async function readCheckpoints(store: RowReader): Promise<SignedHead[]> {
  const rows = await store.queryArrays(
    'select seq, hash, at, signature, public_key from audit_checkpoints order by seq',
    [],
  );
  return rows.map((r) => ({
    seq: Number(r[0]),
    hash: r[1] as string,
    at: r[2] as string,
    signature: r[3] as string,
    publicKey: r[4] as string,
  }));
}

const WORKER_URL = new URL('./audit-verify.worker.js', import.meta.url);

/** How to reach the store from a worker thread, for verification split across cores. */
export interface ParallelVerify {
  store: { dataDir: string; databaseUrl?: string | undefined };
  workers: number;
}

function verifyInWorker(job: {
  store: ParallelVerify['store'];
  lo: number;
  hi: number;
  anchors: Array<[number, string]>;
}) {
  return new Promise<RangeReport>((resolve, reject) => {
    // A young generation large enough for a few pages of rows keeps them out of the old one.
    const worker = new Worker(WORKER_URL, {
      workerData: job,
      resourceLimits: { maxYoungGenerationSizeMb: 128 },
    });
    worker.once('message', (report: RangeReport) => resolve(report));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`audit verification worker exited with code ${code}`));
    });
  });
}

/**
 * Recomputes the whole chain: every link, every hash, every signed checkpoint's signature and hash,
 * and (when given) an externally kept head the log must still reach. With `parallel`, long logs
 * are split into ranges verified on worker threads; the links between ranges are checked here.
 */
export async function verifyAuditChain(
  store: RowReader,
  options: {
    expectHead?: SignedHead;
    trustedPublicKeys?: string[];
    pageSize?: number;
    parallel?: ParallelVerify;
  } = {},
): Promise<VerifyReport> {
  const checkpoints = await readCheckpoints(store);
  const heads = options.expectHead ? [...checkpoints, options.expectHead] : checkpoints;
  const trusted = options.trustedPublicKeys?.map((k) => k.trim());
  const anchors: Array<[number, string]> = [];
  const fail = (
    problem: ChainProblem,
    entries: number,
    tip: { seq: number; hash: string },
    note = '',
  ): VerifyReport => ({
    ok: false,
    entries,
    checkpoints: checkpoints.length,
    tip,
    problem,
    message: describeProblem(problem) + note,
  });
  for (const head of heads) {
    const untrusted = trusted !== undefined && trusted.length > 0 && !trusted.includes(head.publicKey.trim());
    if (untrusted || !verifyHeadSignature(head)) {
      return fail(
        { kind: 'checkpoint_signature_invalid', seq: head.seq },
        0,
        { seq: 0, hash: GENESIS_HASH },
        untrusted ? ' (signed by a key this server does not trust)' : '',
      );
    }
    anchors.push([head.seq, head.hash]);
  }

  const [{ max } = { max: null }] = (await store.queryArrays('select max(seq) from audit_log', [])).map(
    (r) => ({
      max: r[0] === null ? null : Number(r[0]),
    }),
  );
  const last = max ?? 0;
  // Ranges run on worker threads when the compiled worker exists and the log is long enough to
  // repay starting them; otherwise the same ranges are verified here, one after another.
  const ranges = Math.max(1, Math.min(options.parallel?.workers ?? 1, last));
  const useWorkers = ranges > 1 && last >= 200_000 && existsSync(fileURLToPath(WORKER_URL));
  const bounds: Array<[number, number]> = [];
  const size = Math.ceil(last / ranges);
  for (let lo = 1; lo <= last; lo += size) bounds.push([lo, Math.min(last, lo + size - 1)]);
  const reports: RangeReport[] = [];
  if (useWorkers) {
    reports.push(
      ...(await Promise.all(
        bounds.map(([lo, hi]) => verifyInWorker({ store: options.parallel!.store, lo, hi, anchors })),
      )),
    );
  } else {
    for (const [lo, hi] of bounds) {
      reports.push(
        await verifyRange(store, {
          lo,
          hi,
          anchors,
          ...(options.pageSize ? { pageSize: options.pageSize } : {}),
        }),
      );
    }
  }

  let entries = 0;
  let tip = { seq: 0, hash: GENESIS_HASH };
  for (const report of reports) {
    if (report.lo > 1 && report.firstPrevHash !== null && report.firstPrevHash !== tip.hash) {
      return fail({ kind: 'prev_hash_mismatch', seq: report.lo }, entries, tip);
    }
    if (report.problem) return fail(report.problem, entries + report.count, tip);
    entries += report.count;
    tip = { seq: report.hi, hash: report.lastHash ?? tip.hash };
  }
  const highest = Math.max(0, ...anchors.map(([seq]) => seq));
  if (highest > tip.seq)
    return fail({ kind: 'truncated', lastSeq: tip.seq, expectedAtLeast: highest }, entries, tip);
  return {
    ok: true,
    entries,
    checkpoints: checkpoints.length,
    tip,
    message: `audit chain intact: ${entries} ${entries === 1 ? 'entry' : 'entries'}, ${checkpoints.length} signed ${checkpoints.length === 1 ? 'checkpoint' : 'checkpoints'}`,
  };
}

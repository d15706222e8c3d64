import { createPublicKey, verify as verifySignature } from 'node:crypto';
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
  entryLeafHash,
} from './audit-chain.js';
import { checkpointSigner, parseCheckpoint, type ParsedCheckpoint } from './audit-checkpoint.js';
import { MerkleAccumulator } from './audit-merkle.js';
import { readEntries } from './audit-tree.js';
import { KEY_ROTATION_ACTION, type KeyRotation } from './audit.repository.js';

export interface VerifyReport {
  ok: boolean;
  /** True when every checkpoint was signed by a trusted key (or one a trusted key rotated to). */
  authenticated?: boolean;
  /** Highest tree size a trusted signature covers. */
  authenticatedUpTo?: number;
  witnessed?: number;
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
    /** Checkpoints a witness kept (`warden audit verify --witness DIR`). */
    witnessed?: ReadonlyArray<ParsedCheckpoint & { file: string }>;
  } = {},
): Promise<VerifyReport> {
  let trustedPublicKeys = options.trustedPublicKeys;
  if (trustedPublicKeys && trustedPublicKeys.length > 0) {
    // Chain checkpoints may also be signed by keys a trusted key rotated to.
    const keys = trustedPublicKeys.map((k) => k.trim());
    for (const r of await readRotations(store))
      if (keys.includes(r.previousKey.trim()) && verifyRotation(r)) keys.push(r.newKey.trim());
    trustedPublicKeys = keys;
  }
  const report = await verifyChain(store, {
    ...options,
    ...(trustedPublicKeys ? { trustedPublicKeys } : {}),
  });
  if (!report.ok) return report;
  return verifyTreeHeads(store, report, options);
}

/** Key rotations recorded in the log, each signed by the key it retires. */
async function readRotations(store: RowReader): Promise<KeyRotation[]> {
  const rows = await store.queryArrays('select seq, change from audit_log where action = ? order by seq', [
    KEY_ROTATION_ACTION,
  ]);
  return rows.map((r) => ({
    seq: Number(r[0]),
    ...(JSON.parse(r[1] as string) as Omit<KeyRotation, 'seq'>),
  }));
}

/**
 * After the chain: the `audit_head` row must equal the tip; every tree head's note must be signed
 * by a key trusted at its size and its root must be the root of the entries; witnessed checkpoints
 * must be trees the log still contains.
 */
async function verifyTreeHeads(
  store: RowReader,
  chain: VerifyReport,
  options: { trustedPublicKeys?: string[]; witnessed?: ReadonlyArray<ParsedCheckpoint & { file: string }> },
): Promise<VerifyReport> {
  const fail = (message: string): VerifyReport => ({ ...chain, ok: false, message });
  const [headRow] = await store.queryArrays('select seq, hash from audit_head where id = 1', []);
  if (
    headRow &&
    (Number(headRow[0]) !== chain.tip.seq || (chain.tip.seq > 0 && headRow[1] !== chain.tip.hash))
  )
    return fail(
      `the audit_head row (entry ${Number(headRow[0])}) disagrees with the log, which ends at entry ${chain.tip.seq}`,
    );
  const heads = (
    await store.queryArrays(
      'select seq, root_hash, note from audit_checkpoints where note is not null order by seq',
      [],
    )
  ).map((r) => ({ seq: Number(r[0]), rootHash: r[1] as string, note: r[2] as string }));
  const rotations = await readRotations(store);
  const trusted = options.trustedPublicKeys?.map((k) => k.trim()) ?? [];
  // Keys in force at each size: the trusted keys, then each key a trusted key rotated to.
  const keysAt = (size: number): string[] => {
    const keys = [...trusted];
    for (const r of rotations) {
      if (r.seq > size) break;
      if (!keys.includes(r.previousKey.trim())) continue;
      const ok = verifyRotation(r);
      if (!ok) continue;
      keys.splice(keys.indexOf(r.previousKey.trim()), 1);
      keys.push(r.newKey.trim());
    }
    return keys;
  };
  const roots = new Map<number, string>();
  for (const h of heads) roots.set(h.seq, '');
  for (const w of options.witnessed ?? []) roots.set(w.size, '');
  const highestWitnessed = Math.max(0, ...(options.witnessed ?? []).map((w) => w.size));
  if (highestWitnessed > chain.tip.seq)
    return fail(
      `log ends at entry ${chain.tip.seq} but the witness holds a checkpoint of ${highestWitnessed} entries (the log was cut short)`,
    );
  if (roots.size > 0) {
    const acc = new MerkleAccumulator();
    const wanted = [...roots.keys()].sort((a, b) => a - b);
    let next = 0;
    if (wanted[0] === 0) roots.set(0, acc.root().toString('hex'));
    for await (const e of readEntries(store, 0, wanted[wanted.length - 1]!)) {
      acc.push(entryLeafHash(e));
      while (next < wanted.length && wanted[next]! <= acc.size) {
        if (wanted[next] === acc.size) roots.set(acc.size, acc.root().toString('hex'));
        next++;
      }
    }
  }
  let authenticatedUpTo = 0;
  for (const h of heads) {
    let parsed: ParsedCheckpoint;
    try {
      parsed = parseCheckpoint(h.note);
    } catch (error) {
      return fail(`checkpoint ${h.seq}: ${(error as Error).message}`);
    }
    if (
      parsed.size !== h.seq ||
      parsed.rootHash.toString('hex') !== roots.get(h.seq) ||
      h.rootHash !== roots.get(h.seq)
    )
      return fail(`checkpoint ${h.seq}: its Merkle root is not the root of the first ${h.seq} entries`);
    if (trusted.length > 0) {
      if (!checkpointSigner(parsed, keysAt(h.seq)))
        return fail(`checkpoint ${h.seq}: not signed by a trusted key (re-signed with another key?)`);
      authenticatedUpTo = h.seq;
    }
  }
  for (const w of options.witnessed ?? []) {
    const keys = trusted.length > 0 ? keysAt(w.size) : undefined;
    if (keys && !checkpointSigner(w, keys)) return fail(`${w.file}: not signed by a trusted key`);
    if (w.rootHash.toString('hex') !== roots.get(w.size))
      return fail(
        `${w.file}: the witness saw a different tree of ${w.size} entries than the log holds now (the log was rewritten)`,
      );
  }
  const authenticated = trusted.length > 0 && heads.length > 0;
  if (trusted.length > 0 && heads.length === 0 && chain.entries > 0)
    return fail('no signed tree head in the store to authenticate the log against the trusted key');
  const witnessed = options.witnessed?.length ?? 0;
  return {
    ...chain,
    authenticated,
    authenticatedUpTo,
    witnessed,
    message:
      chain.message +
      (witnessed > 0
        ? `; ${witnessed} witnessed ${witnessed === 1 ? 'checkpoint' : 'checkpoints'} match`
        : '') +
      (authenticated
        ? `; signed by a trusted key up to entry ${authenticatedUpTo}`
        : '; authenticity not established (no trusted key)'),
  };
}

/** The statement a key rotation entry signs with the retiring key. */
export function rotationStatement(previousKey: string, newKey: string): Buffer {
  return Buffer.from(`warden-audit-key-rotation\n${previousKey.trim()}\n${newKey.trim()}\n`);
}

function verifyRotation(r: KeyRotation): boolean {
  try {
    return verifySignature(
      null,
      rotationStatement(r.previousKey, r.newKey),
      createPublicKey(r.previousKey),
      Buffer.from(r.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

async function verifyChain(
  store: RowReader,
  options: {
    expectHead?: SignedHead;
    trustedPublicKeys?: string[];
    pageSize?: number;
    parallel?: ParallelVerify;
  },
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

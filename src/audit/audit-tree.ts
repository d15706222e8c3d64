import type { Executor } from '../db/database.js';
import type { RowReader } from '../db/row-reader.js';
import { entryLeafHash, type AuditEntry } from './audit-chain.js';
import {
  completeSubtrees,
  consistencyRanges,
  hashChildren,
  inclusionRanges,
  rootOfHashes,
  type Hash,
  type Range,
} from './audit-merkle.js';

/**
 * The Merkle tree over the stored audit log. Leaf i is entry seq i + 1. Hashes of complete,
 * aligned subtrees of 2^NODE_LEVEL leaves and more are kept in `audit_merkle_nodes`, so a root or
 * a proof over a log of n entries reads O(log n) node rows plus at most 2^NODE_LEVEL entries,
 * instead of rehashing the log. Nodes are derived data: verification never trusts them.
 */
export const NODE_LEVEL = 8;
export const BLOCK = 2 ** NODE_LEVEL;

const ENTRY_COLUMNS = 'seq, at, actor, action, subject, request_id, change, prev_hash, hash';

export function rowToEntry(r: unknown[]): AuditEntry {
  return {
    seq: Number(r[0]),
    at: r[1] as string,
    actor: r[2] as string,
    action: r[3] as string,
    subject: r[4] as string,
    requestId: r[5] as string | null,
    change: r[6] as string,
    prevHash: r[7] as string,
    hash: r[8] as string,
  };
}

/** Reads the entries of leaves [from, to) in order (entry seq from+1 … to), in pages. */
export async function* readEntries(reader: RowReader, from: number, to: number, pageSize = 4_000) {
  let after = from;
  while (after < to) {
    const rows = await reader.queryArrays(
      `select ${ENTRY_COLUMNS} from audit_log where seq > ? and seq <= ? order by seq limit ?`,
      [after, to, pageSize],
    );
    if (rows.length === 0) break;
    for (const r of rows) yield rowToEntry(r);
    after = Number(rows[rows.length - 1]![0]);
  }
}

async function leafHashes(reader: RowReader, from: number, to: number): Promise<Hash[]> {
  const out: Hash[] = [];
  for await (const e of readEntries(reader, from, to)) {
    if (e.seq !== from + out.length + 1) throw new Error(`audit entry ${from + out.length + 1} is missing`);
    out.push(entryLeafHash(e));
  }
  if (out.length !== to - from) throw new Error(`the audit log holds fewer than ${to} entries`);
  return out;
}

/** Reads subtree hashes of one tree; nodes it reads or computes are cached for the call's life. */
export class MerkleTreeReader {
  private readonly nodes = new Map<string, Hash>();

  constructor(private readonly reader: RowReader) {}

  private async node(level: number, idx: number): Promise<Hash> {
    const key = `${level}:${idx}`;
    const cached = this.nodes.get(key);
    if (cached) return cached;
    let hash: Hash;
    if (level < NODE_LEVEL) {
      hash = rootOfHashes(await leafHashes(this.reader, idx * 2 ** level, (idx + 1) * 2 ** level));
    } else {
      const rows = await this.reader.queryArrays(
        'select hash from audit_merkle_nodes where level = ? and idx = ?',
        [level, idx],
      );
      if (rows.length > 0) {
        hash = Buffer.from(rows[0]![0] as string, 'hex');
      } else {
        // Not stored (not built yet, or an offline reader): compute from the level below.
        hash = hashChildren(await this.node(level - 1, idx * 2), await this.node(level - 1, idx * 2 + 1));
      }
    }
    this.nodes.set(key, hash);
    return hash;
  }

  /** MTH of leaves [start, end), from stored nodes where they exist. */
  async subtreeHash(range: Range): Promise<Hash> {
    const parts = completeSubtrees(range);
    const hashes: Hash[] = [];
    for (const [lo, hi] of parts) {
      const level = Math.log2(hi - lo);
      hashes.push(await this.node(level, lo / (hi - lo)));
    }
    // The parts are the left-to-right decomposition of an RFC subtree: fold from the right.
    let hash = hashes[hashes.length - 1]!;
    for (let i = hashes.length - 2; i >= 0; i--) hash = hashChildren(hashes[i]!, hash);
    return hash;
  }

  root(size: number): Promise<Hash> {
    return size === 0 ? Promise.resolve(rootOfHashes([])) : this.subtreeHash([0, size]);
  }

  async inclusionProof(index: number, size: number): Promise<Hash[]> {
    const out: Hash[] = [];
    for (const r of inclusionRanges(index, size)) out.push(await this.subtreeHash(r));
    return out;
  }

  async consistencyProof(from: number, to: number): Promise<Hash[]> {
    const out: Hash[] = [];
    for (const r of consistencyRanges(from, to)) out.push(await this.subtreeHash(r));
    return out;
  }
}

/**
 * Stores the hashes of every complete 2^NODE_LEVEL-leaf block (and the complete subtrees above
 * them) among the first `size` leaves that are not stored yet. Idempotent; two servers doing it at
 * once write the same rows. Returns how many nodes it added.
 */
export async function buildMerkleNodes(reader: RowReader, db: Executor, size: number): Promise<number> {
  const blocks = Math.floor(size / BLOCK);
  const [row] = await reader.queryArrays('select max(idx) from audit_merkle_nodes where level = ?', [
    NODE_LEVEL,
  ]);
  const first = row?.[0] === null || row?.[0] === undefined ? 0 : Number(row[0]) + 1;
  if (first >= blocks) return 0;
  const tree = new MerkleTreeReader(reader);
  const added: Array<{ level: number; idx: number; hash: string }> = [];
  const fresh = new Map<string, Hash>();
  const nodeAt = async (level: number, idx: number) =>
    fresh.get(`${level}:${idx}`) ?? (await tree.subtreeHash([idx * 2 ** level, (idx + 1) * 2 ** level]));
  const flush = async () => {
    if (added.length === 0) return;
    await db
      .insertInto('audit_merkle_nodes')
      .values(added.splice(0))
      .onConflict((oc) => oc.columns(['level', 'idx']).doNothing())
      .execute();
  };
  let count = 0;
  let leaves: Hash[] = [];
  let block = first;
  for await (const e of readEntries(reader, first * BLOCK, blocks * BLOCK)) {
    if (e.seq !== block * BLOCK + leaves.length + 1) throw new Error(`audit entry ${e.seq - 1} is missing`);
    leaves.push(entryLeafHash(e));
    if (leaves.length < BLOCK) continue;
    let hash = rootOfHashes(leaves);
    leaves = [];
    let level = NODE_LEVEL;
    let idx = block;
    for (;;) {
      fresh.set(`${level}:${idx}`, hash);
      added.push({ level, idx, hash: hash.toString('hex') });
      count++;
      if (idx % 2 === 0) break; // a left child: its parent is not complete yet
      hash = hashChildren(await nodeAt(level, idx - 1), hash);
      level++;
      idx = (idx - 1) / 2;
    }
    block++;
    if (added.length >= 500) await flush();
  }
  await flush();
  if (block < blocks) throw new Error(`the audit log holds fewer than ${blocks * BLOCK} entries`);
  return count;
}

import { createHash } from 'node:crypto';

/** An audit entry as a pack holds it (the stored row, `change` as canonical JSON text). */
export interface PackedAuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  requestId: string | null;
  change: string;
  prevHash: string;
  hash: string;
}

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** RFC 6962 leaf hash of an audit entry: SHA-256(0x00 ‖ canonical JSON of the whole stored entry). */
export function auditLeafHash(e: PackedAuditEntry): Buffer {
  // Keys in code-point order; `change` is canonical JSON already and is spliced in as stored.
  const q = JSON.stringify;
  const bytes =
    `{"action":${q(e.action)},"actor":${q(e.actor)},"at":${q(e.at)},"change":${e.change},"hash":${q(e.hash)},` +
    `"prevHash":${q(e.prevHash)},"requestId":${e.requestId === null ? 'null' : q(e.requestId)},"seq":${e.seq},"subject":${q(e.subject)}}`;
  return sha256(LEAF, Buffer.from(bytes, 'utf8'));
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE, left, right);
}

/** Largest power of two below n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * An RFC 6962 tree over leaf hashes, with every complete aligned subtree hashed once, so the
 * root and any audit path cost O(log² n) lookups instead of rehashing the leaves.
 */
export class MerkleTree {
  private readonly levels: Buffer[][];

  constructor(leaves: Buffer[]) {
    this.levels = [leaves];
    for (let level = leaves; level.length > 1;) {
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i]!, level[i + 1]!));
      this.levels.push(next);
      level = next;
    }
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  /** Hash of leaves [start, end). */
  subtree(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 0) return sha256();
    const height = Math.log2(n);
    if (Number.isInteger(height) && start % n === 0) return this.levels[height]![start / n]!;
    const k = split(n);
    return hashChildren(this.subtree(start, start + k), this.subtree(start + k, end));
  }

  root(): Buffer {
    return this.subtree(0, this.size);
  }

  /** The audit path of leaf `index` (RFC 6962 §2.1.1), from the leaf up. */
  inclusionPath(index: number, start = 0, end = this.size): Buffer[] {
    const n = end - start;
    if (n <= 1) return [];
    const k = split(n);
    return index < k
      ? [...this.inclusionPath(index, start, start + k), this.subtree(start + k, end)]
      : [...this.inclusionPath(index - k, start + k, end), this.subtree(start, start + k)];
  }
}

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or null when the proof is malformed. */
export function rootFromInclusion(
  index: number,
  size: number,
  leaf: Buffer,
  path: readonly Buffer[],
): Buffer | null {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else r = hashChildren(r, p);
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : null;
}

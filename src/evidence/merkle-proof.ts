import { entryLeafHash } from '../audit/audit-chain.js';
import { EMPTY_ROOT, hashChildren, rootFromInclusionProof, splitPoint } from '../audit/audit-merkle.js';

/**
 * An audit entry as a pack holds it (the stored row, `change` as canonical JSON text). The hashing
 * and proofs are the audit log's own (`src/audit`); only the tree with every complete subtree
 * kept (so thousands of paths cost no rehashing) is the pack's.
 */
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

/** RFC 6962 leaf hash of an audit entry: SHA-256(0x00 ‖ canonical JSON of the whole stored entry). */
export const auditLeafHash: (e: PackedAuditEntry) => Buffer = entryLeafHash;

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
    if (n === 0) return EMPTY_ROOT;
    const height = Math.log2(n);
    if (Number.isInteger(height) && start % n === 0) return this.levels[height]![start / n]!;
    const k = splitPoint(n);
    return hashChildren(this.subtree(start, start + k), this.subtree(start + k, end));
  }

  root(): Buffer {
    return this.subtree(0, this.size);
  }

  /** The audit path of leaf `index` (RFC 6962 §2.1.1), from the leaf up. */
  inclusionPath(index: number, start = 0, end = this.size): Buffer[] {
    const n = end - start;
    if (n <= 1) return [];
    const k = splitPoint(n);
    return index < k
      ? [...this.inclusionPath(index, start, start + k), this.subtree(start + k, end)]
      : [...this.inclusionPath(index - k, start + k, end), this.subtree(start, start + k)];
  }
}

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or null when the proof is malformed. */
export const rootFromInclusion = rootFromInclusionProof;

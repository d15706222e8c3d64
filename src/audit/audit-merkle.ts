import { createHash } from 'node:crypto';

/**
 * The Merkle tree over the audit log, as RFC 6962 / RFC 9162 define it: SHA-256, a leaf is hashed
 * as `SHA-256(0x00 ‖ data)` and an inner node as `SHA-256(0x01 ‖ left ‖ right)`; a tree of n > 1
 * leaves splits at the largest power of two below n. Pure: no I/O.
 *
 * Proofs are described first as lists of subtree ranges `[start, end)` (which subtree hashes a
 * proof holds, in order); a caller turns them into hashes from whatever holds the tree (leaves in
 * memory, or the stored node table for a long log). Every range is a node of the RFC tree: `start`
 * is a multiple of the largest power of two not above `end - start`.
 */

export type Hash = Buffer;
/** A subtree `[start, end)` of the leaves. */
export type Range = readonly [start: number, end: number];

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

/** MTH of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ data). */
export function hashLeaf(data: Uint8Array | string): Hash {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** RFC 6962 inner node hash: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Hash {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return n > 0 && k === n;
}

/**
 * MTH over a list of subtree hashes taken as the tree's bottom row: with leaf hashes it is the
 * tree's root. It also accepts a row of complete 2^k-leaf subtree hashes followed by one partial
 * subtree (of fewer than 2^k leaves), which yields the same root as hashing all the leaves.
 */
export function rootOfHashes(hashes: readonly Hash[], start = 0, end = hashes.length): Hash {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return hashes[start]!;
  const k = splitPoint(n);
  return hashChildren(rootOfHashes(hashes, start, start + k), rootOfHashes(hashes, start + k, end));
}

/** The subtrees whose hashes make the inclusion proof of leaf `index` in a tree of `size` (RFC 6962 PATH). */
export function inclusionRanges(index: number, size: number): Range[] {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size)
    throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const out: Range[] = [];
  let lo = 0;
  let hi = size;
  // Walk down from the root, then reverse: the proof lists siblings from the leaf upwards.
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      lo += k;
    }
  }
  return out.reverse();
}

/** The subtrees whose hashes make the consistency proof from `from` to `to` leaves (RFC 6962 PROOF). */
export function consistencyRanges(from: number, to: number): Range[] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || from > to)
    throw new RangeError(`no consistency proof from ${from} to ${to}`);
  if (from === 0 || from === to) return [];
  const out: Range[] = [];
  let lo = 0;
  let hi = to;
  let m = from;
  let whole = true;
  for (;;) {
    const n = hi - lo;
    if (m === n) {
      if (!whole) out.push([lo, hi]);
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      lo += k;
      m -= k;
      whole = false;
    }
  }
  return out.reverse();
}

/** Splits a range into complete, aligned power-of-two subtrees, left to right. */
export function completeSubtrees(range: Range): Range[] {
  const out: Range[] = [];
  const hi = range[1];
  let lo = range[0];
  while (hi > lo) {
    const n = hi - lo;
    const size = isPowerOfTwo(n) ? n : splitPoint(n);
    out.push([lo, lo + size]);
    lo += size;
  }
  return out;
}

function lsb(n: number): boolean {
  return n % 2 === 1;
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or null when the proof's length does
 * not fit the leaf's position in a tree of that size.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Hash,
  proof: readonly Hash[],
): Hash | null {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null;
    if (lsb(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!lsb(fn)) {
        do {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        } while (!lsb(fn) && fn !== 0);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** True when `proof` shows leaf `index` with `leafHash` is in the tree of `size` whose root is `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Hash,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  return computed !== null && sameHash(computed, root);
}

/**
 * True when `proof` shows the tree of `from` leaves with root `fromRoot` is a prefix of the tree of
 * `to` leaves with root `toRoot` (RFC 9162 §2.1.4.2).
 */
export function verifyConsistency(
  from: number,
  to: number,
  fromRoot: Hash,
  toRoot: Hash,
  proof: readonly Hash[],
): boolean {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || from > to) return false;
  if (from === to) return proof.length === 0 && sameHash(fromRoot, toRoot);
  // Every tree extends the empty one, which has nothing to prove.
  if (from === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (lsb(fn)) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!lsb(fn)) {
        do {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        } while (!lsb(fn) && fn !== 0);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sameHash(fr, fromRoot) && sameHash(sr, toRoot) && sn === 0;
}

/** Root, inclusion and consistency proofs over leaf hashes held in memory (short logs, tests, verifiers). */
export function subtreeHashOf(leafHashes: readonly Hash[], range: Range): Hash {
  return rootOfHashes(leafHashes, range[0], range[1]);
}

export function inclusionProofOf(
  leafHashes: readonly Hash[],
  index: number,
  size = leafHashes.length,
): Hash[] {
  return inclusionRanges(index, size).map((r) => subtreeHashOf(leafHashes, r));
}

export function consistencyProofOf(
  leafHashes: readonly Hash[],
  from: number,
  to = leafHashes.length,
): Hash[] {
  return consistencyRanges(from, to).map((r) => subtreeHashOf(leafHashes, r));
}

/**
 * Roots of a growing tree without keeping its leaves: push leaf hashes in order, read `root()` at
 * any size. Keeps one hash per set bit of the size (the "frontier" of complete subtrees).
 */
export class MerkleAccumulator {
  private readonly stack: Array<{ size: number; hash: Hash }> = [];
  size = 0;

  push(leafHash: Hash): void {
    let node = { size: 1, hash: leafHash };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === node.size) {
      const left = this.stack.pop()!;
      node = { size: node.size * 2, hash: hashChildren(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.size++;
  }

  root(): Hash {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let hash = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = hashChildren(this.stack[i]!.hash, hash);
    return hash;
  }
}

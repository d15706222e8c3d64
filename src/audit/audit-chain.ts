import { createPublicKey, hash, verify as verifySignature } from 'node:crypto';
import { hashLeaf, type Hash } from './audit-merkle.js';

/** The hash that precedes the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit entry as stored; `change` is canonical JSON text and is hashed exactly as stored. */
export interface AuditEntry {
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

export interface SignedHead {
  seq: number;
  hash: string;
  at: string;
  /** Ed25519 signature (base64) over {@link headMessage}. */
  signature: string;
  /** The signer's public key, SPKI PEM. */
  publicKey: string;
}

/**
 * The bytes an entry's hash covers: the previous hash, a newline, then the canonical JSON of the
 * entry's fields (keys in code-point order). `change` is already canonical JSON, so it is spliced
 * in as is; the result equals canonicalJson({action, actor, at, change, requestId, seq, subject}).
 */
export function entryPreimage(e: Omit<AuditEntry, 'hash'>): string {
  return (
    `${e.prevHash}\n{"action":${quote(e.action)},"actor":${quote(e.actor)},` +
    `"at":${quote(e.at)},"change":${e.change},"requestId":${e.requestId === null ? 'null' : quote(e.requestId)},` +
    `"seq":${e.seq},"subject":${quote(e.subject)}}`
  );
}

/**
 * {@link entryPreimage} without the entry's chain position: the preimage is
 * `prevHash + beforeSeq + seq + afterSeq`, so the store can link an entry to the head it has just
 * locked in the same statement. (Kept apart from entryPreimage, which verification calls per entry.)
 */
export function entryPreimageAroundSeq(e: Omit<AuditEntry, 'hash' | 'seq' | 'prevHash'>): {
  beforeSeq: string;
  afterSeq: string;
} {
  return {
    beforeSeq:
      `\n{"action":${quote(e.action)},"actor":${quote(e.actor)},"at":${quote(e.at)},"change":${e.change},` +
      `"requestId":${e.requestId === null ? 'null' : quote(e.requestId)},"seq":`,
    afterSeq: `,"subject":${quote(e.subject)}}`,
  };
}

/** Characters JSON.stringify escapes in a string: quote, backslash, controls, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify of a string, without its cost for the common string that needs no escapes
 * (verification builds five of these per entry). Any string with a surrogate takes the full path,
 * so paired surrogates stay as they are and lone ones are escaped exactly as JSON.stringify does.
 */
function quote(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/**
 * An entry's canonical bytes, the data of its Merkle leaf: the canonical JSON of the whole stored
 * entry, `canonicalJson({action, actor, at, change, hash, prevHash, requestId, seq, subject})`
 * with `change` spliced in as stored.
 */
export function entryCanonicalBytes(e: AuditEntry): string {
  return (
    `{"action":${quote(e.action)},"actor":${quote(e.actor)},"at":${quote(e.at)},"change":${e.change},` +
    `"hash":${quote(e.hash)},"prevHash":${quote(e.prevHash)},` +
    `"requestId":${e.requestId === null ? 'null' : quote(e.requestId)},"seq":${e.seq},"subject":${quote(e.subject)}}`
  );
}

/** RFC 6962 leaf hash of an entry: SHA-256(0x00 ‖ canonical bytes). */
export function entryLeafHash(e: AuditEntry): Hash {
  return hashLeaf(entryCanonicalBytes(e));
}

export function hashEntry(e: Omit<AuditEntry, 'hash'>): string {
  // One-shot hashing: verification of a long log spends most of its time here.
  return hash('sha256', entryPreimage(e), 'hex');
}

/** What a checkpoint signs: a fixed prefix, the sequence number and the hash at that point. */
export function headMessage(seq: number, hash: string): Buffer {
  return Buffer.from(`warden-audit-head\n${seq}\n${hash}`);
}

export function verifyHeadSignature(
  head: Pick<SignedHead, 'seq' | 'hash' | 'signature' | 'publicKey'>,
): boolean {
  try {
    const key = createPublicKey(head.publicKey);
    return verifySignature(
      null,
      headMessage(head.seq, head.hash),
      key,
      Buffer.from(head.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

export type ChainProblem =
  | { kind: 'gap'; seq: number; expectedSeq: number }
  | { kind: 'prev_hash_mismatch'; seq: number }
  | { kind: 'hash_mismatch'; seq: number }
  | { kind: 'checkpoint_mismatch'; seq: number }
  | { kind: 'checkpoint_signature_invalid'; seq: number }
  | { kind: 'truncated'; lastSeq: number; expectedAtLeast: number };

/**
 * Verifies entries fed in sequence order. Keeps only the running tip, so memory does not grow
 * with the log. `push` returns the first problem found, after which the verifier stops accepting.
 */
export class ChainVerifier {
  private expectedSeq: number;
  private prevHash: string | null;
  private readonly anchors = new Map<number, string>();
  problem: ChainProblem | null = null;
  count = 0;
  /** The previous-hash link of the first entry seen (checked against the preceding range by the caller). */
  firstPrevHash: string | null = null;

  /**
   * Verifies from `startSeq`. The first entry must link to `prevHash`; pass null when verifying a
   * later range on its own, and check `firstPrevHash` against the previous range's tip instead.
   */
  constructor(startSeq = 1, prevHash: string | null = GENESIS_HASH) {
    this.expectedSeq = startSeq;
    this.prevHash = prevHash;
  }

  /** Hashes the chain must have at given sequence numbers (from signed checkpoints or an external head). */
  expectAt(seq: number, hash: string): void {
    this.anchors.set(seq, hash);
  }

  push(e: AuditEntry): ChainProblem | null {
    if (this.problem) return this.problem;
    if (this.count === 0) this.firstPrevHash = e.prevHash;
    if (e.seq !== this.expectedSeq) {
      this.problem = { kind: 'gap', seq: e.seq, expectedSeq: this.expectedSeq };
    } else if (this.prevHash !== null && e.prevHash !== this.prevHash) {
      this.problem = { kind: 'prev_hash_mismatch', seq: e.seq };
    } else if (hashEntry(e) !== e.hash) {
      this.problem = { kind: 'hash_mismatch', seq: e.seq };
    } else {
      const anchor = this.anchors.get(e.seq);
      if (anchor !== undefined && anchor !== e.hash)
        this.problem = { kind: 'checkpoint_mismatch', seq: e.seq };
    }
    if (this.problem) return this.problem;
    this.prevHash = e.hash;
    this.expectedSeq++;
    this.count++;
    return null;
  }

  /** Call after the last entry: the log must reach every anchored sequence number. */
  finish(): ChainProblem | null {
    if (this.problem) return this.problem;
    const highest = Math.max(0, ...this.anchors.keys());
    if (highest > this.expectedSeq - 1) {
      this.problem = { kind: 'truncated', lastSeq: this.expectedSeq - 1, expectedAtLeast: highest };
    }
    return this.problem;
  }

  /** The last entry accepted (its sequence number and hash); the starting point before any. */
  get tip(): { seq: number; hash: string | null } {
    return { seq: this.expectedSeq - 1, hash: this.prevHash };
  }
}

export function describeProblem(p: ChainProblem): string {
  switch (p.kind) {
    case 'gap':
      return `entry ${p.expectedSeq} is missing or out of order (found ${p.seq} where ${p.expectedSeq} was expected)`;
    case 'prev_hash_mismatch':
      return `entry ${p.seq}: previous-hash link does not match entry ${p.seq - 1} (an entry was inserted, removed or altered)`;
    case 'hash_mismatch':
      return `entry ${p.seq}: content does not match its hash (the entry was altered)`;
    case 'checkpoint_mismatch':
      return `entry ${p.seq}: hash differs from the signed checkpoint at ${p.seq}`;
    case 'checkpoint_signature_invalid':
      return `checkpoint ${p.seq}: signature does not verify`;
    case 'truncated':
      return `log ends at entry ${p.lastSeq} but a signed head covers entry ${p.expectedAtLeast} (the log was cut short)`;
  }
}

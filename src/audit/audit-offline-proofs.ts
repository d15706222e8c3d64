import { canonicalJson } from '../core/canonical-json.js';
import { entryLeafHash, type AuditEntry } from './audit-chain.js';
import { checkpointSigner, parseCheckpoint, type ParsedCheckpoint } from './audit-checkpoint.js';
import { rootFromInclusionProof, verifyConsistency } from './audit-merkle.js';

/** An inclusion proof as `GET /api/v1/audit/entries/{seq}/proof` answers it. */
export interface InclusionProof {
  treeSize: number;
  leafIndex: number;
  leafHash: string;
  hashes: string[];
}

/** A consistency proof as `GET /api/v1/audit/consistency` answers it. */
export interface ConsistencyProof {
  from: number;
  to: number;
  hashes: string[];
}

/** The outcome of an offline proof check: what was shown, or the first thing that failed. */
export interface ProofReport {
  ok: boolean;
  message: string;
  /** True when the checkpoints were signed by a trusted key; false when no key was given. */
  authenticated: boolean;
}

const HEX32 = /^[0-9a-f]{64}$/;

function hashesOf(list: unknown, what: string): Buffer[] {
  if (!Array.isArray(list) || list.some((h) => typeof h !== 'string' || !HEX32.test(h)))
    throw new Error(`${what}: hashes must be an array of 64-digit lowercase hex SHA-256 values`);
  return (list as string[]).map((h) => Buffer.from(h, 'hex'));
}

/**
 * Reads a checkpoint as saved from the API: the signed note itself (`Accept: text/plain`) or the
 * JSON answer holding it in `note`. Throws saying what is malformed.
 */
export function readCheckpointText(text: string): ParsedCheckpoint {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    const json = JSON.parse(trimmed) as { note?: unknown };
    if (typeof json.note !== 'string')
      throw new Error('the JSON has no "note" holding the signed checkpoint');
    return parseCheckpoint(json.note);
  }
  return parseCheckpoint(text);
}

/**
 * The RFC 6962 leaf hash of an entry as `GET /api/v1/audit/entries/{seq}` answers it (its change
 * parsed): the change is put back in canonical form, the bytes the log hashed.
 */
export function leafHashOfEntryJson(entry: Record<string, unknown>): Buffer {
  const e = { ...entry, change: canonicalJson(entry.change ?? null) } as unknown as AuditEntry;
  for (const k of ['seq', 'at', 'actor', 'action', 'subject', 'prevHash', 'hash'] as const)
    if (e[k] === undefined) throw new Error(`the entry has no "${k}"`);
  return entryLeafHash(e);
}

function signedBy(cp: ParsedCheckpoint, keys: readonly string[], label: string): string | undefined {
  if (keys.length === 0) return undefined;
  return checkpointSigner(cp, keys) ? undefined : `${label} is not signed by a trusted key`;
}

/**
 * Checks offline that an entry is in the tree a signed checkpoint commits to (pure): the proof's
 * tree size is the checkpoint's, the entry (when given) hashes to the proof's leaf, and the audit
 * path leads from that leaf to the checkpoint's root; with trusted keys, the checkpoint is signed by one.
 */
export function checkInclusionProof(input: {
  checkpoint: ParsedCheckpoint;
  proof: InclusionProof;
  entry?: Record<string, unknown>;
  trustedPublicKeys?: readonly string[];
}): ProofReport {
  const { checkpoint, proof } = input;
  const keys = input.trustedPublicKeys ?? [];
  const fail = (message: string): ProofReport => ({ ok: false, message, authenticated: false });
  const unsigned = signedBy(checkpoint, keys, 'the checkpoint');
  if (unsigned) return fail(unsigned);
  if (proof.treeSize !== checkpoint.size)
    return fail(`the proof is for a tree of ${proof.treeSize} entries, the checkpoint of ${checkpoint.size}`);
  if (typeof proof.leafHash !== 'string' || !HEX32.test(proof.leafHash))
    return fail('the proof has no 64-digit hex leafHash');
  let leaf: Buffer = Buffer.from(proof.leafHash, 'hex');
  if (input.entry) {
    const seq = Number(input.entry.seq);
    if (seq !== proof.leafIndex + 1)
      return fail(
        `the entry is number ${seq} but the proof is for leaf ${proof.leafIndex} (entry ${proof.leafIndex + 1})`,
      );
    const computed = leafHashOfEntryJson(input.entry);
    if (!computed.equals(leaf))
      return fail(`entry ${seq} does not hash to the proof's leaf hash (the entry was changed)`);
    leaf = computed;
  }
  const root = rootFromInclusionProof(proof.leafIndex, proof.treeSize, leaf, hashesOf(proof.hashes, 'proof'));
  if (!root || !root.equals(checkpoint.rootHash))
    return fail(`the audit path of leaf ${proof.leafIndex} does not lead to the checkpoint's root`);
  const what = input.entry ? `entry ${proof.leafIndex + 1}` : `leaf ${proof.leafIndex} (hash as given)`;
  return {
    ok: true,
    authenticated: keys.length > 0,
    message: `${what} is in the tree of ${checkpoint.size} entries with root ${checkpoint.rootHash.toString('base64')}`,
  };
}

/**
 * Checks offline that the older checkpoint's tree is a prefix of the newer one's (pure): the log
 * between them was only appended to. With trusted keys, both checkpoints must be signed by one.
 */
export function checkConsistencyProof(input: {
  older: ParsedCheckpoint;
  newer: ParsedCheckpoint;
  proof: ConsistencyProof;
  trustedPublicKeys?: readonly string[];
}): ProofReport {
  const { older, newer, proof } = input;
  const keys = input.trustedPublicKeys ?? [];
  const fail = (message: string): ProofReport => ({ ok: false, message, authenticated: false });
  const unsigned = signedBy(older, keys, 'the old checkpoint') ?? signedBy(newer, keys, 'the new checkpoint');
  if (unsigned) return fail(unsigned);
  if (older.origin !== newer.origin)
    return fail(`the checkpoints are of different logs (${older.origin}, ${newer.origin})`);
  if (older.size > newer.size)
    return fail(`the old checkpoint (${older.size} entries) is larger than the new one (${newer.size})`);
  if (proof.from !== older.size || proof.to !== newer.size)
    return fail(
      `the proof is from ${proof.from} to ${proof.to} entries, the checkpoints are of ${older.size} and ${newer.size}`,
    );
  if (
    !verifyConsistency(
      older.size,
      newer.size,
      older.rootHash,
      newer.rootHash,
      hashesOf(proof.hashes, 'proof'),
    )
  )
    return fail(
      `the tree of ${older.size} entries is not a prefix of the tree of ${newer.size} entries (the log was rewritten)`,
    );
  return {
    ok: true,
    authenticated: keys.length > 0,
    message: `the tree of ${newer.size} entries extends the tree of ${older.size} entries (append-only)`,
  };
}

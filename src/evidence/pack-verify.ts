import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { unzipSync } from 'fflate';
import { hashEntry } from '../audit/audit-chain.js';
import { checkpointSigner, parseCheckpoint, type ParsedCheckpoint } from '../audit/audit-checkpoint.js';
import { auditLeafHash, rootFromInclusion, type PackedAuditEntry } from './merkle-proof.js';
import { PACK_FORMAT, type PackManifest } from './pack-manifest.js';

/** The outcome of verifying a pack: intact, or the first problem found, named. */
export type PackVerdict =
  { ok: true; files: number; proofs: number; manifest: PackManifest } | { ok: false; problem: string };

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Reads a trusted key: an SPKI PEM, or a JSON signed head holding `publicKey`. */
export function readTrustedKey(text: string): KeyObject {
  const trimmed = text.trim();
  const pem = trimmed.startsWith('{') ? (JSON.parse(trimmed) as { publicKey: string }).publicKey : trimmed;
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the trusted key is not an Ed25519 public key');
  return key;
}

/**
 * Verifies a pack offline against a key the verifier trusts: the manifest's signature, every
 * file's SHA-256, no file removed or added, the audit log's checkpoint signed by the same key and
 * stating the tree the manifest names, and each cited audit entry's inclusion proof leading to
 * that checkpoint's root (and each entry's own chain hash).
 */
export function verifyPack(zip: Uint8Array, trustedKey: KeyObject): PackVerdict {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch (error) {
    return { ok: false, problem: `the pack is not a readable zip (${(error as Error).message})` };
  }
  const manifestBytes = entries['manifest.json'];
  const signature = entries['manifest.sig'];
  if (!manifestBytes) return { ok: false, problem: 'manifest.json is missing' };
  if (!signature) return { ok: false, problem: 'manifest.sig is missing' };
  const sig = Buffer.from(Buffer.from(signature).toString('utf8').trim(), 'base64');
  if (!verify(null, manifestBytes, trustedKey, sig))
    return {
      ok: false,
      problem:
        'manifest.sig: the manifest is not signed by the trusted key (changed, or signed by another key)',
    };
  let manifest: PackManifest;
  try {
    manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as PackManifest;
  } catch {
    return { ok: false, problem: 'manifest.json is not JSON' };
  }
  if (manifest.format !== PACK_FORMAT)
    return { ok: false, problem: `manifest.json: unknown format ${String(manifest.format)}` };

  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const bytes = entries[f.path];
    if (!bytes)
      return { ok: false, problem: `${f.path}: listed in the manifest but missing from the pack (removed)` };
    if (hex(bytes) !== f.sha256)
      return { ok: false, problem: `${f.path}: SHA-256 differs from the manifest (the file was changed)` };
  }
  for (const path of Object.keys(entries)) {
    if (path.endsWith('/')) continue;
    if (path !== 'manifest.json' && path !== 'manifest.sig' && !listed.has(path))
      return { ok: false, problem: `${path}: not listed in the manifest (a file was added)` };
  }

  // The audit log's signed checkpoint: signed by the trusted key, for the tree the manifest states.
  const checkpointFile = entries[manifest.auditTree.checkpoint];
  if (!checkpointFile)
    return {
      ok: false,
      problem: `${String(manifest.auditTree.checkpoint)}: the signed checkpoint is missing`,
    };
  let checkpoint: ParsedCheckpoint;
  try {
    checkpoint = parseCheckpoint(Buffer.from(checkpointFile).toString('utf8'));
  } catch (error) {
    return {
      ok: false,
      problem: `${manifest.auditTree.checkpoint}: not a signed checkpoint (${(error as Error).message})`,
    };
  }
  const trustedPem = trustedKey.export({ type: 'spki', format: 'pem' }).toString();
  if (!checkpointSigner(checkpoint, [trustedPem]))
    return {
      ok: false,
      problem: `${manifest.auditTree.checkpoint}: the audit checkpoint is not signed by the trusted key`,
    };
  if (
    checkpoint.size !== manifest.auditTree.size ||
    checkpoint.rootHash.toString('hex') !== manifest.auditTree.rootHash
  )
    return {
      ok: false,
      problem: `${manifest.auditTree.checkpoint}: the checkpoint (size ${checkpoint.size}) is not the tree the manifest states (size ${manifest.auditTree.size})`,
    };

  // Cited audit entries: each entry's own chain hash, then its inclusion proof against the checkpoint's root.
  const bySeq = new Map<number, PackedAuditEntry>();
  const entryFile = entries[manifest.citedEntries.entries];
  if (entryFile)
    for (const line of Buffer.from(entryFile).toString('utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line) as PackedAuditEntry;
      bySeq.set(e.seq, e);
    }
  const root = checkpoint.rootHash.toString('hex');
  let proofs = 0;
  const proofFile = entries[manifest.citedEntries.proofs];
  for (const line of proofFile ? Buffer.from(proofFile).toString('utf8').split('\n') : []) {
    if (!line) continue;
    const p = JSON.parse(line) as { seq: number; leafIndex: number; treeSize: number; path: string[] };
    const entry = bySeq.get(p.seq);
    if (!entry)
      return {
        ok: false,
        problem: `audit entry ${p.seq}: cited by a proof but absent from ${manifest.citedEntries.entries}`,
      };
    if (hashEntry(entry) !== entry.hash)
      return { ok: false, problem: `audit entry ${p.seq}: content does not match its chain hash` };
    if (p.treeSize !== manifest.auditTree.size)
      return {
        ok: false,
        problem: `audit entry ${p.seq}: proof is for a tree of ${p.treeSize} entries, not the signed ${manifest.auditTree.size}`,
      };
    const computed = rootFromInclusion(
      p.leafIndex,
      p.treeSize,
      auditLeafHash(entry),
      p.path.map((h) => Buffer.from(h, 'hex')),
    );
    if (p.leafIndex !== p.seq - 1 || !computed || computed.toString('hex') !== root)
      return {
        ok: false,
        problem: `audit entry ${p.seq}: inclusion proof does not lead to the signed audit tree head (size ${manifest.auditTree.size})`,
      };
    proofs++;
  }
  if (proofs !== manifest.citedEntries.count)
    return {
      ok: false,
      problem: `${manifest.citedEntries.proofs}: ${proofs} proofs where the manifest cites ${manifest.citedEntries.count}`,
    };
  return { ok: true, files: manifest.files.length, proofs, manifest };
}

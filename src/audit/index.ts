/**
 * The audit trail, as other domains use it. The Merkle, proof, checkpoint and signing functions are
 * exported for evidence packs and other offline verifiers; their names are kept stable.
 */
export {
  EMPTY_ROOT,
  consistencyProofOf,
  consistencyRanges,
  hashChildren,
  hashLeaf,
  inclusionProofOf,
  inclusionRanges,
  MerkleAccumulator,
  rootFromInclusionProof,
  rootOfHashes,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type Range,
} from './audit-merkle.js';
export {
  entryCanonicalBytes,
  entryLeafHash,
  hashEntry,
  type AuditEntry,
  type SignedHead,
} from './audit-chain.js';
export {
  checkpointBody,
  checkpointSigner,
  noteKeyId,
  noteVerifierKey,
  parseCheckpoint,
  rawEd25519PublicKey,
  signCheckpoint,
  type ParsedCheckpoint,
  type TreeHead,
} from './audit-checkpoint.js';
export { loadAuditSigner, signerFromKey, type AuditSigner } from './audit-signer.js';
export { MerkleTreeReader, buildMerkleNodes } from './audit-tree.js';
export type { AuditLog, AuditInput } from './audit.service.js';
export type { SignedTreeHead } from './audit.repository.js';
export { auditTreeHeadTask } from './audit.tasks.js';
export { auditRefusals, type RefusalEntry } from './audited-refusal.js';

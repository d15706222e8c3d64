import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Store } from '../db/database.js';
import { signerFromKey, type AuditSigner } from './audit-signer.js';
import { rotationStatement } from './audit-verify.js';
import { KEY_ROTATION_ACTION, latestRotation, type SignedTreeHead } from './audit.repository.js';
import { createAuditLog } from './audit.service.js';
import type { AuditWitness } from './audit-witness.js';

/** What a key rotation did: the entry that records it and the tree heads on either side. */
export interface KeyRotationResult {
  seq: number;
  previousKey: string;
  newKey: string;
  /** The last tree head signed by the retiring key (covering every entry before the rotation). */
  lastHeadOfOldKey: SignedTreeHead | undefined;
  /** The first tree head signed by the new key (covering the rotation entry). */
  firstHeadOfNewKey: SignedTreeHead;
}

/**
 * Rotates the key that signs the audit log: the retiring key signs a last tree head, then the log
 * records `audit.key_rotated` with the new public key and the retiring key's signature over both,
 * and the new key signs the tree that holds that entry. A verifier trusting the old key thereby
 * trusts the new one from the rotation on, and only from there. Refuses a key already rotated away.
 */
export async function rotateAuditKey(
  store: Store,
  oldSigner: AuditSigner,
  newPrivateKey: KeyObject,
  options: {
    actor: string;
    reason?: string;
    checkpointEvery: number;
    now?: () => Date;
    witness?: AuditWitness;
  },
): Promise<KeyRotationResult> {
  const newSigner = signerFromKey(newPrivateKey, oldSigner.origin);
  const previousKey = oldSigner.publicKeyPem.trim();
  const newKey = newSigner.publicKeyPem.trim();
  if (
    previousKey === createPublicKey(newPrivateKey).export({ type: 'spki', format: 'pem' }).toString().trim()
  )
    throw new Error('the new key is the key in use; give another key');
  const last = await latestRotation(store.db);
  if (last && last.previousKey.trim() === previousKey)
    throw new Error('the signing key was already rotated away; configure the key it was rotated to');
  const logOptions = {
    checkpointEvery: options.checkpointEvery,
    ...(options.now ? { now: options.now } : {}),
    ...(options.witness ? { witness: options.witness } : {}),
  };
  const oldLog = createAuditLog(store, oldSigner, logOptions);
  const lastHeadOfOldKey = await oldLog.treeHead();
  const entry = await store.db.transaction().execute((trx) =>
    oldLog.append(trx, {
      actor: options.actor,
      action: KEY_ROTATION_ACTION,
      subject: 'audit:signing-key',
      change: {
        previousKey,
        newKey,
        signature: oldSigner.sign(rotationStatement(previousKey, newKey)),
        ...(options.reason ? { reason: options.reason } : {}),
      },
    }),
  );
  const firstHeadOfNewKey = await createAuditLog(store, newSigner, logOptions).treeHead();
  if (!firstHeadOfNewKey) throw new Error('the new key signed no tree head');
  return { seq: entry.seq, previousKey, newKey, lastHeadOfOldKey, firstHeadOfNewKey };
}

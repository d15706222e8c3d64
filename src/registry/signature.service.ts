import { conflict, invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { AppContext } from '../http/context.js';
import { normalizePublicKey, publicKeyFingerprint, verifyDigestSignature } from '../keys/index.js';
import { lockVersionRow } from './attachment.service.js';
import { requireVersion, type Actor } from './registry.service.js';
import type { ArtifactSignature, SigningKey } from './signature.schema.js';
import {
  findKeyByName,
  findSignature,
  insertKey,
  insertSignature,
  markKeyRevoked,
  toSigningKey,
} from './signature.repository.js';

/** Registers an Ed25519 public key under a unique name. */
export async function registerSigningKey(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; publicKey: string },
): Promise<SigningKey> {
  const publicKey = normalizePublicKey(input.publicKey);
  const now = ctx.now().toISOString();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      if (await findKeyByName(trx, input.name))
        throw conflict(`signing key "${input.name}" already exists`, 'name');
      const row = {
        id: newId('key'),
        name: input.name,
        public_key: publicKey,
        created_at: now,
        created_by: actor.principal.name,
        revoked_at: null,
      };
      await insertKey(trx, row);
      await ctx.audit.append(trx, {
        actor: actor.principal.name,
        action: 'signing_key.registered',
        subject: `signing-key:${input.name}`,
        requestId: actor.requestId,
        change: { name: input.name, publicKey, fingerprint: publicKeyFingerprint(publicKey) },
      });
      return toSigningKey(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`signing key "${input.name}" already exists`, 'name');
    throw error;
  }
}

/** Revokes a key: its signatures stay on record but no longer make a version verified. */
export async function revokeSigningKey(ctx: AppContext, actor: Actor, name: string): Promise<SigningKey> {
  return ctx.db.transaction().execute(async (trx) => {
    const key = await findKeyByName(trx, name);
    if (!key) throw notFound(`signing key "${name}" does not exist`);
    const at = ctx.now().toISOString();
    if (!(await markKeyRevoked(trx, key.id, at))) throw conflict(`signing key "${name}" is already revoked`);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'signing_key.revoked',
      subject: `signing-key:${name}`,
      requestId: actor.requestId,
      change: { revokedAt: at },
    });
    return toSigningKey({ ...key, revoked_at: at });
  });
}

/**
 * Verifies a signature over the version's artifact digest (the 64 hex characters as ASCII)
 * against a registered, unrevoked key and records it. A signature that does not verify is
 * refused and nothing is stored.
 */
export async function addArtifactSignature(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  version: string,
  input: { keyName: string; signature: string },
): Promise<ArtifactSignature> {
  return ctx.db.transaction().execute(async (trx) => {
    const target = await requireVersion(trx, modelName, version);
    await lockVersionRow(ctx, trx, target.id);
    if (!target.artifact) throw conflict(`${modelName} ${version} has no artifact to sign; upload it first`);
    const key = await findKeyByName(trx, input.keyName);
    if (!key) throw invalidInput(`signing key "${input.keyName}" is not registered`, 'keyName');
    if (key.revoked_at !== null) throw invalidInput(`signing key "${input.keyName}" is revoked`, 'keyName');
    const sha256 = target.artifact.sha256;
    if (!verifyDigestSignature(key.public_key, sha256, input.signature)) {
      throw invalidInput(
        `signature does not verify: it must be key "${input.keyName}"'s Ed25519 signature of the ASCII text ${sha256}`,
        'signature',
      );
    }
    if (await findSignature(trx, target.id, key.id)) {
      throw conflict(`${modelName} ${version} is already signed with key "${input.keyName}"`, 'keyName');
    }
    const row = {
      id: newId('sig'),
      version_id: target.id,
      key_id: key.id,
      signature: input.signature,
      verified: 1,
      created_at: ctx.now().toISOString(),
      created_by: actor.principal.name,
    };
    await insertSignature(trx, row);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'artifact.signed',
      subject: `model:${modelName}@${version}`,
      requestId: actor.requestId,
      change: { keyName: key.name, sha256, signature: input.signature, verified: true },
    });
    return {
      id: row.id,
      keyId: key.id,
      keyName: key.name,
      sha256,
      verified: true,
      createdAt: row.created_at,
      createdBy: row.created_by,
    };
  });
}

import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import { publicKeyFingerprint } from '../keys/index.js';
import type { ArtifactSignatureTable, SigningKeyTable } from './registry.table.js';
import type { SigningKey } from './signature.schema.js';

export function toSigningKey(row: Selectable<SigningKeyTable>): SigningKey {
  return {
    id: row.id,
    name: row.name,
    publicKey: row.public_key,
    fingerprint: publicKeyFingerprint(row.public_key),
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
  };
}

export async function findKeyByName(
  db: Executor,
  name: string,
): Promise<Selectable<SigningKeyTable> | undefined> {
  return db.selectFrom('signing_keys').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listKeys(db: Executor): Promise<Selectable<SigningKeyTable>[]> {
  return db.selectFrom('signing_keys').selectAll().orderBy('name').execute();
}

export async function insertKey(db: Executor, row: Insertable<SigningKeyTable>): Promise<void> {
  await db.insertInto('signing_keys').values(row).execute();
}

/** Sets `revoked_at` once; answers false when the key was already revoked. */
export async function markKeyRevoked(db: Executor, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('signing_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findSignature(
  db: Executor,
  versionId: string,
  keyId: string,
): Promise<Selectable<ArtifactSignatureTable> | undefined> {
  return db
    .selectFrom('artifact_signatures')
    .selectAll()
    .where('version_id', '=', versionId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
}

export async function insertSignature(db: Executor, row: Insertable<ArtifactSignatureTable>): Promise<void> {
  await db.insertInto('artifact_signatures').values(row).execute();
}

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { WardenError } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import { createLocalArtifactStore, type ArtifactStore } from './artifact-store.js';
import { createS3ArtifactStore, s3UploadFolder } from './s3-artifact-store.js';

/**
 * Opens the configured artifact store: `s3://bucket/prefix?…` for S3-compatible object storage,
 * otherwise a folder (`file://` URL or path; by default `<dataDir>/artifacts`).
 */
export function openArtifactStore(config: {
  dataDir: string;
  artifactStore?: string | undefined;
}): ArtifactStore {
  const where = config.artifactStore;
  if (where === undefined) return createLocalArtifactStore(path.join(config.dataDir, 'artifacts'));
  if (where.startsWith('s3://')) return createS3ArtifactStore(where, s3UploadFolder(config.dataDir));
  return createLocalArtifactStore(
    path.resolve(where.startsWith('file://') ? new URL(where).pathname : where),
  );
}

/**
 * Makes sure the artifact store is the one the database was initialised with. The first time
 * (`warden init`, or the first start of a store from before ids existed) a new id is written into
 * the store and recorded in the database; a store that already carries an id is adopted by a
 * database that has none. A database that names another store, or a store without the id the
 * database names, is refused: its blobs are not this database's, and serving it would report
 * every artifact as missing.
 */
export async function checkArtifactStoreIdentity(
  db: Executor,
  store: ArtifactStore,
  now: Date,
): Promise<string> {
  const recorded = await db
    .selectFrom('artifact_store_identity')
    .selectAll()
    .where('singleton', '=', 1)
    .executeTakeFirst();
  let held = await store.readStoreId();
  if (recorded === undefined) {
    held ??= await store.claimStoreId(`ast_${randomBytes(12).toString('hex')}`);
    await db
      .insertInto('artifact_store_identity')
      .values({ singleton: 1, store_id: held, location: store.location, created_at: now.toISOString() })
      .onConflict((oc) => oc.column('singleton').doNothing())
      .execute();
    // Another server may have recorded first: compare with what the database holds now.
    return checkArtifactStoreIdentity(db, store, now);
  }
  if (held !== recorded.store_id) {
    throw new WardenError(
      'conflict',
      `the artifact store at ${store.location} ${
        held === undefined ? 'carries no store id' : `is store ${held}`
      }, but this database was initialised with artifact store ${recorded.store_id} (at ${recorded.location}): ` +
        'every server sharing a database must use the same artifact store — point WARDEN_ARTIFACT_STORE at that store ' +
        '(a shared folder or the same s3:// bucket and prefix)',
      'artifactStore',
    );
  }
  return held;
}

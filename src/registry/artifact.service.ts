import type { Readable } from 'node:stream';
import { conflict, notFound, WardenError } from '../core/errors.js';
import type { AppContext } from '../http/context.js';
import { recordArtifactCheck } from './artifact-integrity.js';
import type { StoredBlob } from './artifact-store.js';
import { requireVersion, type Actor } from './registry.service.js';

const subjectOf = (model: string, version: string) => `model:${model}@${version}`;

/**
 * Streams an upload into the content-addressed store and links it to the version. A version
 * holds one artifact for life: the link is set only where none exists, so of two racing
 * uploads exactly one wins and the other gets 409.
 */
export async function uploadArtifact(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  version: string,
  body: Readable,
  declaredLength: number | undefined,
): Promise<StoredBlob> {
  const before = await requireVersion(ctx.db, modelName, version);
  if (before.artifact) {
    throw conflict(`${modelName} ${version} already has an artifact (sha256 ${before.artifact.sha256})`);
  }
  const max = ctx.config.maxUploadBytes;
  if (declaredLength !== undefined && declaredLength > max) {
    throw new WardenError('payload_too_large', `upload exceeds the limit of ${max} bytes`);
  }
  const stored = await ctx.artifacts.put(body, max);
  return ctx.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('model_versions')
      .set({
        artifact_sha256: stored.sha256,
        artifact_size: stored.size,
        updated_at: ctx.now().toISOString(),
      })
      .where('id', '=', before.id)
      .where('artifact_sha256', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw conflict(`${modelName} ${version} already has an artifact`);
    }
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'artifact.uploaded',
      subject: subjectOf(modelName, version),
      requestId: actor.requestId,
      change: { sha256: stored.sha256, size: stored.size },
    });
    return stored;
  });
}

/**
 * Opens a version's artifact for download after hashing the stored file once (an extra full
 * read) so that a tampered or missing blob is refused before any byte is sent; the returned
 * stream hashes again as it goes and fails if the file changes in between.
 */
export async function openArtifact(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  version: string,
): Promise<StoredBlob & { stream: Readable }> {
  const found = await requireVersion(ctx.db, modelName, version);
  if (!found.artifact) throw notFound(`${modelName} ${version} has no artifact`);
  const expected = found.artifact;
  const actual = await ctx.artifacts.digest(expected.sha256);
  if (!actual || actual.sha256 !== expected.sha256 || actual.size !== expected.size) {
    // The version stops counting as verified and an integrity_failure alert opens.
    await recordArtifactCheck(ctx, actor, found, actual);
    throw new WardenError(
      'integrity_failure',
      `the stored artifact of ${modelName} ${version} no longer matches its digest ${expected.sha256}; download refused`,
    );
  }
  return { ...expected, stream: ctx.artifacts.get(expected.sha256) };
}

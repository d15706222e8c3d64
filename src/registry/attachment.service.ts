import { createHash } from 'node:crypto';
import { notFound } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { scanText, type PiiFinding } from '../pii/index.js';
import type { AttachmentKind, AttachmentResult } from './attachment.schema.js';
import { checkPii, requireVersion, type Actor } from './registry.service.js';
import { findVersionBlobs, updateVersion } from './version.repository.js';

/** Scans every string in a JSON document; findings name the JSON path under `prefix`. */
export function scanJsonStrings(prefix: string, value: unknown): PiiFinding[] {
  if (typeof value === 'string') return scanText(prefix, value);
  if (Array.isArray(value)) return value.flatMap((item, i) => scanJsonStrings(`${prefix}.${i}`, item));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => scanJsonStrings(`${prefix}.${k}`, v));
  return [];
}

/**
 * Holds a version row until the transaction ends, where the engine has row locks (on SQLite a
 * write transaction already excludes other writers). Read-modify-write changes of a version
 * (PII findings, signature uniqueness) take it first.
 */
export async function lockVersionRow(ctx: AppContext, trx: Executor, versionId: string): Promise<void> {
  if (ctx.store.capabilities.rowLocks)
    await trx.selectFrom('model_versions').select('id').where('id', '=', versionId).forUpdate().execute();
}

const belongsTo = (kind: AttachmentKind, field: string) => field === kind || field.startsWith(`${kind}.`);

/**
 * Stores (or replaces) a version's SBOM or model card. Both are scanned for personal data
 * first; findings replace the previous ones of that document on the version, and under
 * `piiMode: reject` refuse the write.
 */
export async function setAttachment(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  version: string,
  kind: AttachmentKind,
  document: string,
  findings: PiiFinding[],
): Promise<AttachmentResult> {
  await checkPii(ctx, findings);
  const sha256 = createHash('sha256').update(document, 'utf8').digest('hex');
  const size = Buffer.byteLength(document, 'utf8');
  return ctx.db.transaction().execute(async (trx) => {
    await lockVersionRow(ctx, trx, (await requireVersion(trx, modelName, version)).id);
    const target = await requireVersion(trx, modelName, version);
    const replaced = kind === 'sbom' ? target.hasSbom : target.hasModelCard;
    const piiFindings = [...target.piiFindings.filter((f) => !belongsTo(kind, f.field)), ...findings];
    await updateVersion(trx, target.id, {
      ...(kind === 'sbom' ? { sbom: document } : { model_card: document }),
      pii_findings: JSON.stringify(piiFindings),
      updated_at: ctx.now().toISOString(),
    });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: kind === 'sbom' ? 'version.sbom_set' : 'version.model_card_set',
      subject: `model:${modelName}@${version}`,
      requestId: actor.requestId,
      change: { sha256, size, replaced, piiFindings: findings },
    });
    return { model: modelName, version, kind, sha256, size, replaced, piiFindings: findings };
  });
}

/** The stored SBOM (JSON text) or model card (Markdown) of a version; 404 when none was attached. */
export async function getAttachment(
  ctx: AppContext,
  modelName: string,
  version: string,
  kind: AttachmentKind,
): Promise<string> {
  const target = await requireVersion(ctx.db, modelName, version);
  const blobs = await findVersionBlobs(ctx.db, target.id);
  const document = kind === 'sbom' ? blobs?.sbom : blobs?.modelCard;
  if (document === null || document === undefined) {
    throw notFound(`${modelName} ${version} has no ${kind === 'sbom' ? 'SBOM' : 'model card'}`);
  }
  return document;
}

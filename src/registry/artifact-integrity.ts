import type { BackgroundTask } from '../core/background-task.js';
import { notFound } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { lockModelForOutcome, publishMonitorOutcome } from '../monitoring/index.js';
import type { StoredBlob } from './artifact-store.js';
import { requireModel, requireVersion, type Actor } from './registry.service.js';
import type { ModelVersion } from './version.schema.js';

/** The alert rule a changed or missing artifact opens. */
export const INTEGRITY_RULE = 'integrity_failure';
/** How often each artifact is re-hashed by the background task. */
export const RECHECK_EVERY_MS = 24 * 3_600_000;
/** Artifacts re-hashed per background round (each one claimed, so servers share the work). */
const RECHECK_BATCH = 20;
const SYSTEM_ACTOR = 'warden';

/** The outcome of one re-hash. */
export interface IntegrityResult {
  model: string;
  version: string;
  intact: boolean;
  /** The version's `verified` once this check is recorded. */
  verified: boolean;
  expected: StoredBlob;
  observed: StoredBlob | { missing: true };
  checkedAt: string;
  /** When the mismatch was first seen (null while the bytes match). */
  failedAt: string | null;
}

interface Target {
  versionId: string;
  model: { id: string; name: string; riskTier: number };
  version: string;
  expected: StoredBlob;
}

/**
 * Records what a re-hash found, in one transaction: the version's integrity columns, an audit
 * entry when the state changes (or always, for a check someone asked for), and an
 * `integrity_failure` check published to the monitor reactions (alerts open, repeat, or count a
 * clean window once the bytes match again).
 */
async function recordIntegrity(
  ctx: AppContext,
  target: Target,
  observed: StoredBlob | undefined,
  actor: Actor | null,
): Promise<IntegrityResult> {
  const now = ctx.now();
  const at = now.toISOString();
  const intact =
    observed !== undefined &&
    observed.sha256 === target.expected.sha256 &&
    observed.size === target.expected.size;
  return ctx.db.transaction().execute(async (trx) => {
    // The model's row before the audit chain's head, as every publisher of monitor outcomes.
    await lockModelForOutcome(trx, ctx, target.model.id);
    const before = await trx
      .selectFrom('model_versions')
      .select(['integrity_failed_at'])
      .where('id', '=', target.versionId)
      .executeTakeFirstOrThrow();
    const failedAt = intact ? null : (before.integrity_failed_at ?? at);
    await trx
      .updateTable('model_versions')
      .set({ integrity_checked_at: at, integrity_failed_at: failedAt })
      .where('id', '=', target.versionId)
      .execute();
    const changed = intact !== (before.integrity_failed_at === null);
    const seen = observed ? { sha256: observed.sha256, size: observed.size } : { missing: true as const };
    if (changed || actor) {
      await ctx.audit.append(trx, {
        actor: actor?.principal.name ?? SYSTEM_ACTOR,
        action: intact
          ? changed
            ? 'artifact.integrity_restored'
            : 'artifact.verified'
          : 'artifact.integrity_failure',
        subject: `model:${target.model.name}@${target.version}`,
        ...(actor ? { requestId: actor.requestId } : {}),
        change: { expected: target.expected, observed: seen, intact },
      });
    }
    await publishMonitorOutcome(trx, ctx, {
      model: target.model,
      version: target.version,
      now,
      checks: [
        {
          rule: INTEGRITY_RULE,
          value: intact ? 0 : 1,
          threshold: 0,
          status: intact ? 'ok' : 'alert',
          window: { from: at, to: at, records: 1 },
          policyRule: 'registry.artifact.sha256',
          version: target.version,
          detail: intact
            ? `artifact bytes match sha256 ${target.expected.sha256}`
            : observed
              ? `stored artifact hashes to ${observed.sha256} (${observed.size} bytes), expected ${target.expected.sha256} (${target.expected.size} bytes)`
              : `stored artifact ${target.expected.sha256} is missing`,
        },
      ],
    });
    const signed = await trx
      .selectFrom('artifact_signatures')
      .innerJoin('signing_keys', 'signing_keys.id', 'artifact_signatures.key_id')
      .select('artifact_signatures.id')
      .where('artifact_signatures.version_id', '=', target.versionId)
      .where('artifact_signatures.verified', '=', 1)
      .where('signing_keys.revoked_at', 'is', null)
      .executeTakeFirst();
    return {
      model: target.model.name,
      version: target.version,
      intact,
      verified: intact && signed !== undefined,
      expected: target.expected,
      observed: seen,
      checkedAt: at,
      failedAt,
    };
  });
}

/** Re-hashes the stored bytes of a version's artifact now and records the result. */
export async function verifyArtifact(
  ctx: AppContext,
  actor: Actor | null,
  modelName: string,
  version: string,
): Promise<IntegrityResult> {
  const found = await requireVersion(ctx.db, modelName, version);
  if (!found.artifact) throw notFound(`${modelName} ${version} has no artifact`);
  return recordArtifactCheck(ctx, actor, found, await ctx.artifacts.digest(found.artifact.sha256));
}

/** Records a re-hash of `version`'s artifact that the caller made (a download checks first). */
export async function recordArtifactCheck(
  ctx: AppContext,
  actor: Actor | null,
  version: ModelVersion,
  observed: StoredBlob | undefined,
): Promise<IntegrityResult> {
  if (!version.artifact) throw notFound(`${version.model} ${version.version} has no artifact`);
  const model = await requireModel(ctx.db, version.model);
  return recordIntegrity(
    ctx,
    {
      versionId: version.id,
      model: { id: model.id, name: model.name, riskTier: model.riskTier },
      version: version.version,
      expected: version.artifact,
    },
    observed,
    actor,
  );
}

/**
 * Claims up to `limit` artifacts whose last re-hash is older than {@link RECHECK_EVERY_MS}: each
 * claim is a conditional update of `integrity_checked_at` from the value read, so of two servers
 * only one re-hashes a given artifact per period.
 */
async function claimDueArtifacts(db: Executor, now: Date, limit: number): Promise<Target[]> {
  const due = new Date(now.getTime() - RECHECK_EVERY_MS).toISOString();
  const rows = await db
    .selectFrom('model_versions')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select([
      'model_versions.id',
      'model_versions.version',
      'model_versions.artifact_sha256',
      'model_versions.artifact_size',
      'model_versions.integrity_checked_at',
      'models.id as model_id',
      'models.name as model_name',
      'models.risk_tier',
    ])
    .where('model_versions.artifact_sha256', 'is not', null)
    .where((w) =>
      w.or([
        w('model_versions.integrity_checked_at', 'is', null),
        w('model_versions.integrity_checked_at', '<', due),
      ]),
    )
    .orderBy('model_versions.integrity_checked_at')
    .orderBy('model_versions.id')
    .limit(limit)
    .execute();
  const claimed: Target[] = [];
  const at = now.toISOString();
  for (const row of rows) {
    const result = await db
      .updateTable('model_versions')
      .set({ integrity_checked_at: at })
      .where('id', '=', row.id)
      .where((w) =>
        row.integrity_checked_at === null
          ? w('integrity_checked_at', 'is', null)
          : w('integrity_checked_at', '=', row.integrity_checked_at),
      )
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue;
    claimed.push({
      versionId: row.id,
      model: { id: row.model_id, name: row.model_name, riskTier: Number(row.risk_tier) },
      version: row.version,
      expected: { sha256: row.artifact_sha256!, size: Number(row.artifact_size) },
    });
  }
  return claimed;
}

/** One background round: re-hashes the artifacts due; returns how many were found changed. */
export async function recheckDueArtifacts(ctx: AppContext, limit = RECHECK_BATCH): Promise<number> {
  const targets = await claimDueArtifacts(ctx.db, ctx.now(), limit);
  let failed = 0;
  for (const target of targets) {
    const observed = await ctx.artifacts.digest(target.expected.sha256);
    const result = await recordIntegrity(ctx, target, observed, null);
    if (!result.intact) failed++;
  }
  return failed;
}

/** Periodic re-hash of stored artifacts, so `verified` reflects the bytes as they are now. */
export const artifactIntegrityTask: BackgroundTask<AppContext> = {
  name: 'registry.artifact-integrity',
  intervalMs: 60_000,
  runOnce: async (ctx) => {
    await recheckDueArtifacts(ctx);
  },
};

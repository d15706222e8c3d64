import { sql } from 'kysely';
import { canonicalJson } from '../core/canonical-json.js';
import { conflict } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import { activeDeploymentsOf, type ActiveDeployment } from '../deployments/index.js';
import type { AppContext } from '../http/context.js';
import { getActivePolicy, retirementPolicy } from '../policy/index.js';
import type { Consumer } from '../registry/model.schema.js';
import type { Actor } from '../registry/registry.service.js';
import { enqueueEvent } from '../webhooks/index.js';
import { applyStageChange, lockModelRow } from './stage-change.js';

/** What retiring one version, or a whole model, would affect. */
export interface RetirementImpact {
  scope: 'version' | 'model';
  model: string;
  riskTier: number;
  versions: Array<{ version: string; stage: string; champion: boolean }>;
  consumers: Consumer[];
  /** The versions' active deployments, as recorded in Warden; the archive waits until each has ended. */
  deployments: { recorded: true; items: ActiveDeployment[]; note: string };
  featuresUsedOnlyHere: string[];
  replacementVersion: string | null;
  graceDays: number;
  archiveAfter: string;
  artifact: 'keep' | 'mark';
  needsApproval: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Stages a replacement may be in: one that is on its way to production or already there. A version
 * still in development, rejected, deprecated or archived is no place to send consumers.
 */
export const REPLACEMENT_STAGES: readonly string[] = ['staging', 'approved', 'production'];

/** Refuses a named replacement whose stage is not one consumers can move to (409, field `replacementVersion`). */
export function assertReplacementStage(model: string, version: string, stage: string): void {
  if (!REPLACEMENT_STAGES.includes(stage))
    throw conflict(
      `replacementVersion: ${model}@${version} is in ${stage}; a replacement must be in ${REPLACEMENT_STAGES.join(', ')}`,
      'replacementVersion',
      { stage, allowed: [...REPLACEMENT_STAGES] },
    );
}

/** The impact as sent to consumers and subscribers: consumers by name and contact, never their URLs. */
export function impactForNotice(impact: RetirementImpact): Record<string, unknown> {
  return {
    scope: impact.scope,
    versions: impact.versions,
    consumers: impact.consumers.map((c) => ({ name: c.name, contact: c.contact ?? null })),
    deployments: impact.deployments,
    featuresUsedOnlyHere: impact.featuresUsedOnlyHere,
    replacementVersion: impact.replacementVersion,
    graceDays: impact.graceDays,
    archiveAfter: impact.archiveAfter,
    artifact: impact.artifact,
  };
}

function deploymentsNote(items: ActiveDeployment[]): string {
  if (items.length === 0) return 'no active deployment of these versions is recorded';
  const places = items.map((d) => `${d.environment} / ${d.target} (${d.id})`).join(', ');
  return `still deployed: ${places}; the archive waits until every one of these deployments is ended`;
}

/** Builds the impact assessment from the store as it stands now. */
export async function assessImpact(
  trx: Executor,
  ctx: AppContext,
  f: {
    modelId: string;
    scope: 'version' | 'model';
    versionIds: string[];
    replacementVersionId: string | null;
  },
): Promise<RetirementImpact> {
  const model = await trx
    .selectFrom('models')
    .selectAll()
    .where('id', '=', f.modelId)
    .executeTakeFirstOrThrow();
  const policy = await getActivePolicy(trx);
  const rules = retirementPolicy(policy.document, Number(model.risk_tier));
  const versions =
    f.versionIds.length === 0
      ? []
      : await trx
          .selectFrom('model_versions')
          .select(['id', 'version', 'stage'])
          .where('id', 'in', f.versionIds)
          .orderBy('id')
          .execute();
  const used =
    f.versionIds.length === 0
      ? []
      : await trx
          .selectFrom('version_features')
          .innerJoin('features', 'features.id', 'version_features.feature_id')
          .select(['features.id', 'features.name'])
          .where('version_features.version_id', 'in', f.versionIds)
          .distinct()
          .orderBy('features.name')
          .execute();
  const onlyHere: string[] = [];
  for (const feature of used) {
    let q = trx
      .selectFrom('version_features')
      .innerJoin('model_versions', 'model_versions.id', 'version_features.version_id')
      .select('model_versions.id')
      .where('version_features.feature_id', '=', feature.id)
      .where('model_versions.stage', 'not in', ['archived', 'rejected']);
    q =
      f.scope === 'model'
        ? q.where('model_versions.model_id', '!=', f.modelId)
        : q.where('model_versions.id', 'not in', f.versionIds);
    if (!(await q.limit(1).executeTakeFirst())) onlyHere.push(feature.name);
  }
  const deployments = await activeDeploymentsOf(trx, f.versionIds);
  const replacement = f.replacementVersionId
    ? await trx
        .selectFrom('model_versions')
        .select('version')
        .where('id', '=', f.replacementVersionId)
        .executeTakeFirst()
    : undefined;
  return {
    scope: f.scope,
    model: model.name,
    riskTier: Number(model.risk_tier),
    versions: versions.map((v) => ({
      version: v.version,
      stage: v.stage,
      champion: v.id === model.champion_version_id,
    })),
    consumers: JSON.parse(model.consumers) as Consumer[],
    deployments: { recorded: true, items: deployments, note: deploymentsNote(deployments) },
    featuresUsedOnlyHere: onlyHere,
    replacementVersion: replacement?.version ?? null,
    graceDays: rules.graceDays,
    archiveAfter: new Date(ctx.now().getTime() + rules.graceDays * DAY_MS).toISOString(),
    artifact: rules.artifact,
    needsApproval: rules.needsApproval,
  };
}

export interface RetirementOrder {
  modelId: string;
  scope: 'version' | 'model';
  versionIds: string[];
  replacementVersionId: string | null;
  reason: string;
  changeRequestId: string | null;
}

/**
 * Puts a retirement into effect inside the caller's transaction: versions in production move to
 * deprecated, each retired version gets its archive date, every consumer is notified (a webhook to
 * its URL when it has one, and an audit entry either way) and subscribers get `retirement.announced`.
 */
export async function announceRetirement(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  order: RetirementOrder,
): Promise<RetirementImpact> {
  const now = ctx.now();
  const model = await lockModelRow(trx, ctx, order.modelId);
  if (order.replacementVersionId !== null) {
    // Approval may have taken a while: the replacement must still be one consumers can move to.
    const r = await trx
      .selectFrom('model_versions')
      .select(['version', 'stage'])
      .where('id', '=', order.replacementVersionId)
      .executeTakeFirstOrThrow();
    assertReplacementStage(model.name, r.version, r.stage);
  }
  const impact = await assessImpact(trx, ctx, order);
  for (const versionId of order.versionIds) {
    const v = await trx
      .selectFrom('model_versions')
      .select(['stage', 'version'])
      .where('id', '=', versionId)
      .executeTakeFirstOrThrow();
    if (v.stage === 'production') {
      await applyStageChange(trx, ctx, actor, {
        modelId: order.modelId,
        versionId,
        from: 'production',
        to: 'deprecated',
        reason: `retired: ${order.reason}`,
        changeRequestId: order.changeRequestId,
      });
    } else if (v.stage !== 'deprecated') {
      throw conflict(
        `${model.name}@${v.version} is now in ${v.stage}; only production or deprecated versions retire`,
      );
    }
    const already = await trx
      .selectFrom('version_retirements')
      .select('id')
      .where('version_id', '=', versionId)
      .executeTakeFirst();
    if (already) throw conflict(`${model.name}@${v.version} is already retired`);
    await trx
      .insertInto('version_retirements')
      .values({
        id: newId('ret'),
        version_id: versionId,
        model_id: order.modelId,
        change_request_id: order.changeRequestId,
        reason: order.reason,
        replacement_version_id: order.replacementVersionId,
        impact: JSON.stringify(impact),
        announced_at: now.toISOString(),
        announced_by: actor.principal.name,
        archive_after: impact.archiveAfter,
        artifact_action: impact.artifact,
        archived_at: null,
      })
      .execute();
  }
  const payload = {
    model: model.name,
    scope: order.scope,
    versions: impact.versions.map((v) => v.version),
    reason: order.reason,
    replacementVersion: impact.replacementVersion,
    archiveAfter: impact.archiveAfter,
    changeRequestId: order.changeRequestId,
    impact: impactForNotice(impact),
  };
  const subject = `model:${model.name}`;
  for (const consumer of impact.consumers) {
    if (consumer.webhookUrl)
      await enqueueEvent(trx, ctx, {
        type: 'retirement.announced',
        subject,
        payload: { ...payload, consumer: consumer.name },
        url: consumer.webhookUrl,
      });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'retirement.consumer_notified',
      subject,
      requestId: actor.requestId,
      change: {
        consumer: consumer.name,
        contact: consumer.contact ?? null,
        channel: consumer.webhookUrl ? 'webhook' : 'audit only (no webhook URL on record)',
        versions: payload.versions,
        archiveAfter: impact.archiveAfter,
      },
    });
  }
  await enqueueEvent(trx, ctx, { type: 'retirement.announced', subject, payload });
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'retirement.announced',
    subject,
    requestId: actor.requestId,
    change: { ...payload, impact },
  });
  return impact;
}

/**
 * Records, once, that a due archive waits for the version's deployments to end: an audit entry and
 * a `retirement.archive_held` event naming them. The retirement stays due and is archived on the
 * first pass after the last of them has ended.
 */
async function holdArchive(
  trx: Executor,
  ctx: AppContext,
  modelName: string,
  version: string,
  retirement: { id: string; archive_after: string },
  running: ActiveDeployment[],
): Promise<void> {
  await trx
    .updateTable('version_retirements')
    .set({ archive_held_at: ctx.now().toISOString() })
    .where('id', '=', retirement.id)
    .execute();
  const subject = `model:${modelName}@${version}`;
  const payload = {
    model: modelName,
    version,
    retirementId: retirement.id,
    archiveAfter: retirement.archive_after,
    deployments: running,
  };
  await ctx.audit.append(trx, {
    actor: 'warden',
    action: 'retirement.archive_held',
    subject,
    requestId: null,
    change: {
      ...payload,
      reason: 'the version still has active deployments; end them to let the archive proceed',
    },
  });
  await enqueueEvent(trx, ctx, { type: 'retirement.archive_held', subject, payload });
}

/**
 * Archives versions whose grace period has passed: stage archived, metadata, lineage, reports and
 * audit kept; the artifact is kept, and marked archived (a version tag) when the policy says `mark`.
 * A version that still has an active deployment is not archived: the archive is held (see
 * `holdArchive`) until its deployments are ended. Returns how many were archived.
 */
export async function archiveDueRetirements(ctx: AppContext, limit = 50): Promise<number> {
  const nowIso = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('version_retirements')
      .selectAll()
      .where('archived_at', 'is', null)
      .where('archive_after', '<=', nowIso)
      // Retirements not yet held first, so versions held by their deployments cannot crowd them out.
      .orderBy(sql`case when archive_held_at is null then 0 else 1 end`)
      .orderBy('archive_after')
      .limit(limit);
    if (ctx.store.capabilities.rowLocks) q = q.forUpdate().skipLocked();
    const due = await q.execute();
    let archived = 0;
    for (const r of due) {
      const model = await lockModelRow(trx, ctx, r.model_id);
      const v = await trx
        .selectFrom('model_versions')
        .select(['version', 'stage', 'tags'])
        .where('id', '=', r.version_id)
        .executeTakeFirstOrThrow();
      if (v.stage === 'deprecated') {
        const running = await activeDeploymentsOf(trx, [r.version_id]);
        if (running.length > 0) {
          if (r.archive_held_at === null) await holdArchive(trx, ctx, model.name, v.version, r, running);
          continue;
        }
      }
      await trx
        .updateTable('version_retirements')
        .set({ archived_at: nowIso })
        .where('id', '=', r.id)
        .execute();
      // A version brought back to production after its retirement was announced stays where it is.
      if (v.stage !== 'deprecated') continue;
      const tags = JSON.parse(v.tags) as Record<string, string>;
      if (r.artifact_action === 'mark') tags['artifact-status'] = 'archived';
      await trx
        .updateTable('model_versions')
        .set({
          stage: 'archived',
          tags: canonicalJson(tags),
          updated_at: nowIso,
        })
        .where('id', '=', r.version_id)
        .execute();
      if (model.previous_champion_version_id === r.version_id)
        await trx
          .updateTable('models')
          .set({ previous_champion_version_id: null, updated_at: nowIso })
          .where('id', '=', model.id)
          .execute();
      await ctx.audit.append(trx, {
        actor: 'warden',
        action: 'version.archived',
        subject: `model:${model.name}@${v.version}`,
        requestId: null,
        change: {
          from: 'deprecated',
          to: 'archived',
          archiveAfter: r.archive_after,
          artifact: r.artifact_action,
          retirementId: r.id,
        },
      });
      archived += 1;
    }
    return archived;
  });
}

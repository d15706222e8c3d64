import { canonicalJson } from '../core/canonical-json.js';
import { conflict } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
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
  deployments: { recorded: boolean; items: unknown[]; note: string };
  featuresUsedOnlyHere: string[];
  replacementVersion: string | null;
  graceDays: number;
  archiveAfter: string;
  artifact: 'keep' | 'mark';
  needsApproval: boolean;
}

const DAY_MS = 86_400_000;

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
    deployments: {
      recorded: false,
      items: [],
      note: 'this Warden records no deployments; check the serving stack for where these versions run',
    },
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
 * Archives versions whose grace period has passed: stage archived, metadata, lineage, reports and
 * audit kept; the artifact is kept, and marked archived (a version tag) when the policy says `mark`.
 * Returns how many were archived.
 */
export async function archiveDueRetirements(ctx: AppContext, limit = 50): Promise<number> {
  const nowIso = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('version_retirements')
      .selectAll()
      .where('archived_at', 'is', null)
      .where('archive_after', '<=', nowIso)
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

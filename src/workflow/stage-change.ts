import { conflict, notFound } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import { activeDeploymentsOf } from '../deployments/index.js';
import type { AppContext } from '../http/context.js';
import { updateModel } from '../registry/model.repository.js';
import type { Actor } from '../registry/registry.service.js';
import { updateVersion } from '../registry/version.repository.js';
import type { Stage } from '../registry/version.schema.js';
import { enqueueEvent } from '../webhooks/index.js';
import { assertTransition } from './lifecycle.js';

/** The model row, locked until the transaction ends where the engine has row locks; champion changes serialise on it. */
export async function lockModelRow(trx: Executor, ctx: AppContext, modelId: string) {
  let q = trx.selectFrom('models').selectAll().where('id', '=', modelId);
  if (ctx.store.capabilities.rowLocks) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(`model ${modelId} does not exist`);
  return row;
}

/**
 * Refuses to archive a version whose retirement grace period is still running, that is the
 * model's rollback target (the previous champion is kept so that rollback stays one call), or that
 * still has an active deployment (an archived version must not be recorded as running anywhere).
 */
export async function assertArchivable(
  trx: Executor,
  model: { name: string; previous_champion_version_id: string | null },
  version: { id: string; version: string },
  now: Date,
): Promise<void> {
  const retirement = await trx
    .selectFrom('version_retirements')
    .select('archive_after')
    .where('version_id', '=', version.id)
    .executeTakeFirst();
  if (retirement && retirement.archive_after > now.toISOString())
    throw conflict(
      `${model.name}@${version.version} is in its retirement grace period until ${retirement.archive_after}; it can be archived from then on`,
      'to',
      { archiveAfter: retirement.archive_after },
    );
  if (model.previous_champion_version_id === version.id)
    throw conflict(
      `${model.name}@${version.version} is the previous champion, kept for rollback; promote another version first`,
      'to',
    );
  const running = await activeDeploymentsOf(trx, [version.id]);
  if (running.length > 0)
    throw conflict(
      `${model.name}@${version.version} is still deployed: ${running
        .map((d) => `${d.id} (${d.environment} / ${d.target})`)
        .join(', ')}; end these deployments before archiving`,
      'to',
      { deployments: running },
    );
}

export interface StageChange {
  modelId: string;
  versionId: string;
  from: Stage;
  to: Stage;
  reason: string;
  changeRequestId: string | null;
}

/**
 * Moves a version between stages inside the caller's transaction, with its audit entries. Promotion
 * to production makes the version its model's one champion: the old champion becomes the previous
 * champion (kept for rollback) and moves to deprecated. Leaving production clears the champion.
 */
export async function applyStageChange(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  change: StageChange,
): Promise<void> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const model = await lockModelRow(trx, ctx, change.modelId);
  const version = await trx
    .selectFrom('model_versions')
    .select(['id', 'version', 'stage'])
    .where('id', '=', change.versionId)
    .executeTakeFirst();
  if (!version) throw notFound(`version ${change.versionId} does not exist`);
  const subject = `model:${model.name}@${version.version}`;
  if (version.stage !== change.from)
    throw conflict(
      `${model.name}@${version.version} is now in ${version.stage}, not ${change.from}; this change can no longer execute`,
      'from',
    );
  assertTransition(change.from, change.to);
  if (change.to === 'archived') await assertArchivable(trx, model, version, now);

  await updateVersion(trx, version.id, { stage: change.to, updated_at: nowIso });
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'version.stage_changed',
    subject,
    requestId: actor.requestId,
    change: {
      from: change.from,
      to: change.to,
      reason: change.reason,
      changeRequestId: change.changeRequestId,
    },
  });

  if (change.to === 'production') {
    const old = model.champion_version_id;
    let oldVersion: string | null = null;
    if (old !== null && old !== version.id) {
      const superseded = await trx
        .selectFrom('model_versions')
        .select(['version', 'stage'])
        .where('id', '=', old)
        .executeTakeFirst();
      oldVersion = superseded?.version ?? null;
      if (superseded && superseded.stage === 'production') {
        await updateVersion(trx, old, { stage: 'deprecated', updated_at: nowIso });
        await ctx.audit.append(trx, {
          actor: actor.principal.name,
          action: 'version.stage_changed',
          subject: `model:${model.name}@${superseded.version}`,
          requestId: actor.requestId,
          change: {
            from: 'production',
            to: 'deprecated',
            reason: `superseded by ${version.version}`,
            changeRequestId: change.changeRequestId,
          },
        });
      }
    }
    const previous = old !== null && old !== version.id ? old : model.previous_champion_version_id;
    await updateModel(trx, model.id, {
      champion_version_id: version.id,
      previous_champion_version_id: previous === version.id ? null : previous,
      updated_at: nowIso,
    });
    const payload = {
      model: model.name,
      version: version.version,
      previousChampion: oldVersion,
      reason: change.reason,
      changeRequestId: change.changeRequestId,
    };
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'model.promoted',
      subject: `model:${model.name}`,
      requestId: actor.requestId,
      change: payload,
    });
    await enqueueEvent(trx, ctx, { type: 'model.promoted', subject, payload });
  } else if (change.from === 'production' && model.champion_version_id === version.id) {
    await updateModel(trx, model.id, { champion_version_id: null, updated_at: nowIso });
  }
}

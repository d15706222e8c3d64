import { conflict, forbidden } from '../core/errors.js';
import type { AppContext } from '../http/context.js';
import { approvalRequirements, getActivePolicy, rollbackPolicy } from '../policy/index.js';
import { updateModel } from '../registry/model.repository.js';
import { requireModel, type Actor } from '../registry/registry.service.js';
import { updateVersion } from '../registry/version.repository.js';
import { enqueueEvent } from '../webhooks/index.js';
import { getChangeRequest, openChangeRequest } from './change-request.service.js';
import type { ChangeRequest } from './change-request.schema.js';
import { lockModelRow } from './stage-change.js';

export interface RollbackResult {
  model: string;
  rolledBackVersion: string | null;
  restoredVersion: string;
  reason: string;
  reviewRequest: ChangeRequest | null;
}

/**
 * The emergency path: restores the previous champion at once, without prior approval, for a
 * principal holding a role the policy allows. The version rolled back from moves to deprecated
 * (recorded with the reason) and the restored one becomes champion; the model then has no previous
 * champion until the next promotion, so a rollback cannot be bounced back by another rollback.
 * When the policy asks for approval after the fact, a `rollback_review` request is opened.
 */
export async function rollbackModel(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  reason: string,
): Promise<RollbackResult> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const model = await requireModel(trx, modelName);
    const row = await lockModelRow(trx, ctx, model.id);
    const policy = await getActivePolicy(trx);
    const rules = rollbackPolicy(policy.document, model.riskTier);
    if (!rules.roles.some((r) => actor.principal.roles.includes(r)))
      throw forbidden(
        `rolling back a tier-${model.riskTier} model needs one of the roles ${rules.roles.join(', ')}; ${actor.principal.name} holds ${actor.principal.roles.join(', ')}`,
      );
    const previousId = row.previous_champion_version_id;
    if (previousId === null)
      throw conflict(`model "${modelName}" has no previous champion to roll back to`, 'name');
    const previous = await trx
      .selectFrom('model_versions')
      .select(['id', 'version', 'stage'])
      .where('id', '=', previousId)
      .executeTakeFirstOrThrow();
    if (previous.stage !== 'deprecated')
      throw conflict(
        `the previous champion ${modelName}@${previous.version} is in ${previous.stage}; it can only be restored from deprecated`,
        'name',
      );
    const current = row.champion_version_id
      ? await trx
          .selectFrom('model_versions')
          .select(['id', 'version', 'stage'])
          .where('id', '=', row.champion_version_id)
          .executeTakeFirst()
      : undefined;
    const nowIso = ctx.now().toISOString();
    if (current && current.stage === 'production') {
      await updateVersion(trx, current.id, { stage: 'deprecated', updated_at: nowIso });
      await ctx.audit.append(trx, {
        actor: actor.principal.name,
        action: 'version.stage_changed',
        subject: `model:${modelName}@${current.version}`,
        requestId: actor.requestId,
        change: { from: 'production', to: 'deprecated', reason: `rolled back: ${reason}` },
      });
    }
    await updateVersion(trx, previous.id, { stage: 'production', updated_at: nowIso });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'version.stage_changed',
      subject: `model:${modelName}@${previous.version}`,
      requestId: actor.requestId,
      change: { from: 'deprecated', to: 'production', reason: `restored by rollback: ${reason}` },
    });
    await updateModel(trx, model.id, {
      champion_version_id: previous.id,
      previous_champion_version_id: null,
      updated_at: nowIso,
    });
    const payload = {
      model: modelName,
      rolledBackVersion: current?.version ?? null,
      restoredVersion: previous.version,
      reason,
    };
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'model.rolled_back',
      subject: `model:${modelName}`,
      requestId: actor.requestId,
      change: { ...payload, approvalAfterTheFact: rules.approvalAfterTheFact },
    });
    await enqueueEvent(trx, ctx, { type: 'model.rolled_back', subject: `model:${modelName}`, payload });
    let reviewId: string | null = null;
    if (rules.approvalAfterTheFact) {
      // The review asks whoever would have approved putting this version into production.
      const direct = approvalRequirements(policy.document, model.riskTier, 'deprecated', 'production');
      const required =
        direct.length > 0
          ? direct
          : approvalRequirements(policy.document, model.riskTier, 'staging', 'production');
      reviewId = await openChangeRequest(trx, ctx, actor, {
        kind: 'rollback_review',
        modelId: model.id,
        modelName,
        versionId: previous.id,
        version: previous.version,
        from: 'deprecated',
        to: 'production',
        reason: `review of rollback: ${reason}`,
        evidence: [],
        required,
        requiredLevel: null,
        payload,
        policyVersion: policy.version,
      });
    }
    return { payload, reviewId };
  });
  return {
    ...result.payload,
    reviewRequest: result.reviewId ? await getChangeRequest(ctx, result.reviewId) : null,
  };
}

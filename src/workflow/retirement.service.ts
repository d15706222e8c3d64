import { conflict, invalidInput, WardenError } from '../core/errors.js';
import type { AppContext } from '../http/context.js';
import { approvalRequirements, getActivePolicy, retirementPolicy } from '../policy/index.js';
import { requireModel, requireVersion, type Actor } from '../registry/registry.service.js';
import { getChangeRequest, openChangeRequest } from './change-request.service.js';
import { findOpenRequestForVersion } from './change-request.repository.js';
import type { ChangeRequest, RetireInput } from './change-request.schema.js';
import { allowedTargets } from './lifecycle.js';
import {
  announceRetirement,
  assertReplacementStage,
  assessImpact,
  type RetirementImpact,
} from './retirement.js';
import { lockModelRow } from './stage-change.js';

export interface RetirementResult {
  /** announced: in effect now; awaiting_approval: a retirement change request was opened. */
  status: 'announced' | 'awaiting_approval';
  impact: RetirementImpact;
  changeRequest: ChangeRequest | null;
}

const RETIRABLE = new Set(['production', 'deprecated']);

/**
 * Retires one version (`version` given) or every version of a model still in production or
 * deprecated. Produces the impact assessment; tiers whose policy needs approval get a `retirement`
 * change request, the others are announced at once.
 */
export async function retire(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  version: string | null,
  input: RetireInput,
): Promise<RetirementResult> {
  const out = await ctx.db.transaction().execute(async (trx) => {
    const model = await requireModel(trx, modelName);
    await lockModelRow(trx, ctx, model.id);
    let targets: Array<{ id: string; version: string; stage: string }>;
    if (version !== null) {
      const v = await requireVersion(trx, modelName, version);
      if (!RETIRABLE.has(v.stage))
        throw new WardenError(
          'invalid_transition',
          `only a version in production or deprecated can be retired; ${modelName}@${version} is in ${v.stage}`,
          'version',
          {
            from: v.stage,
            to: 'deprecated',
            allowed: allowedTargets(v.stage).map((to) => ({ from: v.stage, to })),
          },
        );
      targets = [{ id: v.id, version: v.version, stage: v.stage }];
    } else {
      targets = await trx
        .selectFrom('model_versions')
        .select(['id', 'version', 'stage'])
        .where('model_id', '=', model.id)
        .where('stage', 'in', [...RETIRABLE])
        .orderBy('id')
        .execute();
    }
    const retired = new Set(
      (
        await trx
          .selectFrom('version_retirements')
          .select('version_id')
          .where('model_id', '=', model.id)
          .execute()
      ).map((r) => r.version_id),
    );
    if (version !== null && retired.has(targets[0]!.id))
      throw conflict(`${modelName}@${version} is already retired`, 'version');
    targets = targets.filter((t) => !retired.has(t.id));
    if (targets.length === 0)
      throw conflict(
        `model "${modelName}" has no version in production or deprecated left to retire`,
        'name',
      );
    for (const t of targets) {
      const open = await findOpenRequestForVersion(trx, t.id);
      if (open)
        throw conflict(
          `${modelName}@${t.version} has an open change request ${open.id}; decide or withdraw it first`,
        );
    }
    let replacementVersionId: string | null = null;
    if (input.replacementVersion !== undefined) {
      const r = await requireVersion(trx, modelName, input.replacementVersion).catch(() => {
        throw invalidInput(
          `replacement ${modelName}@${input.replacementVersion} does not exist`,
          'replacementVersion',
        );
      });
      if (targets.some((t) => t.id === r.id))
        throw invalidInput(
          `replacementVersion: ${modelName}@${r.version} is itself being retired`,
          'replacementVersion',
        );
      assertReplacementStage(modelName, r.version, r.stage);
      replacementVersionId = r.id;
    } else {
      const championId = (
        await trx
          .selectFrom('models')
          .select('champion_version_id')
          .where('id', '=', model.id)
          .executeTakeFirstOrThrow()
      ).champion_version_id;
      if (championId !== null && !targets.some((t) => t.id === championId)) replacementVersionId = championId;
    }
    const order = {
      modelId: model.id,
      scope: version !== null ? ('version' as const) : ('model' as const),
      versionIds: targets.map((t) => t.id),
      replacementVersionId,
      reason: input.reason,
    };
    const policy = await getActivePolicy(trx);
    const rules = retirementPolicy(policy.document, model.riskTier);
    if (!rules.needsApproval) {
      const impact = await announceRetirement(trx, ctx, actor, { ...order, changeRequestId: null });
      return { status: 'announced' as const, impact, changeRequestId: null };
    }
    const impact = await assessImpact(trx, ctx, order);
    const single = targets.length === 1 ? targets[0]! : undefined;
    const id = await openChangeRequest(trx, ctx, actor, {
      kind: 'retirement',
      modelId: model.id,
      modelName,
      versionId: version !== null && single ? single.id : null,
      version: version !== null && single ? single.version : null,
      from: version !== null && single ? (single.stage as 'production' | 'deprecated') : null,
      to: 'deprecated',
      reason: input.reason,
      evidence: [],
      required: approvalRequirements(policy.document, model.riskTier, 'production', 'deprecated'),
      requiredLevel: null,
      payload: { order, impact },
      policyVersion: policy.version,
    });
    const executed =
      (
        await trx
          .selectFrom('change_requests')
          .select('status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).status === 'executed';
    return {
      status: executed ? ('announced' as const) : ('awaiting_approval' as const),
      impact,
      changeRequestId: id,
    };
  });
  return {
    status: out.status,
    impact: out.impact,
    changeRequest: out.changeRequestId ? await getChangeRequest(ctx, out.changeRequestId) : null,
  };
}

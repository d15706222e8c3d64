import { conflict } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { approvalVotes, getActivePolicy, governanceChangeVotes } from '../policy/index.js';
import type { Model, PatchModelInput } from '../registry/model.schema.js';
import { applyModelPatch, checkModelPatch, requireModel, type Actor } from '../registry/registry.service.js';
import type { Stage } from '../registry/version.schema.js';
import type { RoleRequirement } from './approval-rules.js';
import { getChangeRequest, openChangeRequest } from './change-request.service.js';
import type { ChangeRequest } from './change-request.schema.js';
import type { GovernancePayload } from './change-request.execute.js';
import { lockModelRow } from './stage-change.js';

/**
 * The ways a model patch loosens a control (pure): a lower risk tier (a higher tier number),
 * a changed owner (the current owner is removed), a consumer removed. Empty when it only
 * tightens or describes.
 */
export function modelPatchLoosenings(before: Model, patch: PatchModelInput): string[] {
  const out: string[] = [];
  if (patch.riskTier !== undefined && patch.riskTier > before.riskTier)
    out.push(`risk tier lowered from ${before.riskTier} to ${patch.riskTier}`);
  if (patch.owner !== undefined && patch.owner !== before.owner)
    out.push(`owner ${before.owner} removed (replaced by ${patch.owner})`);
  if (patch.consumers !== undefined) {
    const kept = new Set(patch.consumers.map((c) => c.name));
    for (const c of before.consumers) if (!kept.has(c.name)) out.push(`consumer ${c.name} removed`);
  }
  return out;
}

/** Merges two requirement lists role by role, keeping the larger count and body and any veto. */
function stricterRequirements(
  a: readonly RoleRequirement[],
  b: readonly RoleRequirement[],
): RoleRequirement[] {
  const out = a.map((r) => ({ ...r }));
  for (const r of b) {
    const same = out.find((o) => o.role === r.role);
    if (!same) out.push({ ...r });
    else {
      same.count = Math.max(same.count, r.count);
      same.of = Math.max(same.of ?? same.count, r.of ?? r.count);
      same.veto = same.veto === true || r.veto === true;
    }
  }
  return out;
}

const LEVEL_RANK: Record<string, number> = { smoke: 1, regression: 2, full: 3 };

/**
 * After a model's tier was raised at once: every open transition request opened under the
 * lower tier now needs the stricter of its own approvals and the new tier's, and the more
 * thorough validation level. Audited per request.
 */
async function raiseOpenRequests(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  model: Model,
  fromTier: number,
): Promise<void> {
  const open = await trx
    .selectFrom('change_requests')
    .selectAll()
    .where('model_id', '=', model.id)
    .where('kind', '=', 'transition')
    .where('status', 'in', ['requested', 'in_review', 'approved'])
    .execute();
  if (open.length === 0) return;
  const policy = await getActivePolicy(trx);
  for (const row of open) {
    const current = JSON.parse(row.required) as RoleRequirement[];
    const required = stricterRequirements(
      current,
      approvalVotes(policy.document, model.riskTier, row.from_stage as Stage, row.to_stage as Stage),
    );
    const payload = JSON.parse(row.payload) as { bump?: string | null };
    const tierLevel =
      payload.bump && (row.to_stage === 'approved' || row.to_stage === 'production')
        ? (policy.document.tiers[String(model.riskTier) as '1'].validation.levelFor[
            payload.bump as 'major'
          ] ?? null)
        : null;
    const level =
      (LEVEL_RANK[tierLevel ?? ''] ?? 0) > (LEVEL_RANK[row.required_level ?? ''] ?? 0)
        ? tierLevel
        : row.required_level;
    await trx
      .updateTable('change_requests')
      .set({
        required: JSON.stringify(required),
        required_level: level,
        status: row.status === 'approved' ? 'in_review' : row.status,
        updated_at: ctx.now().toISOString(),
      })
      .where('id', '=', row.id)
      .execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'change_request.requirements_raised',
      subject: `change_request:${row.id}`,
      requestId: actor.requestId,
      change: { id: row.id, fromTier, toTier: model.riskTier, required, requiredValidationLevel: level },
    });
  }
}

/** The outcome of a model patch: applied at once, or held in a governance change request. */
export type ModelChangeResult =
  { applied: true; model: Model } | { applied: false; changeRequest: ChangeRequest };

/**
 * Changes a model. A patch that loosens a control (lower tier, owner or consumer removed) is not
 * applied: it opens a `governance_change` request needing the policy's `governanceChanges`
 * approvals for the stricter tier, and is applied when that request executes. Anything else
 * applies at once; a raised tier also raises what open promotion requests need.
 */
export async function changeModel(
  ctx: AppContext,
  actor: Actor,
  name: string,
  input: PatchModelInput,
): Promise<ModelChangeResult> {
  const findings = await checkModelPatch(ctx, input);
  const result = await ctx.db.transaction().execute(async (trx) => {
    const before = await requireModel(trx, name);
    await lockModelRow(trx, ctx, before.id);
    const pending = await trx
      .selectFrom('change_requests')
      .select('id')
      .where('model_id', '=', before.id)
      .where('kind', '=', 'governance_change')
      .where('status', 'in', ['requested', 'in_review', 'approved'])
      .executeTakeFirst();
    const governs =
      input.riskTier !== undefined || input.owner !== undefined || input.consumers !== undefined;
    if (pending && governs)
      throw conflict(
        `model "${name}" has a pending governance change ${pending.id}; it must be decided or withdrawn before its tier, owner or consumers change again`,
        'riskTier',
        { changeRequestId: pending.id },
      );
    const loosenings = modelPatchLoosenings(before, input);
    if (loosenings.length === 0) {
      const model = await applyModelPatch(trx, ctx, actor, name, input, findings);
      if (model.riskTier < before.riskTier) await raiseOpenRequests(trx, ctx, actor, model, before.riskTier);
      return { applied: true as const, model };
    }
    const policy = await getActivePolicy(trx);
    const stricter = Math.min(before.riskTier, input.riskTier ?? before.riskTier);
    const payload: GovernancePayload = {
      fact: 'model',
      patch: input,
      loosenings,
      before: {
        riskTier: before.riskTier,
        owner: before.owner,
        consumers: before.consumers.map((c) => c.name),
      },
    };
    const id = await openChangeRequest(trx, ctx, actor, {
      kind: 'governance_change',
      modelId: before.id,
      modelName: name,
      versionId: null,
      version: null,
      from: null,
      to: null,
      reason: `governance change of ${name}: ${loosenings.join('; ')}`,
      evidence: [],
      required: governanceChangeVotes(policy.document, stricter),
      requiredLevel: null,
      payload: payload as unknown as Record<string, unknown>,
      policyVersion: policy.version,
    });
    return { applied: false as const, id };
  });
  if (result.applied) return result;
  return { applied: false, changeRequest: await getChangeRequest(ctx, result.id) };
}

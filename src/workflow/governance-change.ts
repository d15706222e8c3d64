import { auditRefusals } from '../audit/index.js';
import { conflict } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { approvalVotes, getActivePolicy, governanceChangeVotes } from '../policy/index.js';
import type { MonitoringConfigInput } from '../monitoring/monitoring-config.js';
import {
  monitoringConfigLoosenings,
  sameMonitoringConfig,
  stricterMonitoringConfig,
} from '../monitoring/monitoring-governance.js';
import {
  checkMonitoringConfig,
  getMonitoringConfig,
  readStoredMonitoringConfig,
  storeMonitoringConfig,
  type MonitoringConfigView,
} from '../monitoring/monitoring.results.js';
import { requireHeldModel } from '../registry/legal-hold.service.js';
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

/**
 * The open governance change request of a model for one governed fact, if any; for a version's
 * fact (its reason codes), the request of that version.
 */
async function pendingGovernanceChange(
  trx: Executor,
  modelId: string,
  fact: GovernancePayload['fact'],
  versionId?: string,
): Promise<{ id: string } | undefined> {
  let q = trx
    .selectFrom('change_requests')
    .select(['id', 'payload'])
    .where('model_id', '=', modelId)
    .where('kind', '=', 'governance_change')
    .where('status', 'in', ['requested', 'in_review', 'approved']);
  if (versionId !== undefined) q = q.where('version_id', '=', versionId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.find((r) => (JSON.parse(r.payload) as GovernancePayload).fact === fact);
}

/**
 * The open request changing a version's reason codes, if any. Call it with the model's row locked
 * ({@link lockModelForGovernance}), so two changes asked for at once find each other.
 */
export function pendingReasonCodeChange(
  trx: Executor,
  modelId: string,
  versionId: string,
): Promise<{ id: string } | undefined> {
  return pendingGovernanceChange(trx, modelId, 'reason-codes', versionId);
}

/**
 * Locks a model's row for the rest of the transaction (PostgreSQL; a SQLite write transaction
 * already excludes others), as stage changes do: a governed change of one of its versions then
 * sees the version's stage and its pending requests as they stay until it commits.
 */
export async function lockModelForGovernance(trx: Executor, ctx: AppContext, modelId: string): Promise<void> {
  await lockModelRow(trx, ctx, modelId);
}

/**
 * Opens a `governance_change` request holding a change of a production version's reason codes,
 * inside the caller's transaction (the model's row locked, no request pending for them). It needs
 * the policy's `governanceChanges` approvals for the model's tier; the version's authors may not
 * approve it, nor may its requester. Returns the request's id; the explanations' reaction stores
 * the table when it executes.
 */
export function openReasonCodeChange(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  change: VersionGovernanceChange<Extract<GovernancePayload, { fact: 'reason-codes' }>>,
): Promise<string> {
  const { model, version, payload } = change;
  return openVersionGovernanceChange(
    trx,
    ctx,
    actor,
    change,
    `reason-code change of ${model.name}@${version.version}: ${payload.changes.join('; ')}`,
  );
}

/**
 * The open request holding a rollout of a model whose analysis is looser than its tier's policy,
 * if any. Call it with the model's row locked.
 */
export function pendingRolloutPlanChange(
  trx: Executor,
  modelId: string,
): Promise<{ id: string } | undefined> {
  return pendingGovernanceChange(trx, modelId, 'rollout');
}

/**
 * Opens a `governance_change` request holding a rollout whose plan loosens the tier's policy,
 * inside the caller's transaction (the model's row locked, no such request pending). It needs the
 * policy's `governanceChanges` approvals for the model's tier; the candidate's authors may not
 * approve it, nor may its requester. Returns the request's id; the rollouts' reaction starts the
 * rollout with the plan held when it executes.
 */
export function openRolloutPlanChange(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  change: VersionGovernanceChange<Extract<GovernancePayload, { fact: 'rollout' }>>,
): Promise<string> {
  const { model, version, payload } = change;
  return openVersionGovernanceChange(
    trx,
    ctx,
    actor,
    change,
    `${payload.strategy} rollout of ${model.name}@${version.version} looser than the tier's policy: ${payload.loosenings.join('; ')}`,
  );
}

/** A governance change held on one version of a model. */
interface VersionGovernanceChange<P extends GovernancePayload> {
  model: { id: string; name: string; riskTier: number };
  version: { id: string; version: string };
  payload: P;
}

/**
 * Opens a `governance_change` request on a version, needing the policy's `governanceChanges`
 * approvals for the model's tier: no stage move, evidence or validation level.
 */
async function openVersionGovernanceChange(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  change: VersionGovernanceChange<GovernancePayload>,
  reason: string,
): Promise<string> {
  const policy = await getActivePolicy(trx);
  const { model, version, payload } = change;
  return openChangeRequest(trx, ctx, actor, {
    kind: 'governance_change',
    modelId: model.id,
    modelName: model.name,
    versionId: version.id,
    version: version.version,
    from: null,
    to: null,
    evidence: [],
    requiredLevel: null,
    reason,
    required: governanceChangeVotes(policy.document, model.riskTier),
    payload,
    policyVersion: policy.version,
  });
}

/** Opens a `governance_change` request on a model: no version, stage move, evidence or validation level. */
function openGovernanceChange(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  change: {
    modelId: string;
    modelName: string;
    reason: string;
    required: Parameters<typeof openChangeRequest>[3]['required'];
    payload: GovernancePayload;
    policyVersion: number;
  },
): Promise<string> {
  return openChangeRequest(trx, ctx, actor, {
    kind: 'governance_change',
    versionId: null,
    version: null,
    from: null,
    to: null,
    evidence: [],
    requiredLevel: null,
    ...change,
  });
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
  const result = await auditRefusals(
    ctx,
    {
      actor: actor.principal.name,
      requestId: actor.requestId,
      action: 'model.change_refused',
      subject: `model:${name}`,
    },
    () =>
      ctx.db.transaction().execute(async (trx) => {
        const before = await requireModel(trx, name);
        await lockModelRow(trx, ctx, before.id);
        const pending = await pendingGovernanceChange(trx, before.id, 'model');
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
          if (model.riskTier < before.riskTier)
            await raiseOpenRequests(trx, ctx, actor, model, before.riskTier);
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
        const id = await openGovernanceChange(trx, ctx, actor, {
          modelId: before.id,
          modelName: name,
          reason: `governance change of ${name}: ${loosenings.join('; ')}`,
          required: governanceChangeVotes(policy.document, stricter),
          payload: payload,
          policyVersion: policy.version,
        });
        return { applied: false as const, id };
      }),
  );
  if (result.applied) return result;
  return { applied: false, changeRequest: await getChangeRequest(ctx, result.id) };
}

/** The outcome of a monitoring configuration change: applied at once, or held in a change request. */
export type MonitoringConfigChangeResult =
  { applied: true; config: MonitoringConfigView } | { applied: false; changeRequest: ChangeRequest };

/**
 * Replaces a model's monitoring configuration. A configuration that loosens a control (a raised
 * threshold, a longer or disabled cadence, …; {@link monitoringConfigLoosenings}) is not stored as
 * asked: the stricter of the old and new value of each control is stored at once (so tightenings
 * and plain settings apply), and a `governance_change` request needing the policy's
 * `governanceChanges` approvals holds the rest, storing the configuration asked for when it executes.
 */
export async function changeMonitoringConfig(
  ctx: AppContext,
  actor: Actor,
  name: string,
  input: MonitoringConfigInput,
): Promise<MonitoringConfigChangeResult> {
  checkMonitoringConfig(ctx, input);
  const result = await auditRefusals(
    ctx,
    {
      actor: actor.principal.name,
      requestId: actor.requestId,
      action: 'monitoring.config_change_refused',
      subject: `model:${name}`,
    },
    () =>
      ctx.db.transaction().execute(async (trx) => {
        const model = await requireModel(trx, name);
        await lockModelRow(trx, ctx, model.id);
        const pending = await pendingGovernanceChange(trx, model.id, 'monitoring-config');
        if (pending)
          throw conflict(
            `model "${name}" has a pending monitoring configuration change ${pending.id}; it must be decided or withdrawn before the configuration changes again`,
            'config',
            { changeRequestId: pending.id },
          );
        const policy = await getActivePolicy(trx);
        const before = await readStoredMonitoringConfig(trx, model.id);
        const versions = (
          await trx
            .selectFrom('model_versions')
            .select(['version', 'metrics'])
            .where('model_id', '=', model.id)
            .execute()
        ).map((v) => ({ version: v.version, metrics: JSON.parse(v.metrics) as Record<string, number> }));
        const loosenings = monitoringConfigLoosenings(
          policy.document,
          model.riskTier,
          before,
          input,
          versions,
        );
        if (loosenings.length === 0) {
          await storeMonitoringConfig(trx, ctx, actor, model, input);
          return { applied: true as const };
        }
        const interim = stricterMonitoringConfig(policy.document, model.riskTier, before, input, versions);
        if (!sameMonitoringConfig(interim, before))
          await storeMonitoringConfig(trx, ctx, actor, model, interim, { heldForApproval: loosenings });
        const payload: GovernancePayload = { fact: 'monitoring-config', config: input, loosenings, before };
        const id = await openGovernanceChange(trx, ctx, actor, {
          modelId: model.id,
          modelName: name,
          reason: `monitoring configuration change of ${name}: ${loosenings.join('; ')}`,
          required: governanceChangeVotes(policy.document, model.riskTier),
          payload: payload,
          policyVersion: policy.version,
        });
        return { applied: false as const, id };
      }),
  );
  if (result.applied) return { applied: true, config: await getMonitoringConfig(ctx.db, name) };
  return { applied: false, changeRequest: await getChangeRequest(ctx, result.id) };
}

/**
 * Asks to lift a model's legal hold. Lifting loosens a control, so it is never done at once: it
 * opens a `governance_change` request needing the policy's `governanceChanges` approvals plus
 * legal, and the hold is lifted when that request executes.
 */
export async function requestLegalHoldLift(
  ctx: AppContext,
  actor: Actor,
  name: string,
  reason: string | undefined,
): Promise<ChangeRequest> {
  const id = await auditRefusals(
    ctx,
    {
      actor: actor.principal.name,
      requestId: actor.requestId,
      action: 'legal_hold.lift_refused',
      subject: `model:${name}`,
    },
    () =>
      ctx.db.transaction().execute(async (trx) => {
        const model = await requireHeldModel(trx, ctx, name);
        const pending = await pendingGovernanceChange(trx, model.id, 'legal-hold');
        if (pending)
          throw conflict(
            `lifting the legal hold of "${name}" is already asked for in change request ${pending.id}`,
            'name',
            { changeRequestId: pending.id },
          );
        const policy = await getActivePolicy(trx);
        const loosening = `legal hold placed ${model.legalHold!.placedAt} by ${model.legalHold!.placedBy} lifted`;
        const payload: GovernancePayload = {
          fact: 'legal-hold',
          loosenings: [loosening],
          hold: model.legalHold,
        };
        return openGovernanceChange(trx, ctx, actor, {
          modelId: model.id,
          modelName: name,
          reason: `governance change of ${name}: ${loosening}${reason ? ` (${reason})` : ''}`,
          required: stricterRequirements(governanceChangeVotes(policy.document, model.riskTier), [
            { role: 'legal', count: 1 },
          ]),
          payload: payload,
          policyVersion: policy.version,
        });
      }),
  );
  return getChangeRequest(ctx, id);
}

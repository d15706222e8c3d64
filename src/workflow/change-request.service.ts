import type { Role } from '../auth/roles.js';
import { canonicalJson } from '../core/canonical-json.js';
import { sql } from 'kysely';
import { conflict, forbidden, invalidInput, notFound, WardenError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import {
  approvalVotes,
  getActivePolicy,
  parsePolicyDocument,
  policyChangeApprovals,
  requiredValidationLevel,
  type ValidationLevel,
} from '../policy/index.js';
import { requireModel, requireVersion, type Actor } from '../registry/registry.service.js';
import type { Stage } from '../registry/version.schema.js';
import { gateBump } from '../registry/version-bump.js';
import { lockRunRow } from '../validation/index.js';
import { enqueueEvent } from '../webhooks/index.js';
import {
  approvalProgress,
  isOpen,
  refuseDecision,
  voteOutcome,
  type ChangeRequestStatus,
  type RoleRequirement,
} from './approval-rules.js';
import { executeChangeRequestEffect, type PolicyPayload } from './change-request.execute.js';
import {
  findChangeRequestRow,
  findDecisions,
  findExpiredOpenRequests,
  findOpenRequestForVersion,
  findOpenRequestsHoldingRun,
  insertChangeRequest,
  insertDecision,
  listChangeRequestRows,
  parseEvidence,
  parseRequired,
  updateStatusIf,
  type ChangeRequestFilter,
  type ChangeRequestRow,
  type DecisionRow,
} from './change-request.repository.js';
import type {
  ChangeRequest,
  ChangeRequestKind,
  DecisionInput,
  Minutes,
  OpenTransitionInput,
  PolicyProposalInput,
  TransitionPreview,
} from './change-request.schema.js';
import { checkEvidenceBelongs, findVersionAuthors, missingEvidence } from './evidence.js';
import { buildMinutes } from './minutes.js';
import { allowedTargets, assertTransition, isAllowedTransition } from './lifecycle.js';
import { awaitsRollout } from './production-rollout.js';
import { assertArchivable, lockModelRow } from './stage-change.js';

/** How long a change request stays open before it expires. */
export const CHANGE_REQUEST_TTL_DAYS = 30;
const DAY_MS = 86_400_000;

/** Validation evidence is demanded where a version is approved for, or put into, production. */
export function needsEvidence(to: Stage): boolean {
  return to === 'approved' || to === 'production';
}

function subjectOf(row: Pick<ChangeRequestRow, 'id'>): string {
  return `change_request:${row.id}`;
}

/** The API view of a stored request; evidence still missing is computed for open requests only. */
export async function toChangeRequest(
  db: Executor,
  row: ChangeRequestRow,
  decisions: DecisionRow[],
  now: Date,
): Promise<ChangeRequest> {
  const status = row.status as ChangeRequestStatus;
  const evidence = parseEvidence(row);
  const mine = decisions.filter((d) => d.change_request_id === row.id);
  const recorded = mine.map((d) => ({
    principal: d.principal,
    role: d.role,
    decision: d.decision as 'approve' | 'reject',
  }));
  return {
    id: row.id,
    kind: row.kind as ChangeRequestKind,
    model: row.model_name,
    version: row.version,
    from: row.from_stage,
    to: row.to_stage,
    status,
    requestedBy: row.requested_by,
    reason: row.reason,
    evidence,
    requiredValidationLevel: row.required_level,
    required: approvalProgress(parseRequired(row), recorded),
    missingEvidence: isOpen(status)
      ? await missingEvidence(db, row.required_level as ValidationLevel | null, evidence, now)
      : [],
    decisions: mine.map((d) => ({
      principal: d.principal,
      role: d.role,
      decision: d.decision as 'approve' | 'reject',
      comment: d.comment,
      createdAt: d.created_at,
    })),
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    policyVersion: row.policy_version === null ? null : Number(row.policy_version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    closedAt: row.closed_at,
    executedAt: row.executed_at,
  };
}

async function view(db: Executor, id: string, now: Date): Promise<ChangeRequest> {
  const row = await findChangeRequestRow(db, id);
  if (!row) throw notFound(`change request "${id}" does not exist`);
  return toChangeRequest(db, row, await findDecisions(db, [id]), now);
}

async function lockRequest(trx: Executor, ctx: AppContext, id: string): Promise<ChangeRequestRow> {
  const row = await findChangeRequestRow(trx, id, ctx.store.capabilities.rowLocks);
  if (!row) throw notFound(`change request "${id}" does not exist`);
  return row;
}

/**
 * Executes the request when every required role has its approvals and the evidence passes; marks it
 * approved when only evidence is missing. Runs inside the transaction that holds the request's lock;
 * the conditional status update is the last guard against executing twice.
 */
async function advance(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  id: string,
  trigger?: Record<string, unknown>,
): Promise<void> {
  const row = (await findChangeRequestRow(trx, id))!;
  const status = row.status as ChangeRequestStatus;
  if (!isOpen(status)) return;
  const decisions = await findDecisions(trx, [id]);
  const nowIso = ctx.now().toISOString();
  const recorded = decisions.map((d) => ({
    principal: d.principal,
    role: d.role,
    decision: d.decision as 'approve' | 'reject',
  }));
  const outcome = voteOutcome(parseRequired(row), recorded);
  if (outcome === 'failed') {
    const closed = await updateStatusIf(trx, id, status, {
      status: 'rejected',
      updated_at: nowIso,
      closed_at: nowIso,
    });
    if (!closed) throw conflict('the change request changed while this decision was recorded; read it again');
    return;
  }
  if (outcome === 'pending') {
    if (status === 'requested' && decisions.length > 0)
      await updateStatusIf(trx, id, status, { status: 'in_review', updated_at: nowIso });
    return;
  }
  const missing = await missingEvidence(
    trx,
    row.required_level as ValidationLevel | null,
    parseEvidence(row),
    ctx.now(),
  );
  if (missing.length > 0 || (trigger?.rollout === undefined && (await awaitsRollout(trx, row)))) {
    if (status !== 'approved')
      await updateStatusIf(trx, id, status, { status: 'approved', updated_at: nowIso });
    return;
  }
  const claimed = await updateStatusIf(trx, id, status, {
    status: 'executed',
    updated_at: nowIso,
    executed_at: nowIso,
    closed_at: nowIso,
  });
  if (!claimed) throw conflict('the change request changed while this decision was recorded; read it again');
  await executeChangeRequestEffect(trx, ctx, actor, row);
  for (const reaction of ctx.changeRequestReactions)
    await reaction.onExecuted(trx, ctx, {
      id,
      kind: row.kind,
      modelId: row.model_id,
      modelName: row.model_name,
      versionId: row.version_id,
      version: row.version,
      from: row.from_stage,
      to: row.to_stage,
      requestedBy: row.requested_by,
      payload: JSON.parse(row.payload) as Record<string, unknown>,
      actor: actor.principal.name,
      requestId: actor.requestId,
    });
  const payload = {
    id,
    kind: row.kind,
    model: row.model_name,
    version: row.version,
    from: row.from_stage,
    to: row.to_stage,
    approvedBy: recorded.filter((d) => d.decision === 'approve'),
    ...(trigger ? { trigger } : {}),
  };
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'change_request.executed',
    subject: subjectOf(row),
    requestId: actor.requestId,
    change: payload,
  });
  await enqueueEvent(trx, ctx, { type: 'change_request.executed', subject: subjectOf(row), payload });
}

export interface NewChangeRequest {
  kind: ChangeRequestKind;
  modelId: string | null;
  modelName: string | null;
  versionId: string | null;
  version: string | null;
  from: Stage | null;
  to: Stage | null;
  reason: string;
  evidence: string[];
  required: RoleRequirement[];
  requiredLevel: ValidationLevel | null;
  payload: Record<string, unknown>;
  policyVersion: number | null;
}

/**
 * Opens a change request inside the caller's transaction, with its audit entry and event. A request
 * that needs no approval executes at once when its evidence passes. Returns the id.
 */
export async function openChangeRequest(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  request: NewChangeRequest,
): Promise<string> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const id = newId('cr');
  await insertChangeRequest(trx, {
    id,
    kind: request.kind,
    model_id: request.modelId,
    model_name: request.modelName,
    version_id: request.versionId,
    version: request.version,
    from_stage: request.from,
    to_stage: request.to,
    status: 'requested',
    requested_by: actor.principal.name,
    reason: request.reason,
    evidence: JSON.stringify(request.evidence),
    required: JSON.stringify(request.required),
    required_level: request.requiredLevel,
    payload: canonicalJson(request.payload),
    policy_version: request.policyVersion,
    created_at: nowIso,
    updated_at: nowIso,
    expires_at: new Date(now.getTime() + CHANGE_REQUEST_TTL_DAYS * DAY_MS).toISOString(),
    closed_at: null,
    executed_at: null,
  });
  const summary = {
    id,
    kind: request.kind,
    model: request.modelName,
    version: request.version,
    from: request.from,
    to: request.to,
    reason: request.reason,
    evidence: request.evidence,
    required: request.required,
    requiredValidationLevel: request.requiredLevel,
    policyVersion: request.policyVersion,
  };
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'change_request.opened',
    subject: `change_request:${id}`,
    requestId: actor.requestId,
    change: summary,
  });
  await enqueueEvent(trx, ctx, {
    type: 'change_request.opened',
    subject: `change_request:${id}`,
    payload: summary,
  });
  await advance(trx, ctx, actor, id);
  return id;
}

interface TransitionPlan {
  model: Awaited<ReturnType<typeof requireModel>>;
  version: Awaited<ReturnType<typeof requireVersion>>;
  from: Stage;
  required: RoleRequirement[];
  champion: string | null;
  bump: string | null;
  level: ValidationLevel | null;
  policyVersion: number;
}

async function planTransition(
  db: Executor,
  modelName: string,
  version: string,
  to: Stage,
): Promise<TransitionPlan> {
  const v = await requireVersion(db, modelName, version);
  const model = await requireModel(db, modelName);
  const policy = await getActivePolicy(db);
  const from = v.stage;
  const required = isAllowedTransition(from, to)
    ? approvalVotes(policy.document, model.riskTier, from, to)
    : [];
  let bump: string | null = null;
  let level: ValidationLevel | null = null;
  if (needsEvidence(to)) {
    // The stricter of the bump the version string declares and the one its changes require.
    const champion =
      model.championVersion === null ? null : await requireVersion(db, modelName, model.championVersion);
    const b = gateBump(champion, v).bump;
    bump = b;
    level = requiredValidationLevel(policy.document, model.riskTier, b);
  }
  return {
    model,
    version: v,
    from,
    required,
    champion: model.championVersion,
    bump,
    level,
    policyVersion: policy.version,
  };
}

/** Opens a request to move a version to another stage. */
export async function openTransition(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  version: string,
  input: OpenTransitionInput,
): Promise<ChangeRequest> {
  const id = await ctx.db.transaction().execute(async (trx) => {
    await lockEvidenceRuns(trx, ctx, input.evidence ?? []);
    // Lock first so the champion the version bump is measured against cannot change under us.
    const modelRow = await lockModelRow(trx, ctx, (await requireModel(trx, modelName)).id);
    const plan = await planTransition(trx, modelName, version, input.to);
    assertTransition(plan.from, input.to);
    const open = await findOpenRequestForVersion(trx, plan.version.id);
    if (open)
      throw conflict(
        `${modelName}@${version} already has an open change request ${open.id} (${open.kind} to ${open.to_stage}); withdraw it first`,
        'to',
        { changeRequestId: open.id },
      );
    if (input.to === 'archived') await assertArchivable(trx, modelRow, plan.version, ctx.now());
    const evidence = [...new Set(input.evidence ?? [])];
    await checkEvidenceBelongs(trx, evidence, plan.version.id, `${modelName}@${version}`);
    return openChangeRequest(trx, ctx, actor, {
      kind: 'transition',
      modelId: plan.model.id,
      modelName,
      versionId: plan.version.id,
      version,
      from: plan.from,
      to: input.to,
      reason: input.reason,
      evidence,
      required: plan.required,
      requiredLevel: plan.level,
      payload: { riskTier: plan.model.riskTier, champion: plan.champion, bump: plan.bump },
      policyVersion: plan.policyVersion,
    });
  });
  return view(ctx.db, id, ctx.now());
}

/** What a transition would need, computed without storing anything. */
export async function previewTransition(
  ctx: AppContext,
  modelName: string,
  version: string,
  to: Stage,
  evidence: string[],
): Promise<TransitionPreview> {
  const plan = await planTransition(ctx.db, modelName, version, to);
  const allowed = isAllowedTransition(plan.from, to);
  const blockers: string[] = [];
  if (!allowed)
    blockers.push(
      `the lifecycle does not allow ${plan.from} → ${to}; allowed: ${allowedTargets(plan.from).join(', ') || 'none'}`,
    );
  const open = await findOpenRequestForVersion(ctx.db, plan.version.id);
  // The same move already asked for: answer with what that request still lacks.
  const inProgress = open?.kind === 'transition' && open.to_stage === to ? open : undefined;
  if (open && !inProgress)
    blockers.push(
      `open change request ${open.id} (${open.kind} to ${open.to_stage}) must be decided or withdrawn first`,
    );
  if (allowed && to === 'archived') {
    const modelRow = await ctx.db
      .selectFrom('models')
      .selectAll()
      .where('id', '=', plan.model.id)
      .executeTakeFirstOrThrow();
    await assertArchivable(ctx.db, modelRow, plan.version, ctx.now()).catch((e: Error) =>
      blockers.push(e.message),
    );
  }
  await checkEvidenceBelongs(ctx.db, evidence, plan.version.id, `${modelName}@${version}`);
  let required = approvalProgress(plan.required, []);
  let level = plan.level;
  let offered = evidence;
  if (inProgress) {
    const decisions = await findDecisions(ctx.db, [inProgress.id]);
    required = approvalProgress(
      parseRequired(inProgress),
      decisions.map((d) => ({
        principal: d.principal,
        role: d.role,
        decision: d.decision as 'approve' | 'reject',
      })),
    );
    level = inProgress.required_level as ValidationLevel | null;
    offered = [...new Set([...parseEvidence(inProgress), ...evidence])];
  }
  const missing = await missingEvidence(ctx.db, level, offered, ctx.now());
  return {
    model: modelName,
    version,
    from: plan.from,
    to,
    allowed,
    allowedMoves: allowedTargets(plan.from).map((s) => `${plan.from} → ${s}`),
    blockers,
    openRequest: inProgress ? { id: inProgress.id, status: inProgress.status as ChangeRequestStatus } : null,
    required,
    champion: inProgress
      ? ((JSON.parse(inProgress.payload) as { champion?: string | null }).champion ?? null)
      : plan.champion,
    bump: inProgress
      ? ((JSON.parse(inProgress.payload) as { bump?: string | null }).bump ?? null)
      : plan.bump,
    requiredValidationLevel: level,
    missingEvidence: missing,
    policyVersion:
      inProgress?.policy_version != null ? Number(inProgress.policy_version) : plan.policyVersion,
  };
}

/**
 * Executes an approved production change request that waited for a rollout, inside the rollout's
 * transaction (its success). Refuses unless the request is approved and still executable.
 */
export async function executeAfterRollout(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  id: string,
  rolloutId: string,
): Promise<void> {
  const row = await lockRequest(trx, ctx, id);
  if (row.status !== 'approved')
    throw conflict(
      `change request ${id} is ${row.status}, not approved; the rollout cannot complete`,
      'status',
    );
  await advance(trx, ctx, actor, id, { rollout: rolloutId });
  const after = await findChangeRequestRow(trx, id);
  if (after?.status !== 'executed')
    throw conflict(`change request ${id} could not execute (its evidence is no longer complete)`, 'status');
}

/** Records an approval or rejection, then executes the request if that completed it. */
export async function decide(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: DecisionInput,
): Promise<ChangeRequest> {
  let refused: WardenError | undefined;
  try {
    refused = await ctx.db.transaction().execute(async (trx) => {
      const row = await lockRequest(trx, ctx, id);
      const decisions = await findDecisions(trx, [id]);
      const now = ctx.now();
      const refusal = refuseDecision({
        status: row.status as ChangeRequestStatus,
        requestedBy: row.requested_by,
        expiresAt: row.expires_at,
        required: parseRequired(row),
        decisions: decisions.map((d) => ({
          principal: d.principal,
          role: d.role,
          decision: d.decision as 'approve' | 'reject',
        })),
        principal: { name: actor.principal.name, roles: actor.principal.roles },
        decision: input.decision,
        role: input.role,
        now: now.toISOString(),
        authors:
          input.decision === 'approve' && row.version_id !== null
            ? await findVersionAuthors(trx, row.version_id, parseEvidence(row))
            : undefined,
      });
      if (refusal) {
        // A refused decision changes nothing but is itself a governance fact worth keeping.
        await ctx.audit.append(trx, {
          actor: actor.principal.name,
          action: 'change_request.decision_refused',
          subject: subjectOf(row),
          requestId: actor.requestId,
          change: {
            id,
            decision: input.decision,
            role: input.role,
            code: refusal.code,
            reason: refusal.message,
          },
        });
        return refusal;
      }
      await insertDecision(trx, {
        id: newId('dec'),
        change_request_id: id,
        principal: actor.principal.name,
        role: input.role,
        decision: input.decision,
        comment: input.comment ?? null,
        created_at: now.toISOString(),
      });
      const payload = {
        id,
        kind: row.kind,
        model: row.model_name,
        version: row.version,
        decision: input.decision,
        role: input.role,
        comment: input.comment ?? null,
      };
      await ctx.audit.append(trx, {
        actor: actor.principal.name,
        action: 'change_request.decided',
        subject: subjectOf(row),
        requestId: actor.requestId,
        change: payload,
      });
      await enqueueEvent(trx, ctx, {
        type: 'change_request.decided',
        subject: subjectOf(row),
        payload: { ...payload, principal: actor.principal.name },
      });
      await advance(trx, ctx, actor, id);
      return undefined;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict(`${actor.principal.name} already decided on change request ${id}`, 'role');
    throw error;
  }
  if (refused) throw refused;
  return view(ctx.db, id, ctx.now());
}

/** The requester takes back an open request. */
export async function withdraw(
  ctx: AppContext,
  actor: Actor,
  id: string,
  reason: string | undefined,
): Promise<ChangeRequest> {
  await ctx.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, ctx, id);
    if (row.requested_by !== actor.principal.name)
      throw forbidden(`only ${row.requested_by}, who opened change request ${id}, can withdraw it`);
    if (!isOpen(row.status as ChangeRequestStatus))
      throw conflict(`the change request is ${row.status}; it cannot be withdrawn`, 'status');
    const nowIso = ctx.now().toISOString();
    await updateStatusIf(trx, id, row.status as ChangeRequestStatus, {
      status: 'withdrawn',
      updated_at: nowIso,
      closed_at: nowIso,
    });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'change_request.withdrawn',
      subject: subjectOf(row),
      requestId: actor.requestId,
      change: { id, reason: reason ?? null },
    });
  });
  return view(ctx.db, id, ctx.now());
}

/** Offers another validation run as evidence; the request executes if that was all it lacked. */
/**
 * Locks the validation runs offered as evidence, before the model and the request, the order in
 * which approving a waiver takes them. A waiver approved at the same moment is then either seen by
 * this transaction or finds this request holding the run when it looks, so a request whose waiver
 * completes it never stays open unnoticed. (SQLite runs one write transaction at a time.)
 */
async function lockEvidenceRuns(trx: Executor, ctx: AppContext, runIds: readonly string[]): Promise<void> {
  if (!ctx.store.capabilities.rowLocks) return;
  for (const runId of [...new Set(runIds)].sort()) await lockRunRow(trx, runId);
}

export async function addEvidence(
  ctx: AppContext,
  actor: Actor,
  id: string,
  runId: string,
): Promise<ChangeRequest> {
  await ctx.db.transaction().execute(async (trx) => {
    await lockEvidenceRuns(trx, ctx, [runId]);
    const row = await lockRequest(trx, ctx, id);
    if (row.kind !== 'transition' || row.version_id === null)
      throw invalidInput(
        `change request ${id} is a ${row.kind} request; it takes no validation evidence`,
        'validationRunId',
      );
    if (!isOpen(row.status as ChangeRequestStatus))
      throw conflict(`the change request is ${row.status}; it takes no more evidence`, 'status');
    await checkEvidenceBelongs(
      trx,
      [runId],
      row.version_id,
      `${row.model_name}@${row.version}`,
      () => 'validationRunId',
    );
    const evidence = [...new Set([...parseEvidence(row), runId])];
    await trx
      .updateTable('change_requests')
      .set({ evidence: JSON.stringify(evidence), updated_at: ctx.now().toISOString() })
      .where('id', '=', id)
      .execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'change_request.evidence_added',
      subject: subjectOf(row),
      requestId: actor.requestId,
      change: { id, validationRunId: runId },
    });
    await advance(trx, ctx, actor, id);
  });
  return view(ctx.db, id, ctx.now());
}

/**
 * After compliance approves a waiver of a check of `runId`: each open transition request holding
 * that run as evidence is judged again and executes if the waiver was all it lacked — inside the
 * caller's transaction, with the same audit entries and events as when the last approval arrives.
 * Returns the ids of the requests executed.
 */
export async function reviewRequestsHoldingRun(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  runId: string,
  waiverId: string,
): Promise<string[]> {
  const executed: string[] = [];
  for (const candidate of await findOpenRequestsHoldingRun(trx, runId)) {
    const row = await lockRequest(trx, ctx, candidate.id);
    if (!isOpen(row.status as ChangeRequestStatus)) continue;
    // Each request is carried out under a savepoint: one that can no longer be carried out (its
    // version moved meanwhile, say) is left as it was and noted, and the waiver still stands.
    await sql`savepoint review_request`.execute(trx);
    try {
      await advance(trx, ctx, actor, row.id, { waiverId, validationRunId: runId });
      await sql`release savepoint review_request`.execute(trx);
    } catch (error) {
      if (!(error instanceof WardenError)) throw error;
      await sql`rollback to savepoint review_request`.execute(trx);
      await sql`release savepoint review_request`.execute(trx);
      await ctx.audit.append(trx, {
        actor: actor.principal.name,
        action: 'change_request.not_executed',
        subject: subjectOf(row),
        requestId: actor.requestId,
        change: { id: row.id, trigger: { waiverId, validationRunId: runId }, reason: error.message },
      });
      continue;
    }
    if ((await findChangeRequestRow(trx, row.id))?.status === 'executed') executed.push(row.id);
  }
  return executed;
}

/** The decision record of a change request: votes, comments, tally, dissent and outcome. */
export async function getMinutes(ctx: AppContext, id: string): Promise<Minutes> {
  const row = await findChangeRequestRow(ctx.db, id);
  if (!row) throw notFound(`change request "${id}" does not exist`);
  const decisions = await findDecisions(ctx.db, [id]);
  return buildMinutes({
    id: row.id,
    kind: row.kind,
    model: row.model_name,
    version: row.version,
    from: row.from_stage,
    to: row.to_stage,
    status: row.status as ChangeRequestStatus,
    requestedBy: row.requested_by,
    reason: row.reason,
    policyVersion: row.policy_version === null ? null : Number(row.policy_version),
    createdAt: row.created_at,
    closedAt: row.closed_at,
    required: parseRequired(row),
    decisions: decisions.map((d) => ({
      principal: d.principal,
      role: d.role,
      decision: d.decision as 'approve' | 'reject',
      comment: d.comment,
      at: d.created_at,
    })),
  });
}

export async function getChangeRequest(ctx: AppContext, id: string): Promise<ChangeRequest> {
  return view(ctx.db, id, ctx.now());
}

export async function listChangeRequests(
  ctx: AppContext,
  filter: ChangeRequestFilter,
): Promise<ChangeRequest[]> {
  const rows = await listChangeRequestRows(ctx.db, filter);
  const decisions = await findDecisions(
    ctx.db,
    rows.map((r) => r.id),
  );
  const now = ctx.now();
  const out: ChangeRequest[] = [];
  for (const row of rows) out.push(await toChangeRequest(ctx.db, row, decisions, now));
  return out;
}

/** Opens a change of the governance policy; it takes effect when the policy-change approvers have signed. */
export async function proposePolicy(
  ctx: AppContext,
  actor: Actor,
  input: PolicyProposalInput,
): Promise<ChangeRequest> {
  const document = parsePolicyDocument(input.document, input.format);
  const isText = typeof input.document === 'string';
  const id = await ctx.db.transaction().execute(async (trx) => {
    const active = await getActivePolicy(trx);
    const payload: PolicyPayload = {
      document,
      format: input.format ?? (isText ? 'yaml' : 'json'),
      source: isText ? (input.document as string) : canonicalJson(document),
      basedOnVersion: active.version,
    };
    return openChangeRequest(trx, ctx, actor, {
      kind: 'policy',
      modelId: null,
      modelName: null,
      versionId: null,
      version: null,
      from: null,
      to: null,
      reason: input.reason,
      evidence: [],
      required: policyChangeApprovals(active.document),
      requiredLevel: null,
      payload: payload as unknown as Record<string, unknown>,
      policyVersion: active.version,
    });
  });
  return view(ctx.db, id, ctx.now());
}

/** Closes open requests whose time ran out. Returns how many expired. */
export async function expireChangeRequests(ctx: AppContext, limit = 100): Promise<number> {
  const now = ctx.now();
  const due = await findExpiredOpenRequests(ctx.db, now.toISOString(), limit);
  let expired = 0;
  for (const candidate of due) {
    await ctx.db.transaction().execute(async (trx) => {
      const row = await lockRequest(trx, ctx, candidate.id);
      if (!isOpen(row.status as ChangeRequestStatus) || row.expires_at > now.toISOString()) return;
      const nowIso = now.toISOString();
      if (
        !(await updateStatusIf(trx, row.id, row.status as ChangeRequestStatus, {
          status: 'expired',
          updated_at: nowIso,
          closed_at: nowIso,
        }))
      )
        return;
      await ctx.audit.append(trx, {
        actor: 'warden',
        action: 'change_request.expired',
        subject: subjectOf(row),
        requestId: null,
        change: { id: row.id, expiresAt: row.expires_at },
      });
      expired += 1;
    });
  }
  return expired;
}

/** Roles a decision may be made with: anything a policy could name, never the read-only ones. */
export const DECIDER_ROLES: readonly Role[] = [
  'admin',
  'data-scientist',
  'ml-engineer',
  'mlops',
  'validator',
  'review-board',
  'compliance',
  'legal',
  'business-owner',
  'operations',
];

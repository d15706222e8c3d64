import { auditRefusals } from '../audit/index.js';
import { conflict, invalidInput } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { requireModel, requireVersion, type Actor } from '../registry/registry.service.js';
import type { ModelVersion } from '../registry/version.schema.js';
import {
  getChangeRequest,
  lockModelForGovernance,
  openReasonCodeChange,
  pendingReasonCodeChange,
  type ChangeRequest,
} from '../workflow/index.js';
import {
  describeReasonCodeDiff,
  diffReasonCodes,
  isEmptyReasonCodeDiff,
  type ReasonCodeTable,
} from './reason-codes.rules.js';

/** One stored revision of a version's reason codes. */
export interface ReasonCodeRevision {
  revision: number;
  codes: ReasonCodeTable;
  createdAt: string;
  createdBy: string;
  /** The change request that approved the revision (a version in production), else null. */
  changeRequestId: string | null;
}

function toRevision(row: {
  revision: number | bigint | string;
  codes: string;
  created_at: string;
  created_by: string;
  change_request_id: string | null;
}): ReasonCodeRevision {
  return {
    revision: Number(row.revision),
    codes: JSON.parse(row.codes) as ReasonCodeTable,
    createdAt: row.created_at,
    createdBy: row.created_by,
    changeRequestId: row.change_request_id,
  };
}

/** The reason codes in force for a version (its latest revision), or undefined when none. */
export async function findReasonCodes(
  db: Executor,
  versionId: string,
): Promise<ReasonCodeRevision | undefined> {
  const row = await db
    .selectFrom('reason_code_revisions')
    .selectAll()
    .where('version_id', '=', versionId)
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toRevision(row) : undefined;
}

/** Every revision of a version's reason codes, newest first. */
export async function reasonCodeHistory(
  db: Executor,
  modelName: string,
  versionName: string,
): Promise<ReasonCodeRevision[]> {
  const version = await requireVersion(db, modelName, versionName);
  const rows = await db
    .selectFrom('reason_code_revisions')
    .selectAll()
    .where('version_id', '=', version.id)
    .orderBy('revision', 'desc')
    .execute();
  return rows.map(toRevision);
}

/** Refuses (400, naming it) a code for a feature the version's input schema lacks. */
function checkReasonCodeFeatures(version: ModelVersion, label: string, codes: ReasonCodeTable): void {
  const declared = new Set(version.inputSchema.map((f) => f.name));
  if (declared.size === 0) return;
  for (const feature of Object.keys(codes))
    if (!declared.has(feature))
      throw invalidInput(`feature "${feature}" is not in ${label}'s input schema`, feature);
}

/**
 * Stores a new revision of a version's reason codes inside the caller's transaction, with its
 * audit entry (`explanations.reason_codes_written`: the previous table and its revision, the new
 * one, the diff, and the approving change request if any). Earlier revisions stay.
 */
export async function storeReasonCodeRevision(
  trx: Executor,
  ctx: AppContext,
  actor: { name: string; requestId: string | null },
  target: { versionId: string; model: string; version: string },
  codes: ReasonCodeTable,
  options: { createdBy?: string; changeRequestId?: string | null } = {},
): Promise<ReasonCodeRevision> {
  const previous = await findReasonCodes(trx, target.versionId);
  const revision: ReasonCodeRevision = {
    revision: (previous?.revision ?? 0) + 1,
    codes,
    createdAt: ctx.now().toISOString(),
    createdBy: options.createdBy ?? actor.name,
    changeRequestId: options.changeRequestId ?? null,
  };
  await trx
    .insertInto('reason_code_revisions')
    .values({
      version_id: target.versionId,
      revision: revision.revision,
      codes: JSON.stringify(codes),
      created_at: revision.createdAt,
      created_by: revision.createdBy,
      change_request_id: revision.changeRequestId,
    })
    .execute();
  await ctx.audit.append(trx, {
    actor: actor.name,
    action: 'explanations.reason_codes_written',
    subject: `model:${target.model}@${target.version}`,
    requestId: actor.requestId,
    change: {
      revision: revision.revision,
      codes,
      previousRevision: previous?.revision ?? null,
      previous: previous?.codes ?? {},
      diff: diffReasonCodes(previous?.codes ?? {}, codes),
      changeRequestId: revision.changeRequestId,
    },
  });
  return revision;
}

/** The outcome of a reason-code write: stored, unchanged, or held in a governance change request. */
export type ReasonCodeChangeResult =
  | { outcome: 'applied' | 'unchanged'; revision: ReasonCodeRevision }
  | { outcome: 'requested'; changeRequest: ChangeRequest };

/**
 * Replaces a version's reason codes. A code for a feature the version's input schema lacks is
 * refused by name (400) and nothing is stored. A table identical to the one in force changes
 * nothing. While a change of the version's codes awaits approval, another is refused (409 naming
 * the request, audited as `explanations.reason_codes_change_refused`). For a version in
 * production the new table is not stored: a `governance_change` request holds it (the policy's
 * `governanceChanges` approvals), and it becomes a revision linked to the request when the request
 * executes. Any other version gets a new revision at once.
 */
export async function changeReasonCodes(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  versionName: string,
  codes: ReasonCodeTable,
): Promise<ReasonCodeChangeResult> {
  const label = `${modelName}@${versionName}`;
  checkReasonCodeFeatures(await requireVersion(ctx.db, modelName, versionName), label, codes);
  const result = await auditRefusals(
    ctx,
    {
      actor: actor.principal.name,
      requestId: actor.requestId,
      action: 'explanations.reason_codes_change_refused',
      subject: `model:${label}`,
    },
    () =>
      ctx.db.transaction().execute(async (trx) => {
        const model = await requireModel(trx, modelName);
        await lockModelForGovernance(trx, ctx, model.id);
        // Read under the lock: the stage a promotion may have just changed.
        const version = await requireVersion(trx, modelName, versionName);
        const current = await findReasonCodes(trx, version.id);
        const before = current?.codes ?? {};
        const diff = diffReasonCodes(before, codes);
        if (current && isEmptyReasonCodeDiff(diff))
          return { outcome: 'unchanged' as const, revision: current };
        const pending = await pendingReasonCodeChange(trx, model.id, version.id);
        if (pending)
          throw conflict(
            `the reason codes of ${label} have a pending change in change request ${pending.id}; it must be decided or withdrawn before they change again`,
            'codes',
            { changeRequestId: pending.id },
          );
        const target = { versionId: version.id, model: modelName, version: versionName };
        if (version.stage !== 'production') {
          const revision = await storeReasonCodeRevision(
            trx,
            ctx,
            { name: actor.principal.name, requestId: actor.requestId },
            target,
            codes,
          );
          return { outcome: 'applied' as const, revision };
        }
        const id = await openReasonCodeChange(trx, ctx, actor, {
          model: { id: model.id, name: modelName, riskTier: model.riskTier },
          version: { id: version.id, version: versionName },
          payload: {
            fact: 'reason-codes',
            version: versionName,
            codes,
            before,
            beforeRevision: current?.revision ?? null,
            diff,
            changes: describeReasonCodeDiff(diff),
          },
        });
        return { outcome: 'requested' as const, id };
      }),
  );
  if (result.outcome !== 'requested') return result;
  return { outcome: 'requested', changeRequest: await getChangeRequest(ctx, result.id) };
}

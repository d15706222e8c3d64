import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { openSystemAlert } from '../alerts/index.js';
import { invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { scanText } from '../pii/index.js';
import { explainabilityPolicy, getActivePolicy } from '../policy/index.js';
import { checkPii, type Actor } from '../registry/registry.service.js';
import type { DecisionRow } from './decision.repository.js';
import type { DecisionDisputeTable } from './explanation.table.js';
import type { Dispute, DisputeStatus } from './explanation.schema.js';

type DisputeRow = Selectable<DecisionDisputeTable> & { model_name: string; version: string };

const DAY_MS = 86_400_000;
/** Statuses after which a dispute is closed. */
const CLOSED: readonly DisputeStatus[] = ['resolved', 'rejected'];

function toDispute(row: DisputeRow, now: Date): Dispute {
  const status = row.status as DisputeStatus;
  return {
    id: row.id,
    model: row.model_name,
    version: row.version,
    recordId: row.record_id,
    statement: row.statement,
    piiFindings: JSON.parse(row.pii_findings) as Dispute['piiFindings'],
    status,
    assignee: row.assignee,
    dueAt: row.due_at,
    openedAt: row.opened_at,
    openedBy: row.opened_by,
    resolution: row.resolution,
    resolvedAt: row.resolved_at,
    overdue: !CLOSED.includes(status) && row.due_at < now.toISOString(),
  };
}

function disputes(db: Executor) {
  return db
    .selectFrom('decision_disputes')
    .innerJoin('models', 'models.id', 'decision_disputes.model_id')
    .innerJoin('model_versions', 'model_versions.id', 'decision_disputes.version_id')
    .selectAll('decision_disputes')
    .select(['models.name as model_name', 'model_versions.version as version']);
}

/**
 * Opens a dispute of a decision, due after the tier's `explainability.disputeDays` (30 by
 * default) and assigned to the model's owner, audited. Personal data in the statement follows
 * the PII mode: reported with the dispute, or the dispute refused under `reject`.
 */
export async function openDispute(
  ctx: AppContext,
  actor: Actor,
  decision: DecisionRow,
  statement: string,
): Promise<Dispute> {
  const findings = await checkPii(ctx, scanText('statement', statement));
  const now = ctx.now();
  const tier = await ctx.db
    .selectFrom('models')
    .select('risk_tier')
    .where('id', '=', decision.model_id)
    .executeTakeFirstOrThrow();
  const days = explainabilityPolicy(
    (await getActivePolicy(ctx.db)).document,
    Number(tier.risk_tier),
  ).disputeDays;
  const id = newId('dsp', now.getTime());
  const row = {
    id,
    model_id: decision.model_id,
    version_id: decision.version_id,
    record_id: decision.record_id,
    statement,
    pii_findings: JSON.stringify(findings),
    status: 'open',
    assignee: decision.model_owner,
    due_at: new Date(now.getTime() + days * DAY_MS).toISOString(),
    opened_at: now.toISOString(),
    opened_by: actor.principal.name,
    resolution: null,
    resolved_at: null,
    updated_at: now.toISOString(),
    overdue_at: null,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('decision_disputes').values(row).execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'dispute.opened',
      subject: `model:${decision.model_name}@${decision.version}`,
      requestId: actor.requestId,
      change: {
        id,
        recordId: decision.record_id,
        assignee: row.assignee,
        dueAt: row.due_at,
        statementSha256: createHash('sha256').update(statement).digest('hex'),
        piiFindings: findings.length,
      },
    });
  });
  return toDispute({ ...row, model_name: decision.model_name, version: decision.version }, now);
}

export async function requireDispute(
  db: Executor,
  id: string,
  now: Date,
): Promise<Dispute & { ownerVersionId: string }> {
  const row = await disputes(db).where('decision_disputes.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`dispute "${id}" does not exist`);
  return { ...toDispute(row, now), ownerVersionId: row.version_id };
}

/** Disputes, newest first, optionally of one model, one record id, one status or only the overdue ones. */
export async function listDisputes(
  db: Executor,
  f: {
    model?: string | undefined;
    recordId?: string | undefined;
    status?: DisputeStatus | undefined;
    overdue?: boolean | undefined;
    now: Date;
    limit: number;
  },
): Promise<Dispute[]> {
  let q = disputes(db);
  if (f.model !== undefined) q = q.where('models.name', '=', f.model);
  if (f.recordId !== undefined) q = q.where('decision_disputes.record_id', '=', f.recordId);
  if (f.status !== undefined) q = q.where('decision_disputes.status', '=', f.status);
  if (f.overdue === true)
    q = q
      .where('decision_disputes.status', 'not in', [...CLOSED])
      .where('decision_disputes.due_at', '<', f.now.toISOString());
  const rows = await q.orderBy('decision_disputes.id', 'desc').limit(f.limit).execute();
  return rows.map((r) => toDispute(r as DisputeRow, f.now));
}

/**
 * Changes a dispute's status, resolution or assignee, audited. Resolving or rejecting needs a
 * resolution; a closed dispute stays closed.
 */
export async function updateDispute(
  ctx: AppContext,
  actor: Actor,
  id: string,
  change: {
    status?: DisputeStatus | undefined;
    resolution?: string | undefined;
    assignee?: string | undefined;
  },
): Promise<Dispute> {
  const now = ctx.now();
  const current = await requireDispute(ctx.db, id, now);
  if (CLOSED.includes(current.status))
    throw invalidInput(`dispute "${id}" is ${current.status} and can no longer change`, 'status');
  const closing = change.status !== undefined && CLOSED.includes(change.status);
  const resolution = change.resolution ?? current.resolution;
  if (closing && resolution === null)
    throw invalidInput(`a ${change.status} dispute needs a resolution`, 'resolution');
  const findings =
    change.resolution !== undefined ? await checkPii(ctx, scanText('resolution', change.resolution)) : [];
  const values = {
    ...(change.status !== undefined ? { status: change.status } : {}),
    ...(change.resolution !== undefined ? { resolution: change.resolution } : {}),
    ...(change.assignee !== undefined ? { assignee: change.assignee } : {}),
    ...(closing ? { resolved_at: now.toISOString() } : {}),
    updated_at: now.toISOString(),
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('decision_disputes').set(values).where('id', '=', id).execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: closing ? 'dispute.closed' : 'dispute.updated',
      subject: `model:${current.model}@${current.version}`,
      requestId: actor.requestId,
      change: {
        id,
        from: current.status,
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.assignee !== undefined ? { assignee: change.assignee } : {}),
        ...(change.resolution !== undefined
          ? {
              resolutionSha256: createHash('sha256').update(change.resolution).digest('hex'),
              piiFindings: findings.length,
            }
          : {}),
      },
    });
  });
  const { ownerVersionId: _, ...updated } = await requireDispute(ctx.db, id, now);
  return updated;
}

/**
 * Raises an alert for each open dispute past its due date, once (the conditional update that
 * stamps `overdue_at` lets only one server raise it), told to the assignee first. Returns how many.
 */
export async function alertOverdueDisputes(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  const due = await disputes(ctx.db)
    .select(['models.risk_tier as tier'])
    .where('decision_disputes.status', 'not in', [...CLOSED])
    .where('decision_disputes.due_at', '<', now.toISOString())
    .where('decision_disputes.overdue_at', 'is', null)
    .orderBy('decision_disputes.due_at')
    .limit(100)
    .execute();
  let raised = 0;
  for (const d of due) {
    raised += await ctx.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('decision_disputes')
        .set({ overdue_at: now.toISOString() })
        .where('id', '=', d.id)
        .where('overdue_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return 0;
      await openSystemAlert(trx, ctx, {
        model: { id: d.model_id, name: d.model_name, riskTier: Number(d.tier) },
        version: d.version,
        rule: `dispute_overdue:${d.id}`,
        policyRule: `tiers.${Number(d.tier)}.explainability.disputeDays`,
        severity: 'high',
        value: (now.getTime() - Date.parse(d.due_at)) / DAY_MS,
        threshold: 0,
        detail: `dispute ${d.id} of record ${d.record_id} was due ${d.due_at} and is still ${d.status}`,
        from: d.due_at,
        now,
        notify: d.assignee,
      });
      await ctx.audit.append(trx, {
        actor: 'warden',
        action: 'dispute.overdue',
        subject: `model:${d.model_name}@${d.version}`,
        change: { id: d.id, dueAt: d.due_at, assignee: d.assignee },
      });
      return 1;
    });
  }
  return raised;
}

export const disputeOverdueTask = {
  name: 'dispute-overdue',
  intervalMs: 3_600_000,
  runOnce: async (ctx: AppContext) => {
    await alertOverdueDisputes(ctx);
  },
};

/** SHA-256 (hex) of a subject key, as opt-outs store it. */
export function subjectHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Records that a subject opts out of automated decisions (of one model, or of all), audited. */
export async function recordOptOut(
  ctx: AppContext,
  actor: Actor,
  subjectKey: string,
  model: string | undefined,
): Promise<{ id: string; subjectSha256: string; model: string | null; createdAt: string; created: boolean }> {
  const hash = subjectHash(subjectKey);
  const now = ctx.now().toISOString();
  const id = newId('opt', ctx.now().getTime());
  return ctx.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('decision_opt_outs')
      .values({
        id,
        subject_sha256: hash,
        model_name: model ?? '',
        created_at: now,
        created_by: actor.principal.name,
      })
      .onConflict((oc) => oc.columns(['subject_sha256', 'model_name']).doNothing())
      .executeTakeFirst();
    const created = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    const row = await trx
      .selectFrom('decision_opt_outs')
      .selectAll()
      .where('subject_sha256', '=', hash)
      .where('model_name', '=', model ?? '')
      .executeTakeFirstOrThrow();
    if (created)
      await ctx.audit.append(trx, {
        actor: actor.principal.name,
        action: 'opt_out.recorded',
        subject: model ? `model:${model}` : 'decisions',
        requestId: actor.requestId,
        change: { id: row.id, subjectSha256: hash },
      });
    return { id: row.id, subjectSha256: hash, model: model ?? null, createdAt: row.created_at, created };
  });
}

/** Whether the subject with this key opted out of `model`'s automated decisions (or of all). */
export async function hasOptedOut(db: Executor, model: string, subjectKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('decision_opt_outs')
    .select('id')
    .where('subject_sha256', '=', subjectHash(subjectKey))
    .where('model_name', 'in', ['', model])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Dispute and opt-out counts of a model over a period, and the median days to close, for reports. */
export async function decisionRightsFacts(
  db: Executor,
  modelId: string,
  modelName: string,
  from: string,
  to: string,
): Promise<{
  disputesOpened: number;
  disputesClosed: number;
  disputesOpen: number;
  medianDaysToClose: number | null;
  optOuts: number;
}> {
  const rows = await db
    .selectFrom('decision_disputes')
    .select(['status', 'opened_at', 'resolved_at'])
    .where('model_id', '=', modelId)
    .where('opened_at', '<', to)
    .execute();
  const opened = rows.filter((r) => r.opened_at >= from).length;
  const closed = rows.filter((r) => r.resolved_at !== null && r.resolved_at >= from && r.resolved_at < to);
  const days = closed
    .map((r) => (Date.parse(r.resolved_at!) - Date.parse(r.opened_at)) / DAY_MS)
    .sort((a, b) => a - b);
  const median =
    days.length === 0
      ? null
      : days.length % 2 === 1
        ? days[(days.length - 1) / 2]!
        : (days[days.length / 2 - 1]! + days[days.length / 2]!) / 2;
  const open = rows.filter((r) => !CLOSED.includes(r.status as DisputeStatus)).length;
  const optOuts = await db
    .selectFrom('decision_opt_outs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('model_name', 'in', ['', modelName])
    .where('created_at', '<', to)
    .executeTakeFirstOrThrow();
  return {
    disputesOpened: opened,
    disputesClosed: closed.length,
    disputesOpen: open,
    medianDaysToClose: median,
    optOuts: Number(optOuts.n),
  };
}

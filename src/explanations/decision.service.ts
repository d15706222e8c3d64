import { conflict, forbidden, notFound } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import { requireVersion, type Actor } from '../registry/registry.service.js';
import { decodeAttributions } from './attribution.validate.js';
import {
  countDisputes,
  findDecisionsById,
  findDecisionsByInput,
  findRolloutAt,
  type DecisionRow,
} from './decision.repository.js';
import {
  adverseOutcomeSchema,
  type AdverseOutcome,
  type Lineage,
  type PrincipalReasons,
} from './explanation.schema.js';
import { findReasonCodes } from './reason-codes.service.js';
import { isAdverse, rankReasons } from './reasons.rules.js';

/** Roles that may read any decision; otherwise only the model's owner may. */
export const DECISION_READER_ROLES = ['admin', 'compliance', 'legal', 'auditor'] as const;

/** Refuses (403) a caller who holds none of the reader roles and does not own the model. */
export function requireDecisionReader(principal: Principal, modelOwner: string, modelName: string): void {
  if (principal.roles.some((r) => (DECISION_READER_ROLES as readonly string[]).includes(r))) return;
  if (principal.name === modelOwner) return;
  throw forbidden(
    `decisions of "${modelName}" are read by ${DECISION_READER_ROLES.join(', ')} and the model's owner`,
  );
}

/** How a decision is asked for: by record id, or by model and input hash; optionally one version. */
export type DecisionQuery =
  | { recordId: string; model?: string | undefined; version?: string | undefined }
  | { model: string; inputHash: string; version?: string | undefined };

/**
 * The one decision a query names: 404 when none, 409 listing the model versions when the record
 * id (or input hash) matches several and the query did not narrow it down.
 */
export async function requireDecision(db: Executor, query: DecisionQuery): Promise<DecisionRow> {
  const rows =
    'inputHash' in query
      ? await findDecisionsByInput(db, query.model, query.inputHash, query.version)
      : await findDecisionsById(db, query.recordId, query);
  const what =
    'inputHash' in query ? `input hash ${query.inputHash} of "${query.model}"` : `record "${query.recordId}"`;
  if (rows.length === 0) throw notFound(`no decision with ${what}`);
  const versions = [...new Set(rows.map((r) => `${r.model_name}@${r.version}`))];
  if (rows.length > 1) {
    const narrow = 'inputHash' in query ? 'recordId (or version)' : 'model and version';
    throw conflict(
      `${what} names ${rows.length} decisions (${versions.join(', ')}); narrow it with ${narrow}`,
      'recordId',
      { versions },
    );
  }
  return rows[0]!;
}

/** The prediction lineage of a stored record. */
export async function toLineage(db: Executor, row: DecisionRow): Promise<Lineage> {
  const attributions = decodeAttributions(row.attributions);
  const rollout = await findRolloutAt(db, row.model_id, row.ts);
  return {
    recordId: row.record_id,
    model: row.model_name,
    version: row.version,
    timestamp: row.ts,
    receivedAt: row.received_at,
    inputHash: row.input_sha256,
    output: row.prediction === null ? null : (JSON.parse(row.prediction) as unknown),
    score: row.score,
    segment: row.segment === null ? null : (JSON.parse(row.segment) as Record<string, string>),
    attributions: attributions?.values ?? null,
    attributionMethod: attributions?.method ?? null,
    baseValue: attributions?.baseValue ?? null,
    rolloutVariant: !rollout
      ? null
      : rollout.candidate === row.version_id
        ? 'candidate'
        : rollout.champion === row.version_id
          ? 'champion'
          : 'other',
    label: row.label === null ? null : (JSON.parse(row.label) as unknown),
    labelledAt: row.labelled_at,
    probeOf: row.probe_of,
    disputes: await countDisputes(db, row.version_id, row.record_id),
  };
}

/** Writes the audit entry of one read of a decision (who read which decision, and as what). */
export async function auditDecisionRead(
  ctx: AppContext,
  actor: Actor,
  row: DecisionRow,
  view: string,
): Promise<void> {
  await ctx.db.transaction().execute((trx) =>
    ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'prediction.read',
      subject: `model:${row.model_name}@${row.version}`,
      requestId: actor.requestId,
      change: { recordId: row.record_id, view },
    }),
  );
}

/**
 * Finds a decision for a caller allowed to read it, and audits the read: the lookup, the access
 * check and the audit entry every decision view goes through.
 */
export async function readDecision(
  ctx: AppContext,
  actor: Actor,
  query: DecisionQuery,
  view: string,
): Promise<DecisionRow> {
  const row = await requireDecision(ctx.db, query);
  requireDecisionReader(actor.principal, row.model_owner, row.model_name);
  await auditDecisionRead(ctx, actor, row, view);
  return row;
}

/** A version's adverse outcome, or undefined when it declares none. */
export async function findAdverseOutcome(
  db: Executor,
  versionId: string,
): Promise<AdverseOutcome | undefined> {
  const row = await db
    .selectFrom('explanation_settings')
    .select('adverse_outcome')
    .where('version_id', '=', versionId)
    .executeTakeFirst();
  return row ? adverseOutcomeSchema.parse(JSON.parse(row.adverse_outcome)) : undefined;
}

/**
 * The principal reasons of a decision (ECOA / Regulation B style): 409 naming what is missing
 * when the record carries no attributions or the version declares no adverse outcome.
 */
export async function principalReasons(db: Executor, row: DecisionRow, n: number): Promise<PrincipalReasons> {
  const attributions = decodeAttributions(row.attributions);
  if (!attributions || Object.keys(attributions.values).length === 0)
    throw conflict(
      `record "${row.record_id}" of ${row.model_name}@${row.version} carries no attributions; the serving stack must send \`attributions\` with the record`,
      'attributions',
    );
  const outcome = await findAdverseOutcome(db, row.version_id);
  if (!outcome)
    throw conflict(
      `${row.model_name}@${row.version} declares no adverse outcome; PUT /api/v1/models/${row.model_name}/versions/${row.version}/adverse-outcome first`,
      'adverseOutcome',
    );
  const codes = await findReasonCodes(db, row.version_id);
  const prediction = row.prediction === null ? null : (JSON.parse(row.prediction) as unknown);
  const adverse = isAdverse(outcome, prediction, row.score);
  return {
    recordId: row.record_id,
    model: row.model_name,
    version: row.version,
    adverse,
    adverseOutcome: outcome,
    reasonCodeRevision: codes?.revision ?? null,
    attributionMethod: attributions.method ?? null,
    reasons: adverse ? rankReasons(attributions.values, outcome, codes?.codes ?? {}, n) : [],
  };
}

/** Sets a version's adverse outcome, audited. */
export async function setAdverseOutcome(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  versionName: string,
  outcome: AdverseOutcome,
): Promise<AdverseOutcome> {
  const version = await requireVersion(ctx.db, modelName, versionName);
  const now = ctx.now().toISOString();
  const values = {
    adverse_outcome: JSON.stringify(outcome),
    updated_at: now,
    updated_by: actor.principal.name,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('explanation_settings')
      .values({ version_id: version.id, ...values })
      .onConflict((oc) => oc.column('version_id').doUpdateSet(values))
      .execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'explanations.adverse_outcome_set',
      subject: `model:${modelName}@${versionName}`,
      requestId: actor.requestId,
      change: outcome,
    });
  });
  return outcome;
}

import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { ChangeRequestStatus, RoleRequirement } from './approval-rules.js';
import type { ChangeRequestDecisionTable, ChangeRequestTable } from './workflow.table.js';

export type ChangeRequestRow = Selectable<ChangeRequestTable>;
export type DecisionRow = Selectable<ChangeRequestDecisionTable>;

export async function insertChangeRequest(db: Executor, row: Insertable<ChangeRequestTable>): Promise<void> {
  await db.insertInto('change_requests').values(row).execute();
}

/** Reads a change request; with `lock`, holds its row until the transaction ends (PostgreSQL). */
export async function findChangeRequestRow(
  db: Executor,
  id: string,
  lock = false,
): Promise<ChangeRequestRow | undefined> {
  let q = db.selectFrom('change_requests').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function findDecisions(db: Executor, ids: string[]): Promise<DecisionRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('change_request_decisions')
    .selectAll()
    .where('change_request_id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function insertDecision(
  db: Executor,
  row: Insertable<ChangeRequestDecisionTable>,
): Promise<void> {
  await db.insertInto('change_request_decisions').values(row).execute();
}

/**
 * Moves a request from the status it was read in to another; true when this call made the change.
 * The status condition is what keeps two concurrent deciders from both executing a request.
 */
export async function updateStatusIf(
  db: Executor,
  id: string,
  expected: ChangeRequestStatus,
  changes: {
    status: ChangeRequestStatus;
    updated_at: string;
    closed_at?: string;
    executed_at?: string;
    evidence?: string;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('change_requests')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findOpenRequestForVersion(
  db: Executor,
  versionId: string,
): Promise<ChangeRequestRow | undefined> {
  return db
    .selectFrom('change_requests')
    .selectAll()
    .where('version_id', '=', versionId)
    .where('kind', 'in', ['transition', 'retirement'])
    .where('status', 'in', ['requested', 'in_review', 'approved'])
    .executeTakeFirst();
}

/**
 * Open transition requests that hold `runId` among their evidence, oldest first. Run ids are
 * generated tokens, so matching the quoted id inside the stored JSON array is exact.
 */
export async function findOpenRequestsHoldingRun(db: Executor, runId: string): Promise<ChangeRequestRow[]> {
  return db
    .selectFrom('change_requests')
    .selectAll()
    .where('kind', '=', 'transition')
    .where('status', 'in', ['requested', 'in_review', 'approved'])
    .where('evidence', 'like', `%${JSON.stringify(runId)}%`)
    .orderBy('id')
    .execute();
}

export interface ChangeRequestFilter {
  status?: ChangeRequestStatus | undefined;
  model?: string | undefined;
  kind?: string | undefined;
  afterId?: string | undefined;
  limit: number;
}

/** The queue: requests oldest first (the first to need attention), filtered. */
export async function listChangeRequestRows(
  db: Executor,
  f: ChangeRequestFilter,
): Promise<ChangeRequestRow[]> {
  let q = db.selectFrom('change_requests').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  if (f.model) q = q.where('model_name', '=', f.model);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.afterId) q = q.where('id', '>', f.afterId);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function findExpiredOpenRequests(
  db: Executor,
  nowIso: string,
  limit: number,
): Promise<ChangeRequestRow[]> {
  return db
    .selectFrom('change_requests')
    .selectAll()
    .where('status', 'in', ['requested', 'in_review', 'approved'])
    .where('expires_at', '<=', nowIso)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
}

export function parseRequired(row: ChangeRequestRow): RoleRequirement[] {
  return JSON.parse(row.required) as RoleRequirement[];
}

export function parseEvidence(row: ChangeRequestRow): string[] {
  return JSON.parse(row.evidence) as string[];
}

import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { RetrainingReason } from './retraining-triggers.js';
import type { RetrainingOutcome, RetrainingRequest, RetrainingStatus } from './retraining.schema.js';
import type { RetrainingRequestTable } from './retraining.table.js';

export type RetrainingRow = Selectable<RetrainingRequestTable>;

export function toRetrainingRequest(row: RetrainingRow): RetrainingRequest {
  return {
    id: row.id,
    model: row.model_name,
    version: row.version,
    reasons: JSON.parse(row.reasons) as RetrainingReason[],
    dataWindow: { from: row.data_from, to: row.data_to },
    status: row.status as RetrainingStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
    ...(row.completed_at !== null ? { completedAt: row.completed_at } : {}),
    ...(row.reported_by !== null ? { reportedBy: row.reported_by } : {}),
    ...(row.produced_version !== null ? { producedVersion: row.produced_version } : {}),
    ...(row.outcome !== null ? { outcome: row.outcome as RetrainingOutcome } : {}),
    ...(row.metric_changes !== null
      ? { metricChanges: JSON.parse(row.metric_changes) as Record<string, number> }
      : {}),
    ...(row.note !== null ? { note: row.note } : {}),
    ...(row.kept_version !== null ? { keptVersion: row.kept_version } : {}),
    ...(row.cost_amount !== null && row.cost_currency !== null
      ? { cost: { amount: Number(row.cost_amount), currency: row.cost_currency } }
      : {}),
  };
}

export async function insertRetrainingRequest(
  db: Executor,
  row: Insertable<RetrainingRequestTable>,
): Promise<void> {
  await db.insertInto('retraining_requests').values(row).execute();
}

export async function updateRetrainingRequest(
  db: Executor,
  id: string,
  changes: Updateable<RetrainingRequestTable>,
): Promise<void> {
  await db.updateTable('retraining_requests').set(changes).where('id', '=', id).execute();
}

/** The model's open (requested or delivered) request, if any. */
export async function findOpenRequest(db: Executor, modelId: string): Promise<RetrainingRow | undefined> {
  return db
    .selectFrom('retraining_requests')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('open', '=', 1)
    .executeTakeFirst();
}

export async function findRequestRow(
  db: Executor,
  id: string,
  lock = false,
): Promise<RetrainingRow | undefined> {
  let query = db.selectFrom('retraining_requests').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** When the model's latest request was made, if ever. */
export async function latestRequestAt(db: Executor, modelId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('retraining_requests')
    .select('created_at')
    .where('model_id', '=', modelId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at;
}

export interface RetrainingFilter {
  modelName?: string | undefined;
  status?: RetrainingStatus | undefined;
  beforeId?: string | undefined;
  limit: number;
}

export async function findRetrainingRequests(
  db: Executor,
  filter: RetrainingFilter,
): Promise<RetrainingRow[]> {
  let query = db.selectFrom('retraining_requests').selectAll();
  if (filter.modelName !== undefined) query = query.where('model_name', '=', filter.modelName);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

import type { Insertable, Selectable, Updateable } from 'kysely';
import type { LifecycleComment } from '../alerts/alert.schema.js';
import type { Executor } from '../db/database.js';
import type { Incident, IncidentStatus } from './incident.schema.js';
import type { IncidentTable } from './incident.table.js';

export type IncidentRow = Selectable<IncidentTable>;

/** The key an incident is deduplicated on: one active incident per (model, signal, segment). */
export function incidentKey(modelId: string, signal: string, segment?: string): string {
  return JSON.stringify([modelId, signal, segment ?? null]);
}

export function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    model: row.model_name,
    version: row.version,
    signal: row.signal,
    ...(row.segment !== null ? { segment: row.segment } : {}),
    status: row.status as IncidentStatus,
    window: { from: row.window_from, to: row.window_to, records: Number(row.n) },
    count: Number(row.count),
    rate: Number(row.rate),
    baselineRate: Number(row.baseline_rate),
    baselineWindows: Number(row.baseline_windows),
    baselineRecords: Number(row.baseline_n),
    test: row.test,
    z: Number(row.z),
    pValue: Number(row.p_value),
    exampleRecordIds: JSON.parse(row.example_record_ids) as string[],
    openedAt: row.opened_at,
    lastSeenAt: row.last_seen_at,
    occurrences: Number(row.occurrences),
    ...(row.acknowledged_by !== null ? { acknowledgedBy: row.acknowledged_by } : {}),
    ...(row.acknowledged_at !== null ? { acknowledgedAt: row.acknowledged_at } : {}),
    ...(row.resolved_by !== null ? { resolvedBy: row.resolved_by } : {}),
    ...(row.resolved_at !== null ? { resolvedAt: row.resolved_at } : {}),
    comments: JSON.parse(row.comments) as LifecycleComment[],
  };
}

export async function insertIncident(db: Executor, row: Insertable<IncidentTable>): Promise<void> {
  await db.insertInto('incidents').values(row).execute();
}

export async function updateIncident(
  db: Executor,
  id: string,
  changes: Updateable<IncidentTable>,
): Promise<void> {
  await db.updateTable('incidents').set(changes).where('id', '=', id).execute();
}

export async function findActiveIncident(db: Executor, key: string): Promise<IncidentRow | undefined> {
  return db.selectFrom('incidents').selectAll().where('active_key', '=', key).executeTakeFirst();
}

export async function findIncidentRow(
  db: Executor,
  id: string,
  lock = false,
): Promise<IncidentRow | undefined> {
  let query = db.selectFrom('incidents').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export interface IncidentFilter {
  modelName?: string | undefined;
  status?: IncidentStatus | undefined;
  signal?: string | undefined;
  beforeId?: string | undefined;
  limit: number;
}

export async function findIncidents(db: Executor, filter: IncidentFilter): Promise<Incident[]> {
  let query = db.selectFrom('incidents').selectAll();
  if (filter.modelName !== undefined) query = query.where('model_name', '=', filter.modelName);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.signal !== undefined) query = query.where('signal', '=', filter.signal);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toIncident);
}

/** Counts of active incidents by model and signal, for the metrics endpoint. */
export async function countActiveIncidents(
  db: Executor,
): Promise<Array<{ model: string; signal: string; count: number }>> {
  const rows = await db
    .selectFrom('incidents')
    .select(['model_name', 'signal'])
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('active_key', 'is not', null)
    .groupBy(['model_name', 'signal'])
    .execute();
  return rows.map((r) => ({ model: r.model_name, signal: r.signal, count: Number(r.count) }));
}

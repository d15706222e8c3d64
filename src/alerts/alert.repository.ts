import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { AlertMember, AlertStatus, Severity } from './alert-state.js';
import type { Alert, AlertDetails, LifecycleComment } from './alert.schema.js';
import type { AlertTable } from './alert.table.js';

export type AlertRow = Selectable<AlertTable>;

/**
 * The key an alert is deduplicated on: one active alert per model and monitor kind (or system
 * rule). Alerts opened before checks were grouped carry their rule, feature and segment too.
 */
export function alertKey(modelId: string, kind: string, feature?: string, segment?: string): string {
  return JSON.stringify([modelId, kind, feature ?? null, segment ?? null]);
}

/** The checks an alert groups; an alert of one check (a system alert, or one opened before grouping) lists that one. */
export function readMembers(row: AlertRow): AlertMember[] {
  const members = JSON.parse(row.members || '[]') as AlertMember[];
  if (members.length > 0) return members;
  return [
    {
      rule: row.rule,
      ...(row.feature !== null ? { feature: row.feature } : {}),
      ...(row.segment !== null ? { segment: row.segment } : {}),
      version: row.version,
      status: row.status === 'resolved' ? 'ok' : 'alert',
      value: row.value === null ? null : Number(row.value),
      threshold: row.threshold === null ? null : Number(row.threshold),
      policyRule: row.policy_rule,
      ...(row.detail !== null ? { detail: row.detail } : {}),
      window: { from: row.window_from, to: row.window_to },
      firedIn: row.counted_window ?? row.window_to,
    },
  ];
}

/** What an alert shows of its members: the rules, features and segments, and each check's latest verdict. */
function toDetails(members: readonly AlertMember[]): AlertDetails {
  const distinct = (values: (string | undefined)[]) =>
    [...new Set(values.filter((v): v is string => v !== undefined))].sort();
  return {
    rules: distinct(members.map((m) => m.rule)),
    features: distinct(members.map((m) => m.feature)),
    segments: distinct(members.map((m) => m.segment)),
    checks: members.map(({ firedIn: _fired, cleanIn: _clean, ...check }) => check),
  };
}

export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    model: row.model_name,
    version: row.version,
    kind: row.kind || row.rule,
    rule: row.rule,
    ...(row.feature !== null ? { feature: row.feature } : {}),
    ...(row.segment !== null ? { segment: row.segment } : {}),
    policyRule: row.policy_rule,
    severity: row.severity as Severity,
    status: row.status as AlertStatus,
    value: row.value === null ? null : Number(row.value),
    threshold: row.threshold === null ? null : Number(row.threshold),
    ...(row.detail !== null ? { detail: row.detail } : {}),
    window: { from: row.window_from, to: row.window_to },
    openedAt: row.opened_at,
    lastSeenAt: row.last_seen_at,
    occurrences: Number(row.occurrences),
    cleanWindows: Number(row.clean_windows),
    escalationLevel: Number(row.escalation_level),
    escalatedTo: row.escalated_to,
    ...(row.escalated_at !== null ? { escalatedAt: row.escalated_at } : {}),
    ...(row.acknowledged_by !== null ? { acknowledgedBy: row.acknowledged_by } : {}),
    ...(row.acknowledged_at !== null ? { acknowledgedAt: row.acknowledged_at } : {}),
    ...(row.resolved_by !== null ? { resolvedBy: row.resolved_by } : {}),
    ...(row.resolved_at !== null ? { resolvedAt: row.resolved_at } : {}),
    comments: JSON.parse(row.comments) as LifecycleComment[],
    details: toDetails(readMembers(row)),
  };
}

export async function insertAlert(db: Executor, row: Insertable<AlertTable>): Promise<void> {
  await db.insertInto('alerts').values(row).execute();
}

export async function updateAlert(db: Executor, id: string, changes: Updateable<AlertTable>): Promise<void> {
  await db.updateTable('alerts').set(changes).where('id', '=', id).execute();
}

/** Active (open or acknowledged) alerts of a model, by key. */
export async function findActiveAlertsOfModel(db: Executor, modelId: string): Promise<Map<string, AlertRow>> {
  const rows = await db
    .selectFrom('alerts')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('active_key', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.active_key!, r]));
}

/** One alert; with `lock` the row stays locked until the transaction ends (PostgreSQL). */
export async function findAlertRow(db: Executor, id: string, lock = false): Promise<AlertRow | undefined> {
  let query = db.selectFrom('alerts').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export interface AlertFilter {
  modelName?: string | undefined;
  status?: AlertStatus | undefined;
  severity?: Severity | undefined;
  /** Cursor: ids sort by creation time; pages go newest first. */
  beforeId?: string | undefined;
  limit: number;
}

export async function findAlerts(db: Executor, filter: AlertFilter): Promise<Alert[]> {
  let query = db.selectFrom('alerts').selectAll();
  if (filter.modelName !== undefined) query = query.where('model_name', '=', filter.modelName);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.severity !== undefined) query = query.where('severity', '=', filter.severity);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toAlert);
}

/** Ids of open (unacknowledged) alerts, oldest first: the candidates for escalation. */
export async function findOpenAlertIds(db: Executor, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('alerts')
    .select('id')
    .where('status', '=', 'open')
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Counts of active alerts by model and severity, for the metrics endpoint. */
export async function countActiveAlerts(
  db: Executor,
): Promise<Array<{ model: string; severity: string; status: string; count: number }>> {
  const rows = await db
    .selectFrom('alerts')
    .select(['model_name', 'severity', 'status'])
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('active_key', 'is not', null)
    .groupBy(['model_name', 'severity', 'status'])
    .execute();
  return rows.map((r) => ({
    model: r.model_name,
    severity: r.severity,
    status: r.status,
    count: Number(r.count),
  }));
}

import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { RolloutTable } from './rollout.table.js';
import type { MetricResult } from './rollout-analysis.rules.js';
import { overallVerdict } from './rollout-analysis.rules.js';
import type { Rollout } from './rollout.schema.js';
import {
  blueGreenSwitched,
  type RolloutPlan,
  type RolloutStatus,
  type RolloutStrategy,
} from './rollout.rules.js';

export type RolloutRow = Selectable<RolloutTable>;

/** The stored plan of a row. */
export function planOf(row: RolloutRow): RolloutPlan {
  return JSON.parse(row.plan) as RolloutPlan;
}

/** Maps a row to the rollout the API returns. */
export function toRollout(row: RolloutRow): Rollout {
  const plan = planOf(row);
  const analysis = JSON.parse(row.analysis) as MetricResult[];
  const weight = Number(row.candidate_weight);
  return {
    id: row.id,
    model: row.model_name,
    status: row.status as RolloutStatus,
    strategy: row.strategy as RolloutStrategy,
    candidate: row.candidate_version,
    champion: row.champion_version,
    changeRequestId: row.change_request_id,
    step: Number(row.step),
    steps: plan.steps,
    weights: { champion: 100 - weight, candidate: weight },
    ...(plan.strategy === 'blue-green'
      ? { phase: blueGreenSwitched(plan, Number(row.step)) ? ('switched' as const) : ('smoke' as const) }
      : {}),
    plan: plan as unknown as Record<string, unknown>,
    stepStartedAt: row.step_started_at,
    nextAnalysisAt: row.next_analysis_at,
    verdict: analysis.length > 0 ? overallVerdict(analysis) : null,
    analysis,
    ...(row.shadow !== null ? { shadow: JSON.parse(row.shadow) as Record<string, unknown> } : {}),
    ...(row.result !== null ? { result: JSON.parse(row.result) as Record<string, unknown> } : {}),
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
  };
}

export async function insertRollout(db: Executor, row: Insertable<RolloutTable>): Promise<void> {
  await db.insertInto('rollouts').values(row).execute();
}

/** One rollout, optionally locked (PostgreSQL) until the transaction ends. */
export async function findRolloutRow(
  db: Executor,
  id: string,
  lock = false,
): Promise<RolloutRow | undefined> {
  let q = db.selectFrom('rollouts').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** The model's active rollout, if any. */
export async function findActiveRolloutRow(db: Executor, modelId: string): Promise<RolloutRow | undefined> {
  return db
    .selectFrom('rollouts')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('active', '=', 1)
    .executeTakeFirst();
}

/** The model's latest rollout (active or not). */
export async function findLatestRolloutRow(db: Executor, modelId: string): Promise<RolloutRow | undefined> {
  return db
    .selectFrom('rollouts')
    .selectAll()
    .where('model_id', '=', modelId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function findRolloutRows(
  db: Executor,
  query: { status?: RolloutStatus; modelId?: string; limit: number },
): Promise<RolloutRow[]> {
  let q = db.selectFrom('rollouts').selectAll();
  if (query.status) q = q.where('status', '=', query.status);
  if (query.modelId) q = q.where('model_id', '=', query.modelId);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
}

/** Updates a rollout only while it is still in `status` (and, when given, still leased by `owner`). */
export async function updateRolloutIf(
  db: Executor,
  id: string,
  expect: { status: RolloutStatus; leaseOwner?: string },
  changes: Updateable<RolloutTable>,
): Promise<boolean> {
  let q = db.updateTable('rollouts').set(changes).where('id', '=', id).where('status', '=', expect.status);
  if (expect.leaseOwner !== undefined) q = q.where('lease_owner', '=', expect.leaseOwner);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Ids of progressing rollouts whose analysis is due and whose lease (if any) has run out. */
export async function findDueRolloutIds(db: Executor, nowIso: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('rollouts')
    .select('id')
    .where('status', '=', 'progressing')
    .where('next_analysis_at', '<=', nowIso)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
    .orderBy('next_analysis_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Claims a due rollout for `owner` until `until` with a conditional update: of several servers
 * racing for the same row exactly one sees a changed row.
 */
export async function claimRollout(
  db: Executor,
  id: string,
  owner: string,
  nowIso: string,
  until: string,
): Promise<boolean> {
  const r = await db
    .updateTable('rollouts')
    .set({ lease_owner: owner, lease_until: until })
    .where('id', '=', id)
    .where('status', '=', 'progressing')
    .where('next_analysis_at', '<=', nowIso)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

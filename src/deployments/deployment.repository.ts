import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { PiiFinding } from '../pii/index.js';
import type { Deployment, DeploymentStatus } from './deployment.schema.js';
import type { DeploymentTable } from './deployment.table.js';

export type DeploymentRow = Selectable<DeploymentTable>;

export function toDeployment(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    model: row.model_name,
    version: row.version,
    environment: row.environment,
    target: row.target,
    status: row.status as DeploymentStatus,
    trafficPercent: Number(row.traffic_percent),
    note: row.note,
    piiFindings: JSON.parse(row.pii_findings) as PiiFinding[],
    deployedBy: row.deployed_by,
    deployedAt: row.deployed_at,
    endedBy: row.ended_by,
    endedAt: row.ended_at,
    endReason: row.end_reason,
  };
}

export async function insertDeployment(db: Executor, row: Insertable<DeploymentTable>): Promise<void> {
  await db.insertInto('deployments').values(row).execute();
}

export async function updateDeployment(
  db: Executor,
  id: string,
  changes: Updateable<DeploymentTable>,
): Promise<void> {
  await db.updateTable('deployments').set(changes).where('id', '=', id).execute();
}

/** One deployment; `lock` holds its row until the transaction ends where the engine has row locks. */
export async function findDeploymentRow(
  db: Executor,
  id: string,
  lock = false,
): Promise<DeploymentRow | undefined> {
  let query = db.selectFrom('deployments').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The active deployment at one place, if any. */
export async function findActiveAt(
  db: Executor,
  place: { modelId: string; environment: string; target: string },
): Promise<DeploymentRow | undefined> {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('model_id', '=', place.modelId)
    .where('environment', '=', place.environment)
    .where('target', '=', place.target)
    .where('active', '=', 1)
    .executeTakeFirst();
}

/** Active deployments of any of these versions, oldest first. */
export async function findActiveForVersions(db: Executor, versionIds: string[]): Promise<DeploymentRow[]> {
  if (versionIds.length === 0) return [];
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('version_id', 'in', versionIds)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
}

export interface DeploymentFilter {
  modelId?: string | undefined;
  version?: string | undefined;
  environment?: string | undefined;
  status?: DeploymentStatus | undefined;
  beforeId?: string | undefined;
  limit: number;
}

/** Deployments matching the filter, newest first. */
export async function findDeployments(db: Executor, f: DeploymentFilter): Promise<DeploymentRow[]> {
  let query = db.selectFrom('deployments').selectAll();
  if (f.modelId !== undefined) query = query.where('model_id', '=', f.modelId);
  if (f.version !== undefined) query = query.where('version', '=', f.version);
  if (f.environment !== undefined) query = query.where('environment', '=', f.environment);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  if (f.beforeId !== undefined) query = query.where('id', '<', f.beforeId);
  return query.orderBy('id', 'desc').limit(f.limit).execute();
}

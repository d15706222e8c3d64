import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { ValidationRunTable, ValidationWaiverTable } from './validation.table.js';

export type ValidationRunRow = Selectable<ValidationRunTable>;
export type ValidationWaiverRow = Selectable<ValidationWaiverTable>;

export async function insertRun(db: Executor, row: Insertable<ValidationRunTable>): Promise<void> {
  await db.insertInto('validation_runs').values(row).execute();
}

export async function findRunRow(db: Executor, id: string): Promise<ValidationRunRow | undefined> {
  return db.selectFrom('validation_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Runs of one version, newest first; `before` continues a page from (created_at, id). */
export async function findRunRows(
  db: Executor,
  options: { versionId: string; before?: { at: string; id: string } | undefined; limit: number },
): Promise<ValidationRunRow[]> {
  let query = db
    .selectFrom('validation_runs')
    .selectAll()
    .where('version_id', '=', options.versionId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit);
  const before = options.before;
  if (before)
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', before.at),
        eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)]),
      ]),
    );
  return query.execute();
}

export async function insertWaiver(db: Executor, row: Insertable<ValidationWaiverTable>): Promise<void> {
  await db.insertInto('validation_waivers').values(row).execute();
}

export async function findWaiverRow(db: Executor, id: string): Promise<ValidationWaiverRow | undefined> {
  return db.selectFrom('validation_waivers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findWaiverRows(db: Executor, runId: string): Promise<ValidationWaiverRow[]> {
  return db
    .selectFrom('validation_waivers')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('requested_at')
    .orderBy('id')
    .execute();
}

/**
 * Waivers of one check of one run that still stand at `now`: pending or approved, and not past
 * their `until`. At most one may stand at a time.
 */
export async function findStandingWaivers(
  db: Executor,
  runId: string,
  checkName: string,
  now: string,
): Promise<ValidationWaiverRow[]> {
  return db
    .selectFrom('validation_waivers')
    .selectAll()
    .where('run_id', '=', runId)
    .where('check_name', '=', checkName)
    .where('status', 'in', ['pending', 'approved'])
    .where('until', '>', now)
    .orderBy('id')
    .execute();
}

/** Holds the run's row until the transaction ends, so waiver decisions on one run serialise. */
export async function lockRunRow(db: Executor, id: string): Promise<void> {
  await db.selectFrom('validation_runs').select('id').where('id', '=', id).forUpdate().execute();
}

/** Approves a pending waiver; answers false when it was no longer pending (someone else approved first). */
export async function markWaiverApproved(
  db: Executor,
  id: string,
  approvedBy: string,
  approvedAt: string,
): Promise<boolean> {
  const res = await db
    .updateTable('validation_waivers')
    .set({ status: 'approved', approved_by: approvedBy, approved_at: approvedAt })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Reference rows a monitoring baseline keeps verbatim for a version, if any were uploaded. */
export async function findReferenceRows(db: Executor, versionId: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('monitoring_reference_rows')
    .select('record')
    .where('version_id', '=', versionId)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => r.record);
}

import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { PolicyVersionTable } from './policy.table.js';

export type PolicyVersionRow = Selectable<PolicyVersionTable>;

export async function findLatestPolicyRow(db: Executor): Promise<PolicyVersionRow | undefined> {
  return db.selectFrom('policy_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
}

export async function findPolicyRow(db: Executor, version: number): Promise<PolicyVersionRow | undefined> {
  return db.selectFrom('policy_versions').selectAll().where('version', '=', version).executeTakeFirst();
}

/** Newest first; `beforeVersion` continues a page. */
export async function findPolicyRows(
  db: Executor,
  options: { beforeVersion?: number | undefined; limit: number },
): Promise<PolicyVersionRow[]> {
  let query = db.selectFrom('policy_versions').selectAll().orderBy('version', 'desc').limit(options.limit);
  if (options.beforeVersion !== undefined) query = query.where('version', '<', options.beforeVersion);
  return query.execute();
}

export async function insertPolicyRow(db: Executor, row: Insertable<PolicyVersionTable>): Promise<void> {
  await db.insertInto('policy_versions').values(row).execute();
}

import type { Kysely } from 'kysely';

/** The retraining decision log names the champion a "kept" run left in place, and carries training cost. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('retraining_requests').addColumn('kept_version', 'text').execute();
  await db.schema.alterTable('retraining_requests').addColumn('cost_amount', 'double precision').execute();
  await db.schema.alterTable('retraining_requests').addColumn('cost_currency', 'text').execute();
}

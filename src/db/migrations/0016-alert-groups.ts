import { sql, type Kysely } from 'kysely';

/**
 * Grouped alerts: one active alert per model and monitor kind holds every check (rule, feature,
 * segment) that fired in it. `kind` names the group; `members` is the JSON list of those checks
 * with their latest status and the windows they fired or were clean in; `counted_window` is the
 * last window that counted as a repeat or a clean window, so re-evaluating it changes nothing.
 * Existing alerts become groups of their one check.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('alerts')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('alerts')
    .addColumn('members', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('alerts').addColumn('counted_window', 'text').execute();
  await sql`update alerts set kind = rule, counted_window = window_to`.execute(db);
}

import type { Kysely } from 'kysely';

/**
 * Which artifact store the database was initialised with: one row holding the id written into
 * that store at `warden init` (or adopted on the first start after an upgrade).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('artifact_store_identity')
    .addColumn('singleton', 'integer', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

import type { Kysely } from 'kysely';

/** Feature freshness: the last refresh heartbeat of each feature and since when it is late. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feature_freshness')
    .addColumn('feature_id', 'text', (c) => c.primaryKey().references('features.id'))
    .addColumn('last_refresh_at', 'text', (c) => c.notNull())
    .addColumn('last_rows', 'bigint')
    .addColumn('refreshes', 'bigint', (c) => c.notNull())
    // Set by the one server whose conditional update marks the feature late; null while fresh.
    .addColumn('late_since', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

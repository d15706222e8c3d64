import type { Kysely } from 'kysely';

/** Dashboard sign-in sessions: a cookie secret (stored as SHA-256) standing for a Warden token. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ui_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_id', 'text', (c) => c.notNull().references('api_tokens.id'))
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('ui_sessions_token_idx').on('ui_sessions').column('token_id').execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * Dashboard sign-in through the OIDC identity provider, and labelled counts of monitoring results.
 *
 * - `ui_sessions` no longer needs a Warden token: a session started at the identity provider has
 *   no token, and carries the roles its ID token's claims gave (`roles`, JSON); `method` says how it
 *   was started (`token` or `oidc`). The table is rebuilt because SQLite cannot drop a NOT NULL.
 * - `ui_oidc_logins`: sign-ins in progress (state, nonce and PKCE verifier), used once, for minutes.
 * - `monitoring_results.labelled`: how many of the window's records had a label when it was
 *   evaluated (null for results stored before the count was kept).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ui_sessions_v2')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('token_id', 'text', (c) => c.references('api_tokens.id'))
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('roles', 'text')
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await sql`insert into ui_sessions_v2
      (id, secret_hash, method, token_id, principal, roles, csrf_token, created_at, expires_at, ended_at)
    select id, secret_hash, 'token', token_id, principal, null, csrf_token, created_at, expires_at, ended_at
    from ui_sessions`.execute(db);
  await db.schema.dropTable('ui_sessions').execute();
  await db.schema.alterTable('ui_sessions_v2').renameTo('ui_sessions').execute();
  await db.schema.createIndex('ui_sessions_token_idx').on('ui_sessions').column('token_id').execute();

  await db.schema
    .createTable('ui_oidc_logins')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('next_path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ui_oidc_logins_expires_idx')
    .on('ui_oidc_logins')
    .column('expires_at')
    .execute();

  await db.schema.alterTable('monitoring_results').addColumn('labelled', 'integer').execute();
}

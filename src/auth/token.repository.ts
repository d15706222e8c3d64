import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { Role } from './roles.js';
import type { ApiTokenTable } from './token.table.js';

export interface ApiToken {
  id: string;
  principal: string;
  roles: Role[];
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export function toApiToken(row: Selectable<ApiTokenTable>): ApiToken {
  return {
    id: row.id,
    principal: row.principal,
    roles: JSON.parse(row.roles) as Role[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export async function insertToken(db: Executor, token: ApiToken, tokenHash: string): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      id: token.id,
      principal: token.principal,
      roles: JSON.stringify(token.roles),
      token_hash: tokenHash,
      created_at: token.createdAt,
      created_by: token.createdBy,
      expires_at: token.expiresAt,
      revoked_at: null,
    })
    .execute();
}

export async function findTokenByHash(db: Executor, tokenHash: string): Promise<ApiToken | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row ? toApiToken(row) : undefined;
}

export async function findTokenById(db: Executor, id: string): Promise<ApiToken | undefined> {
  const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toApiToken(row) : undefined;
}

export async function listTokens(
  db: Executor,
  opts: { principal?: string | undefined; afterId?: string | undefined; limit: number },
): Promise<ApiToken[]> {
  let q = db.selectFrom('api_tokens').selectAll();
  if (opts.principal) q = q.where('principal', '=', opts.principal);
  if (opts.afterId) q = q.where('id', '>', opts.afterId);
  const rows = await q.orderBy('id').limit(opts.limit).execute();
  return rows.map(toApiToken);
}

export async function revokeToken(db: Executor, id: string, at: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

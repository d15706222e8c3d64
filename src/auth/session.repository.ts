import type { Executor } from '../db/database.js';
import type { Role } from './roles.js';

export interface UiSession {
  id: string;
  tokenId: string;
  principal: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** A live session with what its token allows now (roles, revocation, expiry). */
export interface SessionWithToken extends UiSession {
  endedAt: string | null;
  roles: Role[];
  tokenRevokedAt: string | null;
  tokenExpiresAt: string | null;
}

export async function insertSession(db: Executor, session: UiSession, secretHash: string): Promise<void> {
  await db
    .insertInto('ui_sessions')
    .values({
      id: session.id,
      secret_hash: secretHash,
      token_id: session.tokenId,
      principal: session.principal,
      csrf_token: session.csrfToken,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      ended_at: null,
    })
    .execute();
}

export async function findSessionByHash(
  db: Executor,
  secretHash: string,
): Promise<SessionWithToken | undefined> {
  const row = await db
    .selectFrom('ui_sessions as s')
    .innerJoin('api_tokens as t', 't.id', 's.token_id')
    .select([
      's.id',
      's.token_id',
      's.principal',
      's.csrf_token',
      's.created_at',
      's.expires_at',
      's.ended_at',
      't.roles',
      't.revoked_at',
      't.expires_at as token_expires_at',
    ])
    .where('s.secret_hash', '=', secretHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    tokenId: row.token_id,
    principal: row.principal,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    roles: JSON.parse(row.roles) as Role[],
    tokenRevokedAt: row.revoked_at,
    tokenExpiresAt: row.token_expires_at,
  };
}

export async function endSession(db: Executor, id: string, at: string): Promise<void> {
  await db
    .updateTable('ui_sessions')
    .set({ ended_at: at })
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .execute();
}

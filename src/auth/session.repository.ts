import type { Executor } from '../db/database.js';
import type { Role } from './roles.js';

export interface UiSession {
  id: string;
  /** The Warden token signed in with; null for a session started at the identity provider. */
  tokenId: string | null;
  principal: string;
  /** The roles the identity provider's claims gave (sessions without a token); null with a token. */
  roles: Role[] | null;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** A live session with what it allows now (roles, and for a token session its revocation and expiry). */
export interface SessionWithToken {
  id: string;
  /** The token's id, or `oidc` for a session started at the identity provider. */
  tokenId: string;
  method: 'token' | 'oidc';
  principal: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
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
      method: session.tokenId === null ? 'oidc' : 'token',
      token_id: session.tokenId,
      principal: session.principal,
      roles: session.roles === null ? null : JSON.stringify(session.roles),
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
    .leftJoin('api_tokens as t', 't.id', 's.token_id')
    .select([
      's.id',
      's.method',
      's.token_id',
      's.principal',
      's.roles as session_roles',
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
  const roles = row.method === 'oidc' ? row.session_roles : row.roles;
  // A token session whose token row is gone counts as revoked.
  const tokenGone = row.method === 'token' && row.roles === null;
  return {
    id: row.id,
    tokenId: row.token_id ?? 'oidc',
    method: row.method,
    principal: row.principal,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    roles: roles === null ? [] : (JSON.parse(roles) as Role[]),
    tokenRevokedAt: tokenGone ? row.created_at : (row.revoked_at ?? null),
    tokenExpiresAt: row.token_expires_at ?? null,
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

/** A sign-in at the identity provider in progress. */
export interface OidcLogin {
  stateHash: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  nextPath: string;
  createdAt: string;
  expiresAt: string;
}

/** Stores a sign-in in progress, and forgets those that expired unused. */
export async function insertOidcLogin(db: Executor, login: OidcLogin): Promise<void> {
  await db.deleteFrom('ui_oidc_logins').where('expires_at', '<=', login.createdAt).execute();
  await db
    .insertInto('ui_oidc_logins')
    .values({
      state_hash: login.stateHash,
      nonce: login.nonce,
      code_verifier: login.codeVerifier,
      redirect_uri: login.redirectUri,
      next_path: login.nextPath,
      created_at: login.createdAt,
      expires_at: login.expiresAt,
    })
    .execute();
}

/** Takes a sign-in in progress out of the store: a state can be used once, even by two servers at once. */
export async function takeOidcLogin(db: Executor, stateHash: string): Promise<OidcLogin | undefined> {
  const row = await db
    .deleteFrom('ui_oidc_logins')
    .where('state_hash', '=', stateHash)
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    stateHash: row.state_hash,
    nonce: row.nonce,
    codeVerifier: row.code_verifier,
    redirectUri: row.redirect_uri,
    nextPath: row.next_path,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditLog } from '../audit/audit.service.js';
import { WardenError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Db } from '../db/database.js';
import type { Role } from './roles.js';
import { hashTokenSecret } from './token.js';
import { lookupToken } from './token-cache.js';
import { endSession, findSessionByHash, insertSession, type SessionWithToken } from './session.repository.js';

/** The cookie holding the session secret (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'warden_session';
/** The header the dashboard echoes the session's CSRF token in, on every write. */
export const CSRF_HEADER = 'x-csrf-token';
/** A session lasts this long, or less when its token expires sooner. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export interface StartedSession {
  secret: string;
  principal: string;
  roles: SessionWithToken['roles'];
  csrfToken: string;
  expiresAt: string;
}

/**
 * Exchanges a Warden token for a session: checks the token as the access guard would, stores the
 * session (its secret only as SHA-256) and audits the sign-in in the same transaction.
 */
export async function startSession(
  db: Db,
  audit: AuditLog,
  token: string,
  by: { requestId: string; now: Date },
): Promise<StartedSession> {
  const found = await lookupToken(db, token, by.now.getTime());
  const nowIso = by.now.toISOString();
  if (!found || found.revokedAt !== null || (found.expiresAt !== null && found.expiresAt <= nowIso))
    throw new WardenError('unauthenticated', 'token is unknown, revoked or expired');
  const secret = randomBytes(32).toString('base64url');
  const ttlEnd = new Date(by.now.getTime() + SESSION_TTL_MS).toISOString();
  const expiresAt = found.expiresAt !== null && found.expiresAt < ttlEnd ? found.expiresAt : ttlEnd;
  const csrfToken = await recordSession(
    db,
    audit,
    { tokenId: found.id, principal: found.principal, roles: null, createdAt: nowIso, expiresAt },
    secret,
    by.requestId,
    { tokenId: found.id, expiresAt },
  );
  return { secret, principal: found.principal, roles: found.roles, csrfToken, expiresAt };
}

/** Stores a new session under its secret's hash with its `session.start` audit entry, in one transaction; returns its CSRF token. */
async function recordSession(
  db: Db,
  audit: AuditLog,
  fields: {
    tokenId: string | null;
    principal: string;
    roles: Role[] | null;
    createdAt: string;
    expiresAt: string;
  },
  secret: string,
  requestId: string,
  change: Record<string, unknown>,
): Promise<string> {
  const session = { id: newId('ses'), csrfToken: randomBytes(24).toString('base64url'), ...fields };
  await db.transaction().execute(async (trx) => {
    await insertSession(trx, session, hashTokenSecret(secret));
    await audit.append(trx, {
      actor: fields.principal,
      action: 'session.start',
      subject: `session:${session.id}`,
      requestId,
      change,
    });
  });
  return session.csrfToken;
}

/**
 * Starts a session for a caller the identity provider signed in (no Warden token): the roles its
 * claims gave are kept with the session for its lifetime; audited in the same transaction.
 */
export async function startIdentitySession(
  db: Db,
  audit: AuditLog,
  identity: { name: string; roles: Role[]; issuer: string; subject: string | undefined },
  by: { requestId: string; now: Date },
): Promise<StartedSession> {
  const secret = randomBytes(32).toString('base64url');
  const nowIso = by.now.toISOString();
  const expiresAt = new Date(by.now.getTime() + SESSION_TTL_MS).toISOString();
  const csrfToken = await recordSession(
    db,
    audit,
    { tokenId: null, principal: identity.name, roles: identity.roles, createdAt: nowIso, expiresAt },
    secret,
    by.requestId,
    {
      method: 'oidc',
      issuer: identity.issuer,
      ...(identity.subject !== undefined ? { subject: identity.subject } : {}),
      roles: identity.roles,
      expiresAt,
    },
  );
  return { secret, principal: identity.name, roles: identity.roles, csrfToken, expiresAt };
}

/** The live session a cookie secret stands for; refused when it, or its token, has ended. */
export async function authenticateSession(db: Db, secret: string, now: Date): Promise<SessionWithToken> {
  const session = await findSessionByHash(db, hashTokenSecret(secret));
  const nowIso = now.toISOString();
  if (
    !session ||
    session.endedAt !== null ||
    session.expiresAt <= nowIso ||
    session.tokenRevokedAt !== null ||
    (session.tokenExpiresAt !== null && session.tokenExpiresAt <= nowIso)
  )
    throw new WardenError('unauthenticated', 'session is unknown, ended or expired: sign in again');
  return session;
}

/** Refuses a write made with a session cookie unless it carries the session's CSRF token. */
export function checkCsrf(session: SessionWithToken, given: string | undefined): void {
  const expected = Buffer.from(session.csrfToken);
  const actual = Buffer.from(given ?? '');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    throw new WardenError(
      'forbidden',
      `writes signed in with a session cookie need the session's ${CSRF_HEADER} header`,
    );
}

/** Signs out: the session ends at once, audited. */
export async function stopSession(
  db: Db,
  audit: AuditLog,
  session: { id: string; principal: string },
  by: { requestId: string; now: Date },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await endSession(trx, session.id, by.now.toISOString());
    await audit.append(trx, {
      actor: session.principal,
      action: 'session.end',
      subject: `session:${session.id}`,
      requestId: by.requestId,
      change: null,
    });
  });
}

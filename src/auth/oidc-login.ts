import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditLog } from '../audit/audit.service.js';
import { isSecureProviderUrl, OIDC_CALLBACK_PATH, type OidcConfig } from '../config/config.js';
import { invalidInput, WardenError } from '../core/errors.js';
import type { Db } from '../db/database.js';
import type { OidcVerifier } from './oidc-verifier.js';
import { insertOidcLogin, takeOidcLogin } from './session.repository.js';
import { startIdentitySession, type StartedSession } from './session.service.js';

/**
 * Dashboard sign-in at the OIDC identity provider: the authorization code flow with PKCE (S256).
 * The state, nonce and code verifier are kept in the store (so any server may receive the
 * callback) and used once; the browser holds the state in a short-lived HttpOnly cookie, which
 * binds the callback to the browser that began the sign-in.
 */

export const OIDC_LOGIN_PATH = '/auth/oidc/login';

/** Dashboard sign-in through the provider is offered when OIDC has a client id. */
export function dashboardOidc(
  config: OidcConfig | undefined,
): (OidcConfig & { clientId: string }) | undefined {
  return config?.clientId !== undefined ? (config as OidcConfig & { clientId: string }) : undefined;
}

/** The name on the sign-in button: configured, or the issuer's host. */
export function providerName(config: OidcConfig): string {
  return config.providerName ?? (URL.canParse(config.issuer) ? new URL(config.issuer).host : config.issuer);
}

/** The cookie holding the state of a sign-in in progress (HttpOnly, SameSite=Lax, path /auth/oidc). */
export const OIDC_LOGIN_COOKIE = 'warden_oidc_login';
/** A sign-in must come back from the provider within this time. */
export const OIDC_LOGIN_TTL_MS = 10 * 60 * 1000;
const PROVIDER_TIMEOUT_MS = 5000;
const DISCOVERY_CACHE_MS = 10 * 60 * 1000;
const MAX_NEXT_LENGTH = 2000;

/**
 * Why a callback was refused, as the sign-in page explains it (`/sign-in?error=<kind>`): the page
 * shows a fixed sentence per kind, so nothing from the query string is echoed to the user.
 */
export type OidcLoginFailure =
  | 'denied' // the user (or the provider's policy) declined
  | 'provider' // the provider answered with another error, or without a code
  | 'state' // missing, unknown, already used, or not this browser's
  | 'expired' // the sign-in took longer than ten minutes
  | 'exchange' // the token endpoint refused the code (expired, used, wrong client)
  | 'id_token' // the ID token did not verify (signature, issuer, audience, expiry, nonce)
  | 'unavailable'; // the provider could not be reached

export class OidcLoginError extends Error {
  constructor(
    readonly kind: OidcLoginFailure,
    readonly reason: string,
    /** The page the sign-in was for, when known. */
    readonly next?: string,
  ) {
    super(reason);
  }
}

/**
 * A same-origin path to return to after sign-in, or undefined when `raw` could leave the origin
 * (an absolute URL, `//host`, a backslash, control characters).
 */
export function safeNextPath(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return '/';
  if (raw.length > MAX_NEXT_LENGTH || !raw.startsWith('/') || raw.startsWith('//')) return undefined;
  if (/[\\\p{Cc}]/u.test(raw)) return undefined;
  const base = 'http://warden.invalid';
  const url = new URL(raw, base);
  if (url.origin !== base) return undefined;
  return url.pathname + url.search + url.hash;
}

/** `next` as a same-origin path, or 400 naming the field. */
export function checkedNext(raw: string | undefined): string {
  const next = safeNextPath(raw);
  if (next === undefined)
    throw invalidInput('next must be a path on this server (such as /models/a), not another site', 'next');
  return next;
}

/** The provider's endpoints: configured, or read from its discovery document. */
export interface ProviderEndpoints {
  authorization: string;
  token: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Reads and caches the authorization and token endpoints; a failure is not cached. */
export function providerEndpoints(config: OidcConfig): () => Promise<ProviderEndpoints> {
  let cached: { at: number; endpoints: ProviderEndpoints } | undefined;
  return async () => {
    if (config.authorizationUrl !== undefined && config.tokenUrl !== undefined)
      return { authorization: config.authorizationUrl, token: config.tokenUrl };
    if (cached && Date.now() - cached.at < DISCOVERY_CACHE_MS) return cached.endpoints;
    const unavailable = () =>
      new OidcLoginError('unavailable', 'the identity provider’s discovery document could not be read');
    let document: { issuer?: unknown; authorization_endpoint?: unknown; token_endpoint?: unknown };
    try {
      const response = await fetch(`${config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
        redirect: 'error',
        headers: { accept: 'application/json' },
      });
      if (!response.ok) throw unavailable();
      document = (await response.json()) as typeof document;
    } catch {
      throw unavailable();
    }
    const endpoint = (configured: string | undefined, found: unknown): string => {
      const value = configured ?? found;
      if (typeof value !== 'string' || !URL.canParse(value) || !isSecureProviderUrl(new URL(value)))
        throw unavailable();
      return value;
    };
    if (document.issuer !== config.issuer) throw unavailable();
    const endpoints = {
      authorization: endpoint(config.authorizationUrl, document.authorization_endpoint),
      token: endpoint(config.tokenUrl, document.token_endpoint),
    };
    cached = { at: Date.now(), endpoints };
    return endpoints;
  };
}

/** The callback URL: configured, or this server's origin as the browser reached it. */
export function redirectUriFor(config: OidcConfig, requestUrl: string): string {
  return config.redirectUrl ?? new URL(OIDC_CALLBACK_PATH, requestUrl).href;
}

/**
 * Begins a sign-in: stores a fresh state, nonce and PKCE verifier, and returns the provider's
 * authorization URL and the state for the browser's cookie. `next` must be a same-origin path.
 */
export async function beginOidcLogin(
  db: Db,
  config: OidcConfig & { clientId: string },
  endpoints: ProviderEndpoints,
  input: { next: string | undefined; redirectUri: string; now: Date },
): Promise<{ location: string; state: string }> {
  const next = checkedNext(input.next);
  const state = randomBytes(32).toString('base64url');
  const nonce = randomBytes(32).toString('base64url');
  const codeVerifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
  await insertOidcLogin(db, {
    stateHash: sha256(state),
    nonce,
    codeVerifier,
    redirectUri: input.redirectUri,
    nextPath: next,
    createdAt: input.now.toISOString(),
    expiresAt: new Date(input.now.getTime() + OIDC_LOGIN_TTL_MS).toISOString(),
  });
  const url = new URL(endpoints.authorization);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('scope', 'openid profile email');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return { location: url.href, state };
}

/** Exchanges the code for tokens at the token endpoint (server to server); returns the ID token. */
async function exchangeCode(
  config: OidcConfig & { clientId: string },
  tokenEndpoint: string,
  input: { code: string; codeVerifier: string; redirectUri: string },
  next: string,
): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.codeVerifier,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (config.clientSecret !== undefined) {
    // client_secret_basic: both parts form-encoded first (RFC 6749, section 2.3.1).
    const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${encode(config.clientId)}:${encode(config.clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', config.clientId);
  }
  let response: Response;
  try {
    response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers,
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  } catch {
    throw new OidcLoginError(
      'unavailable',
      'the identity provider’s token endpoint could not be reached',
      next,
    );
  }
  let answer: { id_token?: unknown; error?: unknown } = {};
  try {
    answer = (await response.json()) as typeof answer;
  } catch {
    // not JSON: reported below by status
  }
  if (!response.ok) {
    const error = typeof answer.error === 'string' ? answer.error.slice(0, 60).replace(/[^\w.-]/g, '') : '';
    throw new OidcLoginError(
      'exchange',
      `the token endpoint refused the code (HTTP ${response.status}${error ? `, ${error}` : ''})`,
      next,
    );
  }
  if (typeof answer.id_token !== 'string' || answer.id_token === '')
    throw new OidcLoginError('exchange', 'the token endpoint answered without an ID token', next);
  return answer.id_token;
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Finishes a sign-in: checks the state against the browser's cookie and the store (used once),
 * exchanges the code, verifies the ID token and starts a session with the roles its claims give.
 * Every refusal is an `OidcLoginError` saying why.
 */
export async function finishOidcLogin(
  db: Db,
  audit: AuditLog,
  verifier: OidcVerifier,
  config: OidcConfig & { clientId: string },
  endpoints: () => Promise<ProviderEndpoints>,
  input: {
    query: { state?: string | undefined; code?: string | undefined; error?: string | undefined };
    cookieState: string | undefined;
    now: Date;
    requestId: string;
  },
): Promise<StartedSession & { next: string }> {
  const { query } = input;
  if (query.state === undefined || query.state === '')
    throw new OidcLoginError('state', 'the callback carries no state');
  if (input.cookieState === undefined)
    throw new OidcLoginError('state', 'this browser has no sign-in in progress (no login cookie)');
  if (!sameSecret(query.state, input.cookieState))
    throw new OidcLoginError('state', 'the callback’s state is not the one this browser’s sign-in sent');
  const login = await takeOidcLogin(db, sha256(query.state));
  if (!login) throw new OidcLoginError('state', 'the state is unknown or was already used');
  const next = safeNextPath(login.nextPath) ?? '/';
  if (login.expiresAt <= input.now.toISOString())
    throw new OidcLoginError('expired', 'the sign-in took longer than ten minutes', next);
  if (query.error !== undefined) {
    const code = query.error.slice(0, 60).replace(/[^\w.-]/g, '');
    throw new OidcLoginError(
      code === 'access_denied' ? 'denied' : 'provider',
      `the identity provider answered ${code || 'an error'}`,
      next,
    );
  }
  if (query.code === undefined || query.code === '')
    throw new OidcLoginError('provider', 'the identity provider answered without a code', next);
  let tokenEndpoint: string;
  try {
    tokenEndpoint = (await endpoints()).token;
  } catch (error) {
    if (error instanceof OidcLoginError) throw new OidcLoginError(error.kind, error.reason, next);
    throw error;
  }
  const idToken = await exchangeCode(
    config,
    tokenEndpoint,
    { code: query.code, codeVerifier: login.codeVerifier, redirectUri: login.redirectUri },
    next,
  );
  let identity: Awaited<ReturnType<OidcVerifier['verifyIdToken']>>;
  try {
    identity = await verifier.verifyIdToken(idToken, input.now, {
      clientId: config.clientId,
      nonce: login.nonce,
    });
  } catch (error) {
    if (error instanceof WardenError)
      throw new OidcLoginError(
        error.code === 'unavailable' ? 'unavailable' : 'id_token',
        error.message,
        next,
      );
    throw error;
  }
  const started = await startIdentitySession(
    db,
    audit,
    { name: identity.name, roles: identity.roles, issuer: config.issuer, subject: identity.subject },
    { requestId: input.requestId, now: input.now },
  );
  return { ...started, next };
}

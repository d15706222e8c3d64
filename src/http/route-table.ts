import { z, type OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AuditLog } from '../audit/audit.service.js';
import { looksLikeJwt } from '../auth/oidc-claims.js';
import type { OidcVerifier } from '../auth/oidc-verifier.js';
import type { Role } from '../auth/roles.js';
import type { SessionWithToken } from '../auth/session.repository.js';
import { authenticateSession, checkCsrf, CSRF_HEADER, SESSION_COOKIE } from '../auth/session.service.js';
import { lookupToken } from '../auth/token-cache.js';
import { getCookie } from 'hono/cookie';
import { WardenError } from '../core/errors.js';
import type { Db } from '../db/database.js';
import type { Principal, WardenEnv } from './context.js';
import type { DenialLog } from './denials.js';
import { zodIssueToError } from './errors.js';
import { getConnInfo } from '@hono/node-server/conninfo';

/**
 * Who may call a route: `public` (no token), `authenticated` (any valid token), or a list of roles
 * (any one suffices). There is no default: a route without a declaration is refused by the guard.
 */
export type Access = 'public' | 'authenticated' | readonly Role[];

/**
 * What the request body must be: JSON, JSON-or-NDJSON records, Markdown text, a raw upload, a file
 * of any media type (the MLflow artifact proxy, whose clients send the file's guessed type), or nothing.
 */
export type BodyKind = 'json' | 'records' | 'markdown' | 'binary' | 'file' | 'none';

export interface RouteMeta {
  method: string;
  /** OpenAPI-style path, e.g. `/api/v1/models/{name}`. */
  path: string;
  access: Access;
  body: BodyKind;
  /** Audited when refused: true for every method that changes state. */
  write: boolean;
  /** Also takes `Authorization: Basic` with the token as password (what MLflow clients send). */
  basicAuth?: boolean;
  /** The `route` label of its request metrics (`/api/v1/models/{name}`), computed once. */
  template: string;
}

/** A declared path as a metrics label: Hono parameters (`:name`, `:name{regex}`) written `{name}`. */
function templateOf(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function bodyKindOf(route: RouteConfig): BodyKind {
  const content = route.request?.body?.content ?? {};
  const types = Object.keys(content);
  // Record batches may come as one JSON array or as NDJSON.
  if (types.includes('application/x-ndjson')) return 'records';
  if (types.some((t) => t.includes('json'))) return 'json';
  if (types.includes('text/markdown')) return 'markdown';
  if (types.length > 0) return 'binary';
  return 'none';
}

/**
 * The one place routes are declared. `add` registers the OpenAPI route and records its access
 * rule; the guard middleware looks the rule up for each request before any handler runs.
 */
export class RouteTable {
  private readonly byKey = new Map<string, RouteMeta>();

  constructor(private readonly app: OpenAPIHono<WardenEnv>) {}

  add<R extends RouteConfig>(route: R, access: Access, handler: RouteHandler<R, WardenEnv>): void {
    const honoPath = route.path.replace(/\{([^}]+)\}/g, ':$1');
    const method = route.method.toUpperCase();
    const key = `${method} ${honoPath}`;
    if (this.byKey.has(key)) throw new Error(`route declared twice: ${key}`);
    const meta: RouteMeta = {
      method,
      path: route.path,
      access,
      body: bodyKindOf(route),
      write: WRITE_METHODS.has(method),
      template: templateOf(route.path),
    };
    this.byKey.set(key, meta);
    const described = {
      ...route,
      operationId: route.operationId ?? operationIdOf(method, route.path),
      security: access === 'public' ? [] : [{ bearer: [] }],
      description: `${route.description ?? ''}\n\nAccess: ${
        access === 'public'
          ? 'public'
          : access === 'authenticated'
            ? 'any valid token'
            : `roles ${access.join(', ')}`
      }.`.trim(),
    };
    const request = route.request;
    const urlOnly =
      request !== undefined &&
      (request.params !== undefined || request.query !== undefined) &&
      request.body === undefined &&
      request.headers === undefined &&
      request.cookies === undefined &&
      route.middleware === undefined &&
      route.hide === undefined;
    if (urlOnly) {
      // The same document entry and the same checks as `openapi`, in one synchronous step instead
      // of an asynchronous middleware per part of the URL.
      this.app.openAPIRegistry.registerPath(described);
      this.app.on(method, honoPath, validateUrl(request.query, request.params), handler as never);
    } else {
      this.app.openapi(described, handler);
    }
  }

  /** Also records routes served outside OpenAPI (documentation pages, metrics). */
  addPlain(method: 'GET', path: string, access: Access): void {
    this.byKey.set(`${method} ${path}`, {
      method,
      path,
      access,
      body: 'none',
      write: false,
      template: templateOf(path),
    });
  }

  /**
   * Records a route whose handler is registered on the app directly, outside the OpenAPI document
   * (the MLflow-compatible API, which keeps MLflow's own wire format). `path` is Hono's pattern.
   */
  declare(
    method: string,
    path: string,
    access: Access,
    body: BodyKind,
    options: { basicAuth?: boolean } = {},
  ): void {
    const key = `${method} ${path}`;
    if (this.byKey.has(key)) throw new Error(`route declared twice: ${key}`);
    this.byKey.set(key, {
      method,
      path,
      access,
      body,
      write: WRITE_METHODS.has(method),
      template: templateOf(path),
      ...options,
    });
  }

  lookup(method: string, honoPath: string): RouteMeta | undefined {
    return this.byKey.get(`${method === 'HEAD' ? 'GET' : method} ${honoPath}`);
  }

  all(): RouteMeta[] {
    return [...this.byKey.values()];
  }
}

type UrlSchema = z.ZodType | undefined;

/**
 * Checks a request's query, then its path parameters, against the route's schemas, with exactly
 * what `@hono/zod-openapi` gives them (a query key given once is a string, given more often an
 * array), and refuses the first issue as the app's validation hook does (400 naming the field).
 */
function validateUrl(query: UrlSchema, params: UrlSchema): MiddlewareHandler<WardenEnv> {
  return async (c, next) => {
    if (query) {
      const values: Record<string, string | string[]> = {};
      for (const [key, all] of Object.entries(c.req.queries()))
        values[key] = all.length === 1 ? all[0]! : all;
      c.req.addValidatedData('query', (await parseUrlPart(query, values, 'query')) as never);
    }
    if (params)
      c.req.addValidatedData('param', (await parseUrlPart(params, c.req.param(), 'param')) as never);
    return next();
  };
}

async function parseUrlPart(schema: z.ZodType, value: unknown, where: string): Promise<unknown> {
  let result;
  try {
    result = schema.safeParse(value);
  } catch (error) {
    // A schema with an asynchronous refinement cannot be checked synchronously.
    if (!(error instanceof z.core.$ZodAsyncError)) throw error;
    result = await schema.safeParseAsync(value);
  }
  if (!result.success) throw zodIssueToError(result.error, where);
  return result.data;
}

/** The `route` label of requests that matched no declared route (each path would be a new series). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route a request matched, as declared (`/api/v1/models/{name}`), or `unmatched`. */
export function routeTemplateOf(c: Context<WardenEnv>, routes: RouteTable): string {
  // The access guard has already looked the declaration up for every request it let through.
  const seen = c.get('route');
  if (seen) return seen.template;
  const method = c.req.method;
  const endpoint = matchedRoutes(c).find(
    (r) => r.method === method || (method === 'HEAD' && r.method === 'GET'),
  );
  const meta = endpoint ? routes.lookup(method, endpoint.path) : undefined;
  return meta ? meta.template : UNMATCHED_ROUTE;
}

export interface GuardDeps {
  routes: RouteTable;
  db: Db;
  audit: AuditLog;
  denials: DenialLog;
  allowedOrigins: readonly string[];
  now: () => Date;
  /** Verifies identity-provider JWTs; absent when OIDC is not configured. */
  oidc?: OidcVerifier | undefined;
}

/** Whether a caller holding `roles` may call a route declared with `access`. */
export function allowed(access: Access, roles: readonly Role[]): boolean {
  if (access === 'public' || access === 'authenticated') return true;
  return roles.includes('admin') || access.some((r) => roles.includes(r));
}

/**
 * Runs before every handler: finds the matched route's declaration, refuses undeclared routes,
 * checks browser origin and content type on writes, authenticates the bearer token and checks
 * roles. Refused writes are audited.
 */
export function accessGuard(deps: GuardDeps): MiddlewareHandler<WardenEnv> {
  return async (c, next) => {
    const method = c.req.method;
    const endpoint = matchedRoutes(c).find(
      (r) => r.method === method || (method === 'HEAD' && r.method === 'GET'),
    );
    if (!endpoint) return next(); // nothing matched: the not-found handler answers
    const meta = deps.routes.lookup(method, endpoint.path);
    if (!meta) throw new WardenError('forbidden', `route ${method} ${endpoint.path} declares no access rule`);
    c.set('route', meta);

    // Refusals inside an operation are few and each is its own entry (kept under 1 KB).
    const auditDenied = (error: WardenError, actor: string) =>
      deps.db.transaction().execute((trx) =>
        deps.audit.append(trx, {
          actor,
          action: 'access.denied',
          subject: `route:${method} ${meta.path}`,
          requestId: c.get('requestId'),
          change: { path: c.req.path.slice(0, 200), code: error.code, reason: error.message.slice(0, 300) },
        }),
      );
    // Refusals at the door are counted in memory and written once a minute per caller, route and
    // minute, so a flood of them costs no database write per request.
    const refuse = (refusal: WardenError, actor: string): never => {
      let address = 'unknown';
      try {
        address = getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        // not served by the Node server (in-process requests): one bucket for all
      }
      let error = refusal;
      const wait = actor === 'anonymous' ? deps.denials.limitAnonymous(address) : 0;
      if (wait > 0) {
        c.header('Retry-After', String(wait));
        error = new WardenError(
          'rate_limited',
          `too many requests without a valid token from ${address}; retry after ${wait} s`,
        );
      }
      if (meta.write)
        deps.denials.record({
          actor,
          address,
          method,
          route: meta.path,
          path: c.req.path,
          code: error.code,
          reason: refusal.message,
        });
      throw error;
    };

    const authorize = async (principal: Principal): Promise<void> => {
      c.set('principal', principal);
      if (!allowed(meta.access, principal.roles)) {
        const need = typeof meta.access === 'string' ? [] : meta.access;
        const holds = principal.roles.length === 0 ? 'holds no Warden role;' : 'lacks a role';
        return refuse(
          new WardenError(
            'forbidden',
            `${principal.name} ${holds} this route needs (one of: ${need.join(', ')})`,
          ),
          principal.name,
        );
      }
      if (meta.write)
        checkContentType(
          meta,
          c.req.header('content-type'),
          c.req.header('content-length'),
          c.req.header('transfer-encoding'),
        );
      await next();
      // A write the handler refused for lack of authority (a role the policy does not grant for this
      // model, separation of duties) is audited like one refused here; the handler's own transaction
      // has rolled back, so the entry is written in a transaction of its own.
      if (meta.write && c.error instanceof WardenError && c.error.code === 'forbidden')
        await auditDenied(c.error, principal.name);
    };

    if (meta.write) {
      const origin = c.req.header('origin');
      const host = c.req.header('host');
      const site = c.req.header('sec-fetch-site');
      const sameOrigin =
        origin === undefined ||
        (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`));
      const foreignOrigin = !sameOrigin && !deps.allowedOrigins.includes(origin ?? '');
      if (foreignOrigin || site === 'cross-site') {
        const header = foreignOrigin ? `Origin: ${origin}` : 'Sec-Fetch-Site: cross-site';
        refuse(new WardenError('forbidden', `cross-origin write refused (${header})`), 'anonymous');
      }
    }

    if (meta.access === 'public') return next();

    const header = c.req.header('authorization') ?? '';
    const bearer = bearerOf(header) ?? (meta.basicAuth ? basicPassword(header) : undefined);
    const cookie = bearer ? undefined : getCookie(c, SESSION_COOKIE);
    if (cookie !== undefined) {
      let session: SessionWithToken | undefined;
      try {
        session = await authenticateSession(deps.db, cookie, deps.now());
        if (meta.write) checkCsrf(session, c.req.header(CSRF_HEADER));
      } catch (error) {
        if (error instanceof WardenError) return refuse(error, session?.principal ?? 'anonymous');
        throw error;
      }
      c.set('session', { id: session.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
      return authorize({ tokenId: session.tokenId, name: session.principal, roles: session.roles });
    }
    if (!bearer)
      return refuse(
        new WardenError(
          'unauthenticated',
          meta.basicAuth
            ? 'missing token (Authorization: Bearer <token>, or Basic with the token as password)'
            : 'missing bearer token (Authorization: Bearer <token>)',
        ),
        'anonymous',
      );
    const credential = bearer;
    let principal: Principal;
    if (looksLikeJwt(credential)) {
      if (!deps.oidc) {
        return refuse(
          new WardenError('unauthenticated', 'JWT bearer tokens are not accepted: OIDC is not configured'),
          'anonymous',
        );
      }
      try {
        principal = await deps.oidc.verify(credential, deps.now());
      } catch (error) {
        if (error instanceof WardenError) return refuse(error, 'anonymous');
        throw error;
      }
    } else {
      const known = await principalOfToken(deps.db, credential, deps.now());
      if (!known)
        return refuse(
          new WardenError('unauthenticated', 'token is unknown, revoked or expired'),
          'anonymous',
        );
      principal = known;
    }
    return authorize(principal);
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerOf(header: string): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}

/**
 * The caller a Warden token (not a JWT) names, from the short-lived token cache, or undefined when
 * the token is unknown, revoked or expired at `now`.
 */
export async function principalOfToken(db: Db, secret: string, now: Date): Promise<Principal | undefined> {
  const token = await lookupToken(db, secret, Date.now());
  const nowIso = now.toISOString();
  if (!token || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= nowIso))
    return undefined;
  return { tokenId: token.id, name: token.principal, roles: token.roles };
}

/** The password of an `Authorization: Basic` header (the user name is not used), or undefined. */
function basicPassword(header: string): string | undefined {
  const encoded = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(header)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return /^\S+$/.test(password) ? password : undefined;
}

/** An operationId for routes that declare none: the method and the path, params as `By…`. */
function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\//, '')
    .split('/')
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      const word = param ? `by-${param[1]!}` : segment;
      return word
        .split(/[-_]/)
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join('');
    });
  return method.toLowerCase() + words.join('');
}

/** Media types each body kind accepts; `none` accepts an empty body (or an empty JSON one). */
const ACCEPTED_TYPES: Record<BodyKind, readonly string[]> = {
  json: ['application/json'],
  records: ['application/json', 'application/x-ndjson'],
  markdown: ['text/markdown'],
  binary: ['application/octet-stream'],
  file: [],
  none: ['', 'application/json'],
};

/** Refuses a write whose Content-Type its route does not take (415), so forms cannot post to Warden. */
function checkContentType(
  meta: RouteMeta,
  contentType: string | undefined,
  length: string | undefined,
  transferEncoding: string | undefined,
): void {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const accepted = ACCEPTED_TYPES[meta.body];
  // A PUT of a file cannot come from an HTML form, so any media type is safe to take.
  if (meta.body === 'file') return;
  if (meta.body === 'none') {
    const hasBody = (length !== undefined && length !== '0') || transferEncoding !== undefined;
    if (hasBody && !accepted.includes(type)) {
      throw new WardenError('unsupported_media_type', `this route takes no body of type "${type}"`);
    }
    return;
  }
  if (!accepted.includes(type)) {
    throw new WardenError(
      'unsupported_media_type',
      `send the body as ${accepted.join(' or ')} (got "${type || 'none'}")`,
    );
  }
}

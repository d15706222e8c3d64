import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { looksLikeJwt } from '../auth/oidc-claims.js';
import type { Db } from '../db/database.js';
import { httpRequestObserver } from '../metrics/index.js';
import { requestIdFor } from './response-headers.js';
import { allowed, bearerOf, principalOfToken, type RouteMeta, type RouteTable } from './route-table.js';

/**
 * A read answered on the Node request, before the Hono app, for a route whose every answer would
 * otherwise spend more in routing, middleware and response building than in the handler itself
 * (the routing decision, which gateways may call per request; a version, which most registry
 * clients read). It takes only the plain form of a request; anything else goes to the app, which
 * answers it as it answers every request.
 */
export interface FastRead {
  /**
   * The declared route it answers, in Hono's form, with one or more path parameters, each a whole
   * segment: `/api/v1/models/:name/route`, `/api/v1/models/:name/versions/:version`.
   */
  readonly route: string;
  /**
   * The answer's JSON body (status 200) for the path parameters (by name, still encoded) and the
   * query string (after `?`, still encoded), or undefined — at once or once read — to leave the
   * request to the app: input not in the plain form this read takes (percent-encoding, other
   * parameters), input the app refuses, or nothing found (the app renders the not-found answer).
   */
  answer(params: Readonly<Record<string, string>>, query: string): Promise<object | undefined> | undefined;
}

/** A Node request listener that may answer asynchronously (the Hono app's, from `getRequestListener`). */
export type NodeListener = (incoming: IncomingMessage, outgoing: ServerResponse) => unknown;

export interface FastReadDeps {
  routes: RouteTable;
  db: Db;
  now: () => Date;
}

interface ServedRead {
  read: FastRead;
  meta: RouteMeta;
  /** The route up to its first parameter, which every path it answers starts with. */
  prefix: string;
  /** The segments after `prefix`: a literal, or `{ param }` naming a path parameter. */
  segments: readonly (string | { param: string })[];
  observe: (seconds: number) => void;
}

/**
 * Puts `reads` in front of `app` (the Hono app's Node listener). A request to one of them is
 * answered here only when it carries a Warden bearer token (once) that the access guard would
 * accept for the route, and the read takes its input; the answer has the same status, body and
 * headers as the app's (request id, `nosniff`, JSON) and is counted in the same request-duration
 * series. Every other request, refusals included, is the app's, so refusals, their counting and
 * their bodies stay where they are.
 */
export function withFastReads(
  deps: FastReadDeps,
  reads: readonly FastRead[],
  app: NodeListener,
): RequestListener {
  const served = reads.map((read): ServedRead => {
    const meta = deps.routes.lookup('GET', read.route);
    const at = read.route.indexOf('/:');
    if (!meta || meta.access === 'public' || at < 0)
      throw new Error(`fast read of ${read.route}: no declared GET route with a parameter and a token`);
    return {
      read,
      meta,
      prefix: read.route.slice(0, at + 1),
      segments: read.route
        .slice(at + 1)
        .split('/')
        .map((segment) => (segment.startsWith(':') ? { param: segment.slice(1) } : segment)),
      observe: httpRequestObserver('GET', meta.template, 200),
    };
  });
  return (incoming, outgoing) => {
    if (incoming.method === 'GET') {
      const url = incoming.url ?? '';
      for (const s of served)
        if (url.startsWith(s.prefix)) {
          const q = url.indexOf('?');
          const params = paramsOf(s, q < 0 ? url : url.slice(0, q));
          if (params) {
            void answerFast(deps, s, params, q < 0 ? '' : url.slice(q + 1), incoming, outgoing, app);
            return;
          }
        }
    }
    void app(incoming, outgoing);
  };
}

/**
 * The path parameters of `path` when it has the route's shape (its literal segments, a non-empty
 * segment for each parameter), or undefined. Parameters are not decoded: the read refuses `%`.
 */
function paramsOf(s: ServedRead, path: string): Record<string, string> | undefined {
  const parts = path.slice(s.prefix.length).split('/');
  if (parts.length !== s.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const segment = s.segments[i]!;
    const part = parts[i]!;
    if (typeof segment === 'string') {
      if (part !== segment) return undefined;
    } else if (part === '') return undefined;
    else params[segment.param] = part;
  }
  return params;
}

async function answerFast(
  deps: FastReadDeps,
  s: ServedRead,
  params: Readonly<Record<string, string>>,
  query: string,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  app: NodeListener,
): Promise<void> {
  const started = process.hrtime.bigint();
  const secret = bearerOf(incoming.headers.authorization ?? '');
  if (
    secret === undefined ||
    looksLikeJwt(secret) ||
    // Node keeps the first of repeated Authorization headers; the app sees them joined and refuses.
    !singleAuthorization(incoming.rawHeaders)
  )
    return void app(incoming, outgoing);
  let json: string;
  try {
    const principal = await principalOfToken(deps.db, secret, deps.now());
    if (!principal || !allowed(s.meta.access, principal.roles)) return void app(incoming, outgoing);
    const answer = await s.read.answer(params, query);
    if (answer === undefined) return void app(incoming, outgoing);
    json = JSON.stringify(answer);
  } catch {
    // Nothing is written yet: the app answers (and renders the error) as it would have.
    return void app(incoming, outgoing);
  }
  const id = requestIdFor(incoming.headers['x-request-id'] as string | undefined);
  outgoing.setHeader('X-Request-Id', id);
  outgoing.setHeader('X-Content-Type-Options', 'nosniff');
  outgoing.writeHead(200, { 'content-type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  outgoing.end(json);
  s.observe(Number(process.hrtime.bigint() - started) / 1e9);
}

function singleAuthorization(raw: readonly string[]): boolean {
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') seen++;
  }
  return seen === 1;
}

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { looksLikeJwt } from '../auth/oidc-claims.js';
import type { Db } from '../db/database.js';
import { httpRequestObserver } from '../metrics/index.js';
import { requestIdFor } from './response-headers.js';
import { allowed, bearerOf, principalOfToken, type RouteMeta, type RouteTable } from './route-table.js';

/**
 * A read answered on the Node request, before the Hono app, for a route whose every answer would
 * otherwise spend more in routing, middleware and response building than in the handler itself
 * (the routing decision, which gateways may call per request). It takes only the plain form of a
 * request; anything else goes to the app, which answers it as it answers every request.
 */
export interface FastRead {
  /** The declared route it answers, in Hono's form with one path parameter: `/api/v1/models/:name/route`. */
  readonly route: string;
  /**
   * The answer's JSON body (status 200) for the path parameter and the query string (after `?`,
   * still encoded), or undefined to leave the request to the app: input not in the plain form this
   * read takes (percent-encoding, other parameters), or input the app refuses.
   */
  answer(param: string, query: string): Promise<object> | undefined;
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
  prefix: string;
  suffix: string;
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
    const end = read.route.indexOf('/', at + 1);
    return {
      read,
      meta,
      prefix: read.route.slice(0, at + 1),
      suffix: end < 0 ? '' : read.route.slice(end),
      observe: httpRequestObserver('GET', meta.template, 200),
    };
  });
  return (incoming, outgoing) => {
    if (incoming.method === 'GET') {
      const url = incoming.url ?? '';
      for (const s of served)
        if (url.startsWith(s.prefix)) {
          void answerFast(deps, s, url, incoming, outgoing, app);
          return;
        }
    }
    void app(incoming, outgoing);
  };
}

async function answerFast(
  deps: FastReadDeps,
  s: ServedRead,
  url: string,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  app: NodeListener,
): Promise<void> {
  const started = process.hrtime.bigint();
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const param = path.slice(s.prefix.length, path.length - s.suffix.length);
  const secret = bearerOf(incoming.headers.authorization ?? '');
  if (
    !path.endsWith(s.suffix) ||
    path.length < s.prefix.length + s.suffix.length ||
    param.includes('/') ||
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
    const answer = s.read.answer(param, q < 0 ? '' : url.slice(q + 1));
    if (answer === undefined) return void app(incoming, outgoing);
    json = JSON.stringify(await answer);
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

import type { OpenAPIHono } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { OIDC_CALLBACK_PATH } from '../config/config.js';
import { WardenError } from '../core/errors.js';
import type { AppContext, WardenEnv } from '../http/context.js';
import type { RouteTable } from '../http/route-table.js';
import {
  beginOidcLogin,
  checkedNext,
  dashboardOidc,
  finishOidcLogin,
  OIDC_LOGIN_PATH,
  OIDC_LOGIN_COOKIE,
  OIDC_LOGIN_TTL_MS,
  OidcLoginError,
  providerEndpoints,
  redirectUriFor,
} from './oidc-login.js';
import type { OidcVerifier } from './oidc-verifier.js';
import { setSessionCookie } from './session.routes.js';

function signInPage(kind: string, next: string | undefined): string {
  const query = new URLSearchParams({ error: kind });
  if (next !== undefined && next !== '/') query.set('next', next);
  return `/sign-in?${query.toString()}`;
}

/**
 * `GET /auth/oidc/login?next=/page` sends the browser to the provider; `GET /auth/oidc/callback`
 * receives it back, starts the dashboard session and returns to `next`. Refusals land on the
 * sign-in page with a reason kind (`?error=`), and are audited as refused sign-ins.
 */
const LOGIN_COOKIE_PATH = '/auth/oidc';

export function registerOidcLoginRoutes(
  app: OpenAPIHono<WardenEnv>,
  routes: RouteTable,
  ctx: AppContext,
  verifier: OidcVerifier | undefined,
): void {
  routes.declare('GET', OIDC_LOGIN_PATH, 'public', 'none');
  routes.declare('GET', OIDC_CALLBACK_PATH, 'public', 'none');
  const config = dashboardOidc(ctx.config.oidc);
  const notConfigured = () =>
    new WardenError('not_found', 'sign-in at an identity provider is not configured on this server');
  const endpoints = config ? providerEndpoints(config) : undefined;
  const secure = (c: Context<WardenEnv>) => new URL(c.req.url).protocol === 'https:';

  const refused = (c: Context<WardenEnv>, error: OidcLoginError, route: string) => {
    let address = 'unknown';
    try {
      address = getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // not served by the Node server (in-process requests)
    }
    ctx.denials.record({
      actor: 'anonymous',
      address,
      method: 'GET',
      route,
      path: c.req.path,
      code: `oidc_${error.kind}`,
      reason: `sign-in at the identity provider refused: ${error.reason}`,
    });
    deleteCookie(c, OIDC_LOGIN_COOKIE, { path: LOGIN_COOKIE_PATH });
    c.header('Cache-Control', 'no-store');
    return c.redirect(signInPage(error.kind, error.next), 302);
  };

  app.get(OIDC_LOGIN_PATH, async (c) => {
    if (!config || !endpoints || !verifier) throw notConfigured();
    const next = c.req.query('next');
    checkedNext(next);
    let found;
    try {
      found = await endpoints();
    } catch (error) {
      if (error instanceof OidcLoginError) return refused(c, error, OIDC_LOGIN_PATH);
      throw error;
    }
    const begun = await beginOidcLogin(ctx.db, config, found, {
      next,
      redirectUri: redirectUriFor(config, c.req.url),
      now: ctx.now(),
    });
    // Lax: the provider sends the browser back with a top-level GET from its own site.
    setCookie(c, OIDC_LOGIN_COOKIE, begun.state, {
      httpOnly: true,
      sameSite: 'Lax',
      path: LOGIN_COOKIE_PATH,
      secure: secure(c),
      maxAge: OIDC_LOGIN_TTL_MS / 1000,
    });
    c.header('Cache-Control', 'no-store');
    return c.redirect(begun.location, 302);
  });

  app.get(OIDC_CALLBACK_PATH, async (c) => {
    if (!config || !endpoints || !verifier) throw notConfigured();
    try {
      const started = await finishOidcLogin(ctx.db, ctx.audit, verifier, config, endpoints, {
        query: { state: c.req.query('state'), code: c.req.query('code'), error: c.req.query('error') },
        cookieState: getCookie(c, OIDC_LOGIN_COOKIE),
        now: ctx.now(),
        requestId: c.get('requestId'),
      });
      deleteCookie(c, OIDC_LOGIN_COOKIE, { path: LOGIN_COOKIE_PATH });
      setSessionCookie(c, started);
      c.header('Cache-Control', 'no-store');
      return c.redirect(started.next, 302);
    } catch (error) {
      if (error instanceof OidcLoginError) return refused(c, error, OIDC_CALLBACK_PATH);
      throw error;
    }
  });
}

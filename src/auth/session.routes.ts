import { createRoute, z } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { WardenError } from '../core/errors.js';
import type { Context } from 'hono';
import type { AppContext, WardenEnv } from '../http/context.js';
import { dashboardOidc, OIDC_LOGIN_PATH, providerName } from './oidc-login.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { ROLES } from './roles.js';
import { SESSION_COOKIE, startSession, stopSession } from './session.service.js';

const sessionSchema = z
  .object({
    principal: z.string().openapi({ description: 'Who is signed in' }),
    roles: z.array(z.enum(ROLES)).openapi({ description: 'The roles the token grants' }),
    csrfToken: z.string().nullable().openapi({
      description:
        'Echo it in the X-CSRF-Token header on every write made with the session cookie (null when the call used a bearer token)',
    }),
    expiresAt: z
      .string()
      .nullable()
      .openapi({ description: 'When the session ends (null for bearer tokens)' }),
  })
  .openapi('Session', { description: 'The signed-in principal of the dashboard' });

const signInSchema = z
  .strictObject({ token: z.string().min(1).max(4096).openapi({ description: 'A Warden token (wdn_…)' }) })
  .openapi('SignIn', { description: 'The token to exchange for a session cookie' });

/** Sets the session cookie: HttpOnly, SameSite=Strict, ending with the session. */
export function setSessionCookie(
  c: Context<WardenEnv>,
  started: { secret: string; expiresAt: string },
): void {
  setCookie(c, SESSION_COOKIE, started.secret, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: new URL(c.req.url).protocol === 'https:',
    expires: new Date(started.expiresAt),
  });
}

const signInMethodsSchema = z
  .object({
    token: z.literal(true).openapi({ description: 'Sign-in with a Warden token is always offered' }),
    oidc: z
      .object({
        name: z.string().openapi({ description: 'The provider’s name, for “Sign in with …”' }),
        loginUrl: z
          .string()
          .openapi({ description: 'Where the browser starts the sign-in (add ?next=/page)' }),
      })
      .nullable()
      .openapi({ description: 'Sign-in at the OIDC identity provider; null when not configured' }),
  })
  .openapi('SignInMethods', { description: 'How the dashboard may sign in on this server' });

export function registerSessionRoutes(routes: RouteTable, ctx: AppContext): void {
  const oidc = dashboardOidc(ctx.config.oidc);
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/sessions/methods',
      tags: ['sessions'],
      operationId: 'listSignInMethods',
      summary: 'How the dashboard may sign in: a Warden token, and the identity provider when configured',
      responses: jsonResponse(200, signInMethodsSchema, 'The sign-in methods'),
    }),
    'public',
    (c) =>
      c.json(
        { token: true as const, oidc: oidc ? { name: providerName(oidc), loginUrl: OIDC_LOGIN_PATH } : null },
        200,
      ),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/sessions',
      tags: ['sessions'],
      operationId: 'startSession',
      summary: 'Sign in: exchange a token for an HttpOnly session cookie',
      description:
        'Sets the `warden_session` cookie (HttpOnly, SameSite=Strict). API calls then authenticate with the cookie; writes must carry the returned csrfToken in the X-CSRF-Token header.',
      request: jsonBody(signInSchema),
      responses: jsonResponse(201, sessionSchema, 'The session started'),
    }),
    'public',
    async (c) => {
      const started = await startSession(ctx.db, ctx.audit, c.req.valid('json').token, {
        requestId: c.get('requestId'),
        now: ctx.now(),
      });
      setSessionCookie(c, started);
      const { secret: _secret, ...session } = started;
      return c.json(session, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/sessions/current',
      tags: ['sessions'],
      operationId: 'showSession',
      summary: 'Who is signed in, with the session’s CSRF token',
      responses: jsonResponse(200, sessionSchema, 'The caller'),
    }),
    'authenticated',
    (c) => {
      const principal = c.get('principal');
      const session = c.get('session');
      return c.json(
        {
          principal: principal.name,
          roles: principal.roles,
          csrfToken: session?.csrfToken ?? null,
          expiresAt: session?.expiresAt ?? null,
        },
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'delete',
      path: '/api/v1/sessions/current',
      tags: ['sessions'],
      operationId: 'endSession',
      summary: 'Sign out: end the session and clear its cookie',
      responses: jsonResponse(200, z.object({ ended: z.boolean() }), 'The session ended'),
    }),
    'authenticated',
    async (c) => {
      const session = c.get('session');
      if (!session) throw new WardenError('invalid_input', 'this call used a bearer token, not a session');
      await stopSession(
        ctx.db,
        ctx.audit,
        { id: session.id, principal: c.get('principal').name },
        { requestId: c.get('requestId'), now: ctx.now() },
      );
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.json({ ended: true }, 200);
    },
  );
}

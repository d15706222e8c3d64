import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { ROLES } from './roles.js';
import { forgetCachedTokens } from './token-cache.js';
import { listTokens } from './token.repository.js';
import { issueToken, revokeTokenById } from './token.service.js';

const tokenSchema = z
  .object({
    id: z.string(),
    principal: z.string(),
    roles: z.array(z.enum(ROLES)),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('Token', {
    description: 'An API token: its principal, roles and expiry (the secret is shown once, at creation)',
  });

const createTokenSchema = z
  .strictObject({
    principal: z.string().min(1).max(200),
    roles: z.array(z.string()).min(1).max(ROLES.length),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .openapi('CreateToken', { description: 'A new token for a principal with the given roles' });

export function registerTokenRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/tokens',
      tags: ['tokens'],
      summary: 'Create a token for a principal (the secret is shown once)',
      request: jsonBody(createTokenSchema),
      responses: jsonResponse(
        201,
        tokenSchema.extend({ token: z.string() }),
        'The new token, with its secret',
      ),
    }),
    ['admin'],
    async (c) => {
      const created = await ctx.db.transaction().execute((trx) =>
        issueToken(trx, ctx.audit, c.req.valid('json'), {
          actor: c.get('principal').name,
          requestId: c.get('requestId'),
          now: ctx.now(),
        }),
      );
      return c.json(created, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/tokens',
      tags: ['tokens'],
      summary: 'List tokens (never their secrets)',
      request: { query: z.object({ principal: z.string().optional(), ...pageQuery }) },
      responses: jsonResponse(200, pageSchema(tokenSchema), 'A page of tokens'),
    }),
    ['admin'],
    async (c) => {
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ id: string }>(query.pageToken, ['id']);
      const rows = await listTokens(ctx.db, {
        principal: query.principal,
        afterId: cursor?.id,
        limit: query.limit + 1,
      });
      return c.json(
        toPage(rows, query.limit, (t) => ({ id: t.id })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/tokens/{id}/revoke',
      tags: ['tokens'],
      summary: 'Revoke a token at once',
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: jsonResponse(200, tokenSchema, 'The revoked token'),
    }),
    ['admin'],
    async (c) => {
      const revoked = await ctx.db.transaction().execute((trx) =>
        revokeTokenById(trx, ctx.audit, c.req.valid('param').id, {
          actor: c.get('principal').name,
          requestId: c.get('requestId'),
          now: ctx.now(),
        }),
      );
      forgetCachedTokens(ctx.db);
      return c.json(revoked, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/whoami',
      tags: ['tokens'],
      summary: 'The caller’s principal and roles',
      responses: jsonResponse(
        200,
        z.object({ principal: z.string(), roles: z.array(z.string()), tokenId: z.string() }),
        'The caller',
      ),
    }),
    'authenticated',
    (c) => {
      const p = c.get('principal');
      return c.json({ principal: p.name, roles: p.roles, tokenId: p.tokenId }, 200);
    },
  );
}

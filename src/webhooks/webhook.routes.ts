import { createRoute, z } from '@hono/zod-openapi';
import type { Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { listDeliveries, listSubscriptions, toWebhook } from './webhook.repository.js';
import { createWebhookSchema, deliverySchema, webhookSchema } from './webhook.schema.js';
import { createWebhook, deleteWebhook, requireWebhook } from './webhook.service.js';

const WEBHOOK_ROLES: readonly Role[] = ['admin', 'mlops'];
const idParams = z.object({ id: z.string().min(1).max(64) });

export function registerWebhookRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/webhooks',
      tags: ['webhooks'],
      summary: 'Subscribe a URL to events; deliveries are signed with the secret (X-Warden-Signature)',
      request: jsonBody(createWebhookSchema),
      responses: jsonResponse(201, webhookSchema, 'The subscription (the secret is never returned)'),
    }),
    WEBHOOK_ROLES,
    async (c) => {
      const hook = await createWebhook(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('json'),
      );
      return c.json(hook, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/webhooks',
      tags: ['webhooks'],
      summary: 'List webhook subscriptions',
      request: { query: z.object(pageQuery) },
      responses: jsonResponse(200, pageSchema(webhookSchema), 'A page of subscriptions'),
    }),
    WEBHOOK_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ id: string }>(query.pageToken, ['id']);
      const rows = await listSubscriptions(ctx.db, { afterId: cursor?.id, limit: query.limit + 1 });
      return c.json(
        toPage(rows.map(toWebhook), query.limit, (w) => ({ id: w.id })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/webhooks/{id}',
      tags: ['webhooks'],
      summary: 'Show a webhook subscription',
      request: { params: idParams },
      responses: jsonResponse(200, webhookSchema, 'The subscription'),
    }),
    WEBHOOK_ROLES,
    async (c) => c.json(await requireWebhook(ctx.db, c.req.valid('param').id), 200),
  );

  routes.add(
    createRoute({
      method: 'delete',
      path: '/api/v1/webhooks/{id}',
      tags: ['webhooks'],
      summary: 'Remove a subscription; its pending deliveries are cancelled, its log is kept',
      request: { params: idParams },
      responses: jsonResponse(200, z.object({ id: z.string(), deleted: z.literal(true) }), 'Removed'),
    }),
    WEBHOOK_ROLES,
    async (c) => {
      const { id } = c.req.valid('param');
      await deleteWebhook(ctx, { principal: c.get('principal'), requestId: c.get('requestId') }, id);
      return c.json({ id, deleted: true as const }, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/webhooks/{id}/deliveries',
      tags: ['webhooks'],
      summary: 'The delivery log of a subscription, newest first, with each attempt',
      request: {
        params: idParams,
        query: z.object({
          status: z.enum(['pending', 'delivered', 'dead', 'cancelled']).optional(),
          ...pageQuery,
        }),
      },
      responses: jsonResponse(200, pageSchema(deliverySchema), 'A page of deliveries'),
    }),
    WEBHOOK_ROLES,
    async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      await requireWebhook(ctx.db, id);
      const cursor = decodePageToken<{ id: string }>(query.pageToken, ['id']);
      const rows = await listDeliveries(ctx.db, {
        subscriptionId: id,
        status: query.status,
        beforeId: cursor?.id,
        limit: query.limit + 1,
      });
      return c.json(
        toPage(rows, query.limit, (d) => ({ id: d.id })),
        200,
      );
    },
  );
}

import { createRoute, z } from '@hono/zod-openapi';
import type { RouteTable } from './route-table.js';

const healthSchema = z
  .object({ status: z.literal('ok') })
  .openapi('Health', { description: 'The server is up and its store is open' });

/** `GET /healthz`: 200 once the server is ready; the one route a load balancer needs, without a token. */
export function registerHealthRoutes(routes: RouteTable): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['health'],
      summary: 'Readiness: 200 when the server is ready',
      responses: {
        200: { content: { 'application/json': { schema: healthSchema } }, description: 'Ready' },
      },
    }),
    'public',
    (c) => c.json({ status: 'ok' as const }, 200),
  );
}

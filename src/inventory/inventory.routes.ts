import { createRoute } from '@hono/zod-openapi';
import { ALL_ROLES } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { findInventoryPage } from './inventory.repository.js';
import { inventoryPageSchema, inventoryQuerySchema } from './inventory.schema.js';

export function registerInventoryRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/inventory',
      tags: ['models'],
      operationId: 'listInventory',
      summary: 'The model inventory: champion, latest version, health and open change requests per model',
      description:
        'Filtered, sorted and paged by the server (offset paging with the total), so 10,000 models list as fast as 10.',
      request: { query: inventoryQuerySchema },
      responses: jsonResponse(200, inventoryPageSchema, 'A page of the inventory'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const page = await findInventoryPage(ctx.db, query);
      return c.json({ ...page, offset: query.offset, limit: query.limit }, 200);
    },
  );
}

import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, type Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { ALERT_STATUSES, SEVERITIES } from './alert-state.js';
import { findAlerts, toAlert } from './alert.repository.js';
import { alertSchema, lifecycleCommentBody } from './alert.schema.js';
import { acknowledgeAlert, requireAlert, resolveAlert } from './alert.service.js';

/** Who may acknowledge and resolve alerts and incidents (the operations side of the RACI). */
export const RESPONDER_ROLES: readonly Role[] = ['admin', 'operations', 'mlops', 'ml-engineer'];

const idParams = z.object({ id: z.string().min(1).max(128) });

export function registerAlertRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/alerts',
      tags: ['alerts'],
      summary: 'List alerts, newest first',
      request: {
        query: z.object({
          model: z.string().max(200).optional(),
          status: z.enum(ALERT_STATUSES).optional(),
          severity: z.enum(SEVERITIES).optional(),
          ...pageQuery,
        }),
      },
      responses: jsonResponse(200, pageSchema(alertSchema), 'A page of alerts'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ id: string }>(query.pageToken, ['id']);
      const rows = await findAlerts(ctx.db, {
        modelName: query.model,
        status: query.status,
        severity: query.severity,
        beforeId: cursor?.id,
        limit: query.limit + 1,
      });
      return c.json(
        toPage(rows, query.limit, (a) => ({ id: a.id })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/alerts/{id}',
      tags: ['alerts'],
      summary: 'Show an alert',
      request: { params: idParams },
      responses: jsonResponse(200, alertSchema, 'The alert'),
    }),
    ALL_ROLES,
    async (c) => c.json(toAlert(await requireAlert(ctx.db, c.req.valid('param').id)), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/alerts/{id}/acknowledge',
      tags: ['alerts'],
      summary: 'Acknowledge an open alert (stops its escalation)',
      request: { params: idParams, ...jsonBody(lifecycleCommentBody) },
      responses: jsonResponse(200, alertSchema, 'The acknowledged alert'),
    }),
    RESPONDER_ROLES,
    async (c) => {
      const alert = await acknowledgeAlert(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').id,
        c.req.valid('json').comment,
      );
      return c.json(alert, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/alerts/{id}/resolve',
      tags: ['alerts'],
      summary: 'Resolve an open or acknowledged alert',
      request: { params: idParams, ...jsonBody(lifecycleCommentBody) },
      responses: jsonResponse(200, alertSchema, 'The resolved alert'),
    }),
    RESPONDER_ROLES,
    async (c) => {
      const alert = await resolveAlert(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').id,
        c.req.valid('json').comment,
      );
      return c.json(alert, 200);
    },
  );
}

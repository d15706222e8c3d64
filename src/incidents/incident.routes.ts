import { createRoute, z } from '@hono/zod-openapi';
import { lifecycleCommentBody } from '../alerts/alert.schema.js';
import { ALL_ROLES, type Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { findIncidents, toIncident } from './incident.repository.js';
import { INCIDENT_STATUSES, incidentSchema } from './incident.schema.js';
import { acknowledgeIncident, requireIncident, resolveIncident } from './incident.service.js';

const idParams = z.object({ id: z.string().min(1).max(128) });

export function registerIncidentRoutes(
  routes: RouteTable,
  ctx: AppContext,
  responders: readonly Role[],
): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/incidents',
      tags: ['incidents'],
      summary: 'List incidents (safety-signal and feedback-rate spikes), newest first',
      request: {
        query: z.object({
          model: z.string().max(200).optional(),
          status: z.enum(INCIDENT_STATUSES).optional(),
          signal: z.string().max(200).optional(),
          ...pageQuery,
        }),
      },
      responses: jsonResponse(200, pageSchema(incidentSchema), 'A page of incidents'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ id: string }>(query.pageToken, ['id']);
      const rows = await findIncidents(ctx.db, {
        modelName: query.model,
        status: query.status,
        signal: query.signal,
        beforeId: cursor?.id,
        limit: query.limit + 1,
      });
      return c.json(
        toPage(rows, query.limit, (i) => ({ id: i.id })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/incidents/{id}',
      tags: ['incidents'],
      summary: 'Show an incident',
      request: { params: idParams },
      responses: jsonResponse(200, incidentSchema, 'The incident'),
    }),
    ALL_ROLES,
    async (c) => c.json(toIncident(await requireIncident(ctx.db, c.req.valid('param').id)), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/incidents/{id}/acknowledge',
      tags: ['incidents'],
      summary: 'Acknowledge an open incident',
      request: { params: idParams, ...jsonBody(lifecycleCommentBody) },
      responses: jsonResponse(200, incidentSchema, 'The acknowledged incident'),
    }),
    responders,
    async (c) => {
      const incident = await acknowledgeIncident(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').id,
        c.req.valid('json').comment,
      );
      return c.json(incident, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/incidents/{id}/resolve',
      tags: ['incidents'],
      summary: 'Resolve an open or acknowledged incident',
      request: { params: idParams, ...jsonBody(lifecycleCommentBody) },
      responses: jsonResponse(200, incidentSchema, 'The resolved incident'),
    }),
    responders,
    async (c) => {
      const incident = await resolveIncident(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').id,
        c.req.valid('json').comment,
      );
      return c.json(incident, 200);
    },
  );
}

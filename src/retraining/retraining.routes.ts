import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, type Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { requireModel } from '../registry/registry.service.js';
import { findRetrainingRequests, toRetrainingRequest } from './retraining.repository.js';
import {
  RETRAINING_STATUSES,
  retrainingLogSchema,
  retrainingRequestSchema,
  retrainingResultSchema,
} from './retraining.schema.js';
import { recordRetrainingResult, requireRetrainingRequest, retrainingLog } from './retraining.service.js';

/** Who may report a retraining run's result: the pipeline's token holds one of these. */
const PIPELINE_ROLES: readonly Role[] = ['admin', 'mlops', 'ml-engineer'];

const idParams = z.object({ id: z.string().min(1).max(128) });

export function registerRetrainingRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/retraining-requests',
      tags: ['retraining'],
      summary: 'List retraining requests, newest first (404 for an unknown model)',
      request: {
        query: z.object({
          model: modelName.optional(),
          status: z.enum(RETRAINING_STATUSES).optional(),
          ...pageQuery,
        }),
      },
      responses: jsonResponse(200, pageSchema(retrainingRequestSchema), 'A page of retraining requests'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      // An unknown model is an error, not an empty list that reads as "nothing needs retraining".
      if (query.model !== undefined) await requireModel(ctx.db, query.model);
      const cursor = decodePageToken<{ id: string }>(query.pageToken, ['id']);
      const rows = await findRetrainingRequests(ctx.db, {
        modelName: query.model,
        status: query.status,
        beforeId: cursor?.id,
        limit: query.limit + 1,
      });
      return c.json(
        toPage(rows.map(toRetrainingRequest), query.limit, (r) => ({ id: r.id })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/retraining-requests/{id}',
      tags: ['retraining'],
      summary: 'Show a retraining request',
      request: { params: idParams },
      responses: jsonResponse(200, retrainingRequestSchema, 'The retraining request'),
    }),
    ALL_ROLES,
    async (c) => c.json(await requireRetrainingRequest(ctx.db, c.req.valid('param').id), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/retraining-requests/{id}/result',
      tags: ['retraining'],
      summary: 'Report how the retraining run ended (from the pipeline)',
      description:
        'Checked against the registry: "promoted" must name in producedVersion a version whose change request to production executed (409, rule retraining.promoted-needs-executed-production-request); "kept" names the production champion left in place (409, rule retraining.kept-names-champion). A run may carry its training cost; the decision log sums cost spent and cost saved by runs not promoted.',
      request: { params: idParams, ...jsonBody(retrainingResultSchema) },
      responses: jsonResponse(200, retrainingRequestSchema, 'The closed request'),
    }),
    PIPELINE_ROLES,
    async (c) => {
      const request = await recordRetrainingResult(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').id,
        c.req.valid('json'),
      );
      return c.json(request, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/retraining-log',
      tags: ['retraining'],
      summary: 'The retraining decision log: each request with its outcome and metric changes',
      request: { params: z.object({ name: modelName }) },
      responses: jsonResponse(200, retrainingLogSchema, 'The decision log, newest first'),
    }),
    ALL_ROLES,
    async (c) => {
      const model = await requireModel(ctx.db, c.req.valid('param').name);
      return c.json(await retrainingLog(ctx.db, model.id, model.name), 200);
    },
  );
}

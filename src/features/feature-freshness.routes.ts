import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { getFeatureFreshness, recordFeatureRefresh } from './feature-freshness.service.js';
import { featureName } from './feature.schema.js';

const featureParams = z.object({ name: featureName });

const refreshSchema = z
  .strictObject({
    at: z.iso.datetime({ offset: true }).optional().openapi({
      description: 'When the refresh finished (default: now); at most 5 minutes ahead of the server',
    }),
    rows: z.number().int('must be a whole number').min(0, 'must be >= 0').optional().openapi({
      description: 'Rows the refresh wrote',
    }),
  })
  .openapi('FeatureRefresh', { description: 'A refresh heartbeat of a feature pipeline' });

const freshnessSchema = z
  .object({
    feature: z.string(),
    owner: z.string(),
    sla: z.string().nullable().openapi({ description: 'The catalog freshness SLA, e.g. "65m"' }),
    lastRefreshAt: z.string().nullable(),
    lastRows: z.number().nullable(),
    refreshes: z.number(),
    dueAt: z.string().nullable().openapi({ description: 'Last refresh + SLA: when the next one is due' }),
    late: z.boolean(),
    lateSince: z.string().nullable().openapi({ description: 'When the freshness check found it late' }),
  })
  .openapi('FeatureFreshness', { description: 'How fresh a feature is against its catalog SLA' });

/** Refresh heartbeats of feature pipelines and the freshness they give. */
export function registerFeatureFreshnessRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/features/{name}/refreshes',
      tags: ['features'],
      summary: 'Record a refresh heartbeat of a feature',
      description:
        'Sent by the feature pipeline after each refresh. The freshness check compares the latest heartbeat with the catalog’s `sla.freshness`: a late feature opens an alert on every model whose production version consumes it (told to the feature’s and the model’s owners) and sends `feature.stale`; the next heartbeat in time resolves them and sends `feature.fresh`.',
      request: { params: featureParams, ...jsonBody(refreshSchema) },
      responses: jsonResponse(201, freshnessSchema, 'The feature’s freshness after the heartbeat'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const freshness = await recordFeatureRefresh(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('json'),
      );
      return c.json(freshness, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/features/{name}/freshness',
      tags: ['features'],
      summary: 'How fresh a feature is against its SLA',
      request: { params: featureParams },
      responses: jsonResponse(200, freshnessSchema, 'The feature’s freshness'),
    }),
    ALL_ROLES,
    async (c) => c.json(await getFeatureFreshness(ctx, c.req.valid('param').name), 200),
  );
}

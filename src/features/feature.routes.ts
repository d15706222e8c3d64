import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { requireModel } from '../registry/registry.service.js';
import { findFeatureConsumers, findFeatures, findModelFeatures } from './feature.repository.js';
import {
  createFeatureSchema,
  FEATURE_STATUSES,
  FEATURE_TYPES,
  featureConsumersSchema,
  featureName,
  featureChangeSchema,
  featureSchema,
  modelFeaturesSchema,
  patchFeatureSchema,
} from './feature.schema.js';
import { createFeature, patchFeature, removeFeature, requireFeature } from './feature.service.js';

const featureParams = z.object({ name: featureName });

/** The feature catalog and its links to model versions, in both directions. */
export function registerFeatureRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/features',
      tags: ['features'],
      summary: 'Add a feature to the catalog',
      request: jsonBody(createFeatureSchema),
      responses: jsonResponse(201, featureSchema, 'The catalogued feature'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const feature = await createFeature(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('json'),
      );
      return c.json(feature, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/features',
      tags: ['features'],
      summary: 'List and search features',
      request: {
        query: z.object({
          owner: z.string().optional(),
          status: z.enum(FEATURE_STATUSES).optional(),
          type: z.enum(FEATURE_TYPES).optional(),
          q: z.string().max(200).optional().openapi({ description: 'Text in name, description or source' }),
          ...pageQuery,
        }),
      },
      responses: jsonResponse(200, pageSchema(featureSchema), 'A page of features ordered by name'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ n: string }>(query.pageToken, ['n']);
      const rows = await findFeatures(ctx.db, { ...query, afterName: cursor?.n, limit: query.limit + 1 });
      return c.json(
        toPage(rows, query.limit, (f) => ({ n: f.name })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/features/{name}',
      tags: ['features'],
      summary: 'Show a feature',
      request: { params: featureParams },
      responses: jsonResponse(200, featureSchema, 'The feature'),
    }),
    ALL_ROLES,
    async (c) => c.json(await requireFeature(ctx, c.req.valid('param').name), 200),
  );

  routes.add(
    createRoute({
      method: 'patch',
      path: '/api/v1/features/{name}',
      tags: ['features'],
      summary: 'Change a feature: owner, description, SLA, version (must increase), status',
      description:
        'A new version must be greater than the current one; a type change needs a new major version. Setting status "deprecated" records deprecatedAt (given, or now); "active" clears it.',
      request: { params: featureParams, ...jsonBody(patchFeatureSchema) },
      responses: jsonResponse(200, featureChangeSchema, 'The changed feature'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const feature = await patchFeature(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('json'),
      );
      return c.json(feature, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'delete',
      path: '/api/v1/features/{name}',
      tags: ['features'],
      summary: 'Remove a deprecated feature from the catalog once its grace period is over',
      description:
        'Refused (409, naming the rule) while the feature is not deprecated, before the policy’s `features.deprecationGraceDays` (seed: 30) have passed since deprecation, or while a production version consumes it. The feature stays readable, marked removed.',
      request: { params: featureParams },
      responses: jsonResponse(200, featureSchema, 'The removed feature'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const feature = await removeFeature(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
      );
      return c.json(feature, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/features/{name}/models',
      tags: ['features'],
      summary: 'Models and versions that consume a feature',
      request: { params: featureParams },
      responses: jsonResponse(200, featureConsumersSchema, 'Consuming models, by name'),
    }),
    ALL_ROLES,
    async (c) => {
      const feature = await requireFeature(ctx, c.req.valid('param').name);
      return c.json({ items: await findFeatureConsumers(ctx.db, feature.id) }, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/features',
      tags: ['features'],
      summary: 'Features consumed by any version of a model',
      request: { params: z.object({ name: modelName }) },
      responses: jsonResponse(200, modelFeaturesSchema, 'Features by name, with the versions using each'),
    }),
    ALL_ROLES,
    async (c) => {
      const model = await requireModel(ctx.db, c.req.valid('param').name);
      return c.json({ items: await findModelFeatures(ctx.db, model.id) }, 200);
    },
  );
}

import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, type Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { pageQuery, pageSchema } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { semverString } from '../registry/version.schema.js';
import {
  createDeploymentSchema,
  DEPLOYMENT_STATUSES,
  deploymentSchema,
  endDeploymentSchema,
  environmentName,
} from './deployment.schema.js';
import { createDeployment, endDeployment, listDeployments, requireDeployment } from './deployment.service.js';

/** Who records deployments and rollouts: the ML/MLOps engineers and operations (RACI of seed 000). */
export const DEPLOYER_ROLES: readonly Role[] = ['admin', 'ml-engineer', 'mlops', 'operations'];

const idParams = z.object({ id: z.string().min(1).max(64) });
const filters = {
  version: semverString.optional().openapi({ description: 'Only this version (needs model)' }),
  environment: environmentName.optional(),
  status: z.enum(DEPLOYMENT_STATUSES).optional(),
  ...pageQuery,
};

export function registerDeploymentRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/versions/{version}/deployments',
      tags: ['deployments'],
      summary: 'Record that a version now runs in an environment',
      description:
        'Production environments (production, prod, production-*, prod-*) take versions in approved or production; staging environments (staging, stage, staging-*, stage-*) also take staging; other environments (shadow, test, …) also take development. Deprecated, archived and rejected versions are never deployed anew (409). One active deployment per model, environment and target (409 otherwise).',
      request: {
        params: z.object({ name: modelName, version: semverString }),
        ...jsonBody(createDeploymentSchema),
      },
      responses: jsonResponse(201, deploymentSchema, 'The recorded deployment'),
    }),
    DEPLOYER_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const actor = { principal: c.get('principal'), requestId: c.get('requestId') };
      return c.json(await createDeployment(ctx, actor, name, version, c.req.valid('json')), 201);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/deployments/{id}/end',
      tags: ['deployments'],
      summary: 'Record that a deployment has ended (the version no longer runs there)',
      request: { params: idParams, ...jsonBody(endDeploymentSchema) },
      responses: jsonResponse(200, deploymentSchema, 'The ended deployment'),
    }),
    DEPLOYER_ROLES,
    async (c) => {
      const actor = { principal: c.get('principal'), requestId: c.get('requestId') };
      return c.json(await endDeployment(ctx, actor, c.req.valid('param').id, c.req.valid('json')), 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/deployments',
      tags: ['deployments'],
      summary: 'List deployments, newest first',
      request: { query: z.object({ model: modelName.optional(), ...filters }) },
      responses: jsonResponse(200, pageSchema(deploymentSchema), 'A page of deployments'),
    }),
    ALL_ROLES,
    async (c) => c.json(await listDeployments(ctx.db, c.req.valid('query')), 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/deployments/{id}',
      tags: ['deployments'],
      summary: 'Show a deployment',
      request: { params: idParams },
      responses: jsonResponse(200, deploymentSchema, 'The deployment'),
    }),
    ALL_ROLES,
    async (c) => c.json(await requireDeployment(ctx.db, c.req.valid('param').id), 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/deployments',
      tags: ['deployments'],
      summary: 'List a model’s deployments, newest first',
      request: { params: z.object({ name: modelName }), query: z.object(filters) },
      responses: jsonResponse(200, pageSchema(deploymentSchema), 'A page of deployments'),
    }),
    ALL_ROLES,
    async (c) =>
      c.json(
        await listDeployments(ctx.db, { ...c.req.valid('query'), model: c.req.valid('param').name }),
        200,
      ),
  );
}

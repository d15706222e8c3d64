import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { findModels } from './model.repository.js';
import { changeModel, changeRequestSchema } from '../workflow/index.js';
import { createModelSchema, modelName, modelSchema, patchModelSchema } from './model.schema.js';
import {
  createModel,
  createVersion,
  requireModel,
  requireVersion,
  setVersionTags,
} from './registry.service.js';
import { findVersions } from './version.repository.js';
import {
  createVersionSchema,
  patchVersionSchema,
  semverString,
  STAGES,
  versionSchema,
} from './version.schema.js';

const modelParams = z.object({ name: modelName });
const versionParams = z.object({ name: modelName, version: semverString });

export function registerRegistryRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models',
      tags: ['models'],
      summary: 'Register a model',
      request: jsonBody(createModelSchema),
      responses: jsonResponse(201, modelSchema, 'The registered model'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const model = await createModel(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('json'),
      );
      return c.json(model, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models',
      tags: ['models'],
      summary: 'List and search models',
      request: {
        query: z.object({
          tier: z.coerce.number().int().min(1).max(4).optional(),
          owner: z.string().optional(),
          team: z.string().optional(),
          tag: z.string().optional().openapi({ description: '`key` or `key=value`' }),
          stage: z
            .enum(STAGES)
            .optional()
            .openapi({ description: 'Models having at least one version in this stage' }),
          q: z
            .string()
            .max(200)
            .optional()
            .openapi({ description: 'Text in name, display name, description or use case' }),
          ...pageQuery,
        }),
      },
      responses: jsonResponse(200, pageSchema(modelSchema), 'A page of models ordered by name'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ n: string }>(query.pageToken, ['n']);
      const rows = await findModels(ctx.db, { ...query, afterName: cursor?.n, limit: query.limit + 1 });
      return c.json(
        toPage(rows, query.limit, (m) => ({ n: m.name })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}',
      tags: ['models'],
      summary: 'Show a model',
      request: { params: modelParams },
      responses: jsonResponse(200, modelSchema, 'The model'),
    }),
    ALL_ROLES,
    async (c) => c.json(await requireModel(ctx.db, c.req.valid('param').name), 200),
  );

  routes.add(
    createRoute({
      method: 'patch',
      path: '/api/v1/models/{name}',
      tags: ['models'],
      summary: 'Change a model’s descriptive fields, owner, tier, tags or consumers',
      request: { params: modelParams, ...jsonBody(patchModelSchema) },
      description:
        'A change that loosens a control — a lower risk tier (1 → 4), a changed owner, a removed consumer — is not applied: it answers 202 with a governance change request needing the policy’s `governanceChanges` approvals, and applies when that request executes. Anything else applies at once (200); a raised tier also raises what open promotion requests need.',
      responses: {
        ...jsonResponse(200, modelSchema, 'The changed model'),
        202: {
          content: { 'application/json': { schema: changeRequestSchema } },
          description: 'The governance change request holding the change',
        },
      },
    }),
    AUTHOR_ROLES,
    async (c) => {
      const result = await changeModel(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('json'),
      );
      // Both bodies are declared above; the typed handler checks the last success status only.
      if (result.applied) return c.json(result.model, 200) as never;
      return c.json(result.changeRequest, 202);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/versions',
      tags: ['versions'],
      summary: 'Register a version (stage development)',
      request: { params: modelParams, ...jsonBody(createVersionSchema) },
      responses: jsonResponse(201, versionSchema, 'The registered version'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const version = await createVersion(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('json'),
      );
      return c.json(version, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/versions',
      tags: ['versions'],
      summary: 'List a model’s versions, oldest first',
      request: { params: modelParams, query: z.object({ stage: z.enum(STAGES).optional(), ...pageQuery }) },
      responses: jsonResponse(200, pageSchema(versionSchema), 'A page of versions'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const model = await requireModel(ctx.db, c.req.valid('param').name);
      const cursor = decodePageToken<{ id: string }>(query.pageToken, ['id']);
      const rows = await findVersions(ctx.db, {
        modelId: model.id,
        stage: query.stage,
        afterId: cursor?.id,
        limit: query.limit + 1,
      });
      return c.json(
        toPage(rows, query.limit, (v) => ({ id: v.id })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/versions/{version}',
      tags: ['versions'],
      summary: 'Show a version',
      request: { params: versionParams },
      responses: jsonResponse(200, versionSchema, 'The version'),
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      return c.json(await requireVersion(ctx.db, name, version), 200);
    },
  );

  routes.add(
    createRoute({
      method: 'patch',
      path: '/api/v1/models/{name}/versions/{version}',
      tags: ['versions'],
      summary: 'Replace a version’s tags (the rest of a version is immutable)',
      request: { params: versionParams, ...jsonBody(patchVersionSchema) },
      responses: jsonResponse(200, versionSchema, 'The version'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const updated = await setVersionTags(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
        c.req.valid('json').tags,
      );
      return c.json(updated, 200);
    },
  );
}

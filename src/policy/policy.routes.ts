import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, READ_ONLY_ROLES, ROLES } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { canonicalPolicyYaml, parsePolicyDocument } from './policy.parse.js';
import { policyDocumentSchema } from './policy.schema.js';
import { getActivePolicy, getPolicyVersion, listPolicyVersions } from './policy.service.js';

/** Anyone who may change something may dry-run a proposed policy. */
const PROPOSER_ROLES = ROLES.filter((r) => !READ_ONLY_ROLES.includes(r));

const policyVersionSchema = z
  .object({
    version: z.number().int().openapi({ description: '0 is the built-in default' }),
    document: policyDocumentSchema,
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('PolicyVersion', { description: 'A stored version of the governance policy document' });

const policyVersionSummarySchema = z
  .object({
    version: z.number().int(),
    reason: z.string(),
    format: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('PolicyVersionSummary', { description: 'A policy version without its document' });

const validateBodySchema = z
  .strictObject({
    document: z
      .union([z.string().max(1_000_000), z.record(z.string(), z.unknown())])
      .openapi({ description: 'The proposed policy: YAML or JSON text, or a JSON object' }),
    format: z.enum(['yaml', 'json']).optional().openapi({ description: 'How to read text (default YAML)' }),
  })
  .openapi('ValidatePolicy', { description: 'A policy document (YAML or JSON) to check' });

const validateResultSchema = z
  .object({
    valid: z.literal(true),
    document: policyDocumentSchema,
    yaml: z.string().openapi({ description: 'The document as canonical YAML (sorted keys)' }),
  })
  .openapi('ValidatedPolicy', {
    description: 'A proposed policy document that passed validation, in canonical form',
  });

export function registerPolicyRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/policy',
      tags: ['policy'],
      summary: 'The governance policy in force',
      responses: jsonResponse(200, policyVersionSchema, 'The active policy version and document'),
    }),
    ALL_ROLES,
    async (c) => c.json(await getActivePolicy(ctx.db), 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/policy/versions',
      tags: ['policy'],
      summary: 'Policy history, newest first (version 0 is the built-in default)',
      request: { query: z.object(pageQuery) },
      responses: jsonResponse(200, pageSchema(policyVersionSummarySchema), 'A page of policy versions'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ v: number }>(query.pageToken, ['v']);
      const rows = await listPolicyVersions(ctx.db, { beforeVersion: cursor?.v, limit: query.limit + 1 });
      return c.json(
        toPage(rows, query.limit, (v) => ({ v: v.version })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/policy/versions/{version}',
      tags: ['policy'],
      summary: 'One policy version',
      request: {
        params: z.object({
          // A path parameter is a string, so the document says integer (coerce would also admit null).
          version: z.coerce
            .number()
            .int()
            .min(0)
            .openapi({
              type: 'integer',
              minimum: 0,
              param: { required: true },
              description: 'Policy version number',
            }),
        }),
      },
      responses: jsonResponse(200, policyVersionSchema, 'The policy version'),
    }),
    ALL_ROLES,
    async (c) => c.json(await getPolicyVersion(ctx.db, c.req.valid('param').version), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/policy/validate',
      tags: ['policy'],
      summary: 'Check a proposed policy document without saving it',
      description:
        'Answers 400 naming the first invalid path, e.g. `tiers.1.approvals.staging->approved[0].count`.',
      request: jsonBody(validateBodySchema),
      responses: jsonResponse(200, validateResultSchema, 'The document is valid'),
    }),
    PROPOSER_ROLES,
    (c) => {
      const body = c.req.valid('json');
      const document = parsePolicyDocument(body.document, body.format);
      return c.json({ valid: true as const, document, yaml: canonicalPolicyYaml(document) }, 200);
    },
  );
}

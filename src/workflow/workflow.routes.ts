import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES, READ_ONLY_ROLES, type Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { semverString, STAGES } from '../registry/version.schema.js';
import { CHANGE_REQUEST_STATUSES } from './approval-rules.js';
import {
  addEvidenceSchema,
  CHANGE_REQUEST_KINDS,
  changeRequestSchema,
  decisionSchema,
  minutesSchema,
  openTransitionSchema,
  policyProposalSchema,
  previewSchema,
  retireSchema,
  rollbackSchema,
} from './change-request.schema.js';
import {
  addEvidence,
  decide,
  DECIDER_ROLES,
  getChangeRequest,
  getMinutes,
  listChangeRequests,
  openTransition,
  previewTransition,
  proposePolicy,
  withdraw,
} from './change-request.service.js';
import { renderMinutesMarkdown } from './minutes.js';
import { retire } from './retirement.service.js';
import { rollbackModel } from './rollback.service.js';

const modelParams = z.object({ name: modelName });
const versionParams = z.object({ name: modelName, version: semverString });
const idParams = z.object({ id: z.string().min(1).max(64) });
const RETIRE_ROLES: readonly Role[] = ['admin', 'mlops', 'ml-engineer', 'data-scientist', 'business-owner'];
const EVIDENCE_ROLES: readonly Role[] = [...AUTHOR_ROLES, 'validator'];
const ROLLBACK_ROLES: readonly Role[] = ALL_ROLES.filter((r) => !READ_ONLY_ROLES.includes(r));

const retirementResultSchema = z
  .object({
    status: z.enum(['announced', 'awaiting_approval']),
    impact: z.record(z.string(), z.unknown()),
    changeRequest: changeRequestSchema.nullable(),
  })
  .openapi('RetirementResult', {
    description: 'A retirement, announced or awaiting approval, with its downstream impact',
  });

const rollbackResultSchema = z
  .object({
    model: z.string(),
    rolledBackVersion: z.string().nullable(),
    restoredVersion: z.string(),
    reason: z.string(),
    reviewRequest: changeRequestSchema.nullable(),
  })
  .openapi('RollbackResult', {
    description: 'A rollback: the version rolled back, the one restored, and the review request',
  });

/** True when the Accept header ranks text/markdown above JSON (or names it alone). */
function prefersMarkdown(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranked = accept.split(',').map((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type!.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const q = (type: string) => ranked.find((r) => r.type === type)?.q ?? 0;
  return q('text/markdown') > 0 && q('text/markdown') >= q('application/json');
}

export function registerWorkflowRoutes(routes: RouteTable, ctx: AppContext): void {
  const who = (c: { get(key: 'principal' | 'requestId'): unknown }) => ({
    principal: c.get('principal') as Parameters<typeof decide>[1]['principal'],
    requestId: c.get('requestId') as string,
  });

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/versions/{version}/transitions',
      tags: ['change requests'],
      summary: 'Ask to move a version to another stage (opens a change request)',
      description:
        'Required approvals come from the policy for the model’s tier; promotions to approved or production also need a passing validation run of the level the version bump demands. A request needing no approval executes at once when its evidence passes.',
      request: { params: versionParams, ...jsonBody(openTransitionSchema) },
      responses: jsonResponse(201, changeRequestSchema, 'The change request'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      return c.json(await openTransition(ctx, who(c), name, version, c.req.valid('json')), 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/versions/{version}/transitions/preview',
      tags: ['change requests'],
      summary: 'Dry run: what moving this version would need (nothing is stored)',
      request: {
        params: versionParams,
        query: z.object({
          to: z.enum(STAGES),
          evidence: z
            .string()
            .max(2_000)
            .optional()
            .openapi({ description: 'Comma-separated validation run ids to count as evidence' }),
        }),
      },
      responses: jsonResponse(200, previewSchema, 'Approvals and evidence the move needs'),
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const { to, evidence } = c.req.valid('query');
      const ids = (evidence ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      return c.json(await previewTransition(ctx, name, version, to, ids), 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/change-requests',
      tags: ['change requests'],
      summary: 'The approval queue: change requests, oldest first',
      request: {
        query: z.object({
          status: z.enum(CHANGE_REQUEST_STATUSES).optional(),
          model: modelName.optional(),
          kind: z.enum(CHANGE_REQUEST_KINDS).optional(),
          ...pageQuery,
        }),
      },
      responses: jsonResponse(200, pageSchema(changeRequestSchema), 'A page of change requests'),
    }),
    ALL_ROLES,
    async (c) => {
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ id: string }>(query.pageToken, ['id']);
      const rows = await listChangeRequests(ctx, {
        status: query.status,
        model: query.model,
        kind: query.kind,
        afterId: cursor?.id,
        limit: query.limit + 1,
      });
      return c.json(
        toPage(rows, query.limit, (r) => ({ id: r.id })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/change-requests/{id}',
      tags: ['change requests'],
      summary: 'Show a change request with its approvals, decisions and missing evidence',
      request: { params: idParams },
      responses: jsonResponse(200, changeRequestSchema, 'The change request'),
    }),
    ALL_ROLES,
    async (c) => c.json(await getChangeRequest(ctx, c.req.valid('param').id), 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/change-requests/{id}/minutes',
      tags: ['change requests'],
      summary: 'The decision record: policy version, votes with comments, tally, dissent, outcome',
      description:
        'JSON by default; Markdown (for the board’s file) when the Accept header asks for text/markdown.',
      request: { params: idParams },
      responses: {
        ...jsonResponse(200, minutesSchema, 'The minutes'),
        200: {
          content: {
            'application/json': { schema: minutesSchema },
            'text/markdown': { schema: z.string() },
          },
          description: 'The minutes',
        },
      },
    }),
    ALL_ROLES,
    async (c) => {
      const minutes = await getMinutes(ctx, c.req.valid('param').id);
      if (prefersMarkdown(c.req.header('accept')))
        return c.body(renderMinutesMarkdown(minutes), 200, {
          'content-type': 'text/markdown; charset=utf-8',
        });
      return c.json(minutes, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/change-requests/{id}/decisions',
      tags: ['change requests'],
      summary: 'Approve or reject as one of the roles the request needs',
      description:
        'The requester cannot decide; one principal fills one role per request; the token must hold the role (admin does not stand in for another role). The last approval executes the change in the same transaction.',
      request: { params: idParams, ...jsonBody(decisionSchema) },
      responses: jsonResponse(200, changeRequestSchema, 'The change request after the decision'),
    }),
    DECIDER_ROLES,
    async (c) => c.json(await decide(ctx, who(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/change-requests/{id}/withdraw',
      tags: ['change requests'],
      summary: 'Withdraw an open request (its requester only)',
      request: { params: idParams },
      responses: jsonResponse(200, changeRequestSchema, 'The withdrawn request'),
    }),
    DECIDER_ROLES,
    async (c) => c.json(await withdraw(ctx, who(c), c.req.valid('param').id, undefined), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/change-requests/{id}/evidence',
      tags: ['change requests'],
      summary:
        'Offer a validation run of the version as evidence; executes the request if that was all it lacked',
      request: { params: idParams, ...jsonBody(addEvidenceSchema) },
      responses: jsonResponse(200, changeRequestSchema, 'The change request'),
    }),
    EVIDENCE_ROLES,
    async (c) =>
      c.json(
        await addEvidence(ctx, who(c), c.req.valid('param').id, c.req.valid('json').validationRunId),
        200,
      ),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/rollback',
      tags: ['lifecycle'],
      summary: 'Restore the previous champion now (emergency path; roles per policy)',
      description:
        'Who may roll back is the policy’s `rollback.roles` for the model’s tier (default mlops or operations; tier 4 also data-scientist); anyone else is refused 403 naming them.',
      request: { params: modelParams, ...jsonBody(rollbackSchema) },
      responses: jsonResponse(200, rollbackResultSchema, 'What was rolled back and restored'),
    }),
    // The policy names the roles per tier, so the service checks them; read-only roles never write.
    ROLLBACK_ROLES,
    async (c) =>
      c.json(await rollbackModel(ctx, who(c), c.req.valid('param').name, c.req.valid('json').reason), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/versions/{version}/retire',
      tags: ['lifecycle'],
      summary: 'Retire a version: impact assessment, consumer notices, grace period before archive',
      request: { params: versionParams, ...jsonBody(retireSchema) },
      responses: jsonResponse(201, retirementResultSchema, 'The impact and what happens next'),
    }),
    RETIRE_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      return c.json(await retire(ctx, who(c), name, version, c.req.valid('json')), 201);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/retire',
      tags: ['lifecycle'],
      summary: 'Retire a whole model: every version in production or deprecated',
      request: { params: modelParams, ...jsonBody(retireSchema) },
      responses: jsonResponse(201, retirementResultSchema, 'The impact and what happens next'),
    }),
    RETIRE_ROLES,
    async (c) => c.json(await retire(ctx, who(c), c.req.valid('param').name, null, c.req.valid('json')), 201),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/policy/proposals',
      tags: ['policy'],
      summary: 'Propose a new policy document; it takes effect once the policy-change approvers sign',
      request: jsonBody(policyProposalSchema),
      responses: jsonResponse(201, changeRequestSchema, 'The policy change request'),
    }),
    ['admin'],
    async (c) => c.json(await proposePolicy(ctx, who(c), c.req.valid('json')), 201),
  );
}

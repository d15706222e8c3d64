import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, type Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { changeRequestSchema } from '../workflow/index.js';
import { loadRoutingTable, routeDecisionFor } from './rollout-routing.service.js';
import { routeDecisionParams, routeDecisionQuery } from './route-decision.fast-read.js';
import { ROLLOUT_CONTROLS, ROLLOUT_STATUSES } from './rollout.rules.js';
import {
  rolloutControlSchema,
  rolloutSchema,
  routeDecisionSchema,
  routingTableSchema,
  startRolloutSchema,
} from './rollout.schema.js';
import { controlRollout, currentRollout, getRollout, listRollouts, startRollout } from './rollout.service.js';

/** Who starts and steers rollouts: MLOps and operations (seed 000), and admins. */
export const ROLLOUT_ROLES: readonly Role[] = ['admin', 'mlops', 'operations'];

const idParams = z.object({ name: modelName, id: z.string().min(1).max(64) });

export function registerRolloutRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/rollouts',
      tags: ['rollouts'],
      summary: 'Start a rollout of an approved candidate against the champion',
      description:
        'canary (steps of candidate share), shadow (mirrored traffic, judged by agreement), blue-green (full switch, instant switch-back) or ab (fixed split, sample size from the minimum detectable effect). Omitted fields come from the tier’s policy. A plan as strict as the tier’s policy or stricter starts at once (201). A plan looser than the policy in any respect — a higher threshold (errorRate, accuracyDrop, latencyP95Ms, latencyP99Ms, predictionPsi, a custom metric’s maxValue or maxIncrease), a lower shadowAgreement, fewer minSamplesPerVariant, a longer intervalSeconds or maxWaitSeconds, a shorter stepSeconds than minStepMinutes, a smaller alpha, a higher failureLimit, requireLabels false where the tier requires labels, a shadow durationHours shorter than shadowHours, canary steps that skip the tier’s canaryStepsPct — does not start: it answers 202 with a `governance_change` request (payload `fact: rollout`, each loosened field with its requested and policy value) needing the policy’s `governanceChanges` approvals; the rollout starts with the plan held when that request executes. Values the tier’s policy does not state are compared only for failureLimit (Warden’s default 0). 409 without an approved production change request for the candidate, without a champion, with another active rollout, or with a rollout already held for approval.',
      request: { params: z.object({ name: modelName }), ...jsonBody(startRolloutSchema) },
      responses: {
        ...jsonResponse(201, rolloutSchema, 'The started rollout'),
        202: {
          content: { 'application/json': { schema: changeRequestSchema } },
          description: 'The governance change request holding a rollout looser than the tier’s policy',
        },
      },
    }),
    ROLLOUT_ROLES,
    async (c) => {
      const actor = { principal: c.get('principal'), requestId: c.get('requestId') };
      const result = await startRollout(ctx, actor, c.req.valid('param').name, c.req.valid('json'));
      // Both bodies are declared above; the typed handler checks the last success status only.
      if (result.started) return c.json(result.rollout, 201) as never;
      return c.json(result.changeRequest, 202);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/rollouts/current',
      tags: ['rollouts'],
      summary: 'The model’s active rollout, or else its latest',
      request: { params: z.object({ name: modelName }) },
      responses: jsonResponse(200, rolloutSchema, 'The rollout'),
    }),
    ALL_ROLES,
    async (c) => c.json(await currentRollout(ctx, c.req.valid('param').name), 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/rollouts/{id}',
      tags: ['rollouts'],
      summary: 'One rollout: status, step, weights and the latest analysis per metric and variant',
      request: { params: idParams },
      responses: jsonResponse(200, rolloutSchema, 'The rollout'),
    }),
    ALL_ROLES,
    async (c) => {
      const { name, id } = c.req.valid('param');
      return c.json(await getRollout(ctx, name, id), 200);
    },
  );

  for (const control of ROLLOUT_CONTROLS)
    routes.add(
      createRoute({
        method: 'post',
        path: `/api/v1/models/{name}/rollouts/{id}/${control}`,
        tags: ['rollouts'],
        summary:
          control === 'promote'
            ? 'Skip to the next step (at the last step: complete the rollout)'
            : control === 'abort'
              ? 'Abort and roll back: the candidate gets no traffic from now on'
              : `${control[0]!.toUpperCase()}${control.slice(1)} the rollout`,
        request: { params: idParams, ...jsonBody(rolloutControlSchema) },
        responses: jsonResponse(200, rolloutSchema, 'The rollout after the control'),
      }),
      ROLLOUT_ROLES,
      async (c) => {
        const { name, id } = c.req.valid('param');
        const actor = { principal: c.get('principal'), requestId: c.get('requestId') };
        return c.json(await controlRollout(ctx, actor, name, id, control, c.req.valid('json').reason), 200);
      },
    );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/rollouts',
      tags: ['rollouts'],
      summary: 'Rollouts, newest first',
      request: {
        query: z.object({
          status: z.enum(ROLLOUT_STATUSES).optional(),
          model: modelName.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
      responses: jsonResponse(200, z.object({ items: z.array(rolloutSchema) }), 'The rollouts'),
    }),
    ALL_ROLES,
    async (c) => c.json({ items: await listRollouts(ctx, c.req.valid('query')) }, 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/route',
      tags: ['rollouts'],
      summary:
        'Routing decision for one request key: the version to call, its variant, and where to mirror it',
      description:
        'Sticky: a hash of the key and the rollout id against the current weights, the same on every server and after restarts, changing only when the weights change. A key whose subject opted out of automated decisions gets `human-review` (no version).',
      request: { params: routeDecisionParams, query: routeDecisionQuery },
      responses: jsonResponse(200, routeDecisionSchema, 'The decision'),
    }),
    ALL_ROLES,
    async (c) =>
      c.json(await routeDecisionFor(ctx, c.req.valid('param').name, c.req.valid('query').key), 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/routing',
      tags: ['rollouts'],
      summary:
        'The routing table (every model’s champion and active rollout weights, and the opt-outs), for clients that route in process',
      description: 'Answers 304 to If-None-Match with the current ETag, so clients can poll it cheaply.',
      responses: {
        ...jsonResponse(200, routingTableSchema, 'The routing table'),
        304: { description: 'Unchanged since the ETag given in If-None-Match' },
      },
    }),
    ALL_ROLES,
    async (c) => {
      const table = await loadRoutingTable(ctx);
      c.header('ETag', `"${table.etag}"`);
      c.header('Cache-Control', 'no-cache');
      const match = c.req.header('if-none-match');
      if (match && match.replace(/^W\//, '') === `"${table.etag}"`) return c.body(null, 304);
      return c.json({ etag: table.etag, models: table.models, optOuts: table.optOutList }, 200);
    },
  );
}

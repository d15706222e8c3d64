import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { changeRequestSchema, requestLegalHoldLift } from '../workflow/index.js';
import { LEGAL_HOLD_ROLES, placeLegalHold } from './legal-hold.service.js';
import { modelName, modelSchema } from './model.schema.js';

const holdSchema = z
  .strictObject({ reason: z.string().trim().min(1, 'say why the records must be kept').max(5_000) })
  .openapi('LegalHold', {
    description: 'A legal hold that keeps a model’s records past their retention period',
  });

/** `POST/DELETE /api/v1/models/{name}/legal-hold`. */
export function registerLegalHoldRoutes(routes: RouteTable, ctx: AppContext): void {
  const params = z.object({ name: modelName });
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/legal-hold',
      tags: ['models'],
      summary: 'Place the model under legal hold: none of its records is purged or deleted until lifted',
      request: { params, ...jsonBody(holdSchema) },
      responses: jsonResponse(201, modelSchema, 'The model, showing the hold'),
    }),
    LEGAL_HOLD_ROLES,
    async (c) => {
      const model = await placeLegalHold(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('json'),
      );
      return c.json(model, 201);
    },
  );
  routes.add(
    createRoute({
      method: 'delete',
      path: '/api/v1/models/{name}/legal-hold',
      tags: ['models'],
      summary: 'Ask to lift the model’s legal hold: a governed change',
      description:
        'Lifting a hold loosens a control: it answers 202 with a governance change request needing the policy’s `governanceChanges` approvals plus legal, and the hold is lifted (audited) when that request executes. The hold stays in force meanwhile.',
      request: {
        params,
        query: z.object({ reason: z.string().trim().min(1).max(5_000).optional() }),
      },
      responses: {
        202: {
          content: { 'application/json': { schema: changeRequestSchema } },
          description: 'The governance change request',
        },
      },
    }),
    LEGAL_HOLD_ROLES,
    async (c) => {
      const request = await requestLegalHoldLift(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('query').reason,
      );
      return c.json(request, 202);
    },
  );
}

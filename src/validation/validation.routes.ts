import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createRoute, z } from '@hono/zod-openapi';
import { invalidInput } from '../core/errors.js';
import { ALL_ROLES, type Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { semverString } from '../registry/version.schema.js';
import {
  checkResultSchema,
  createWaiverSchema,
  runValidationSchema,
  validationRunSchema,
  waiverSchema,
} from './validation.schema.js';
import {
  approveWaiver,
  type WaiverApprovedHook,
  effectiveValidationStatus,
  listRuns,
  listWaivers,
  requestWaiver,
  requireRun,
  runValidation,
} from './validation.service.js';
import { runValidationFromFile, uploadQuerySchema } from './validation-upload.js';

/** Who runs the validation suite. */
const VALIDATION_ROLES: readonly Role[] = ['validator', 'ml-engineer', 'data-scientist', 'mlops'];
/** Who may ask for a waiver of a failed check. */
const WAIVER_REQUEST_ROLES: readonly Role[] = ['validator', 'ml-engineer'];

const versionParams = z.object({ name: modelName, version: semverString });
const runParams = z.object({ id: z.string().min(1).max(100) });

const evidenceSchema = z
  .object({ runId: z.string(), passed: z.boolean(), checks: z.array(checkResultSchema), at: z.string() })
  .openapi('ValidationEvidence', { description: 'A validation run’s verdict and checks, as evidence' });

/** What other domains do when something happens here; given by the composition root. */
export interface ValidationHooks {
  /** Runs in the approval's transaction: judge again what holds the run as evidence. */
  onWaiverApproved: WaiverApprovedHook;
}

export function registerValidationRoutes(routes: RouteTable, ctx: AppContext, hooks: ValidationHooks): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/versions/{version}/validations',
      tags: ['validation'],
      summary: 'Run the validation suite (the deployment gate) on an evaluation dataset',
      description:
        'Runs the checks the policy requires for the model’s tier and the version bump over the production champion, stores the report (immutable) and audits it. A report with a failed check answers 201 with passed=false.',
      request: { params: versionParams, ...jsonBody(runValidationSchema) },
      responses: jsonResponse(201, validationRunSchema, 'The stored validation report'),
    }),
    VALIDATION_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const run = await runValidation(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
        c.req.valid('json'),
      );
      return c.json(run, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/versions/{version}/validations/file',
      tags: ['validation'],
      summary: 'Run the validation suite on an uploaded CSV, TSV, NDJSON or Parquet file',
      description:
        'Send the file as application/octet-stream; the query names its format and columns. Record i in an error is data row i + 1.',
      request: {
        params: versionParams,
        query: uploadQuerySchema,
        body: {
          content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
          required: true,
        },
      },
      responses: jsonResponse(201, validationRunSchema, 'The stored validation report'),
    }),
    VALIDATION_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const raw = c.req.raw.body;
      if (!raw) throw invalidInput('the request has no body; send the evaluation file', 'body');
      const run = await runValidationFromFile(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
        Readable.fromWeb(raw as NodeReadableStream<Uint8Array>),
        c.req.valid('query'),
      );
      return c.json(run, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/versions/{version}/validations',
      tags: ['validation'],
      summary: 'Validation reports of a version, newest first',
      request: { params: versionParams, query: z.object(pageQuery) },
      responses: jsonResponse(200, pageSchema(validationRunSchema), 'A page of validation reports'),
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const query = c.req.valid('query');
      const cursor = decodePageToken<{ at: string; id: string }>(query.pageToken, ['at', 'id']);
      const rows = await listRuns(ctx.db, name, version, { before: cursor, limit: query.limit + 1 });
      return c.json(
        toPage(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id })),
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/validations/{id}',
      tags: ['validation'],
      summary: 'One validation report, as stored',
      request: { params: runParams },
      responses: jsonResponse(200, validationRunSchema, 'The validation report'),
    }),
    ALL_ROLES,
    async (c) => c.json(await requireRun(ctx.db, c.req.valid('param').id), 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/validations/{id}/evidence',
      tags: ['validation'],
      summary: 'The report as evidence now: failed checks under an approved, unexpired waiver read "waived"',
      request: { params: runParams },
      responses: jsonResponse(200, evidenceSchema, 'The effective status'),
    }),
    ALL_ROLES,
    async (c) => {
      const id = c.req.valid('param').id;
      const now = ctx.now();
      const effective = await effectiveValidationStatus(ctx.db, id, now);
      return c.json({ runId: id, ...effective, at: now.toISOString() }, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/validations/{id}/waivers',
      tags: ['validation'],
      summary: 'Ask for a waiver of a failed check (pending until compliance approves)',
      request: { params: runParams, ...jsonBody(createWaiverSchema) },
      responses: jsonResponse(201, waiverSchema, 'The pending waiver'),
    }),
    WAIVER_REQUEST_ROLES,
    async (c) => {
      const waiver = await requestWaiver(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').id,
        c.req.valid('json'),
      );
      return c.json(waiver, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/validations/{id}/waivers',
      tags: ['validation'],
      summary: 'Waivers asked for on a validation report',
      request: { params: runParams },
      responses: jsonResponse(200, z.object({ items: z.array(waiverSchema) }), 'The waivers'),
    }),
    ALL_ROLES,
    async (c) => c.json({ items: await listWaivers(ctx.db, c.req.valid('param').id) }, 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/waivers/{id}/approve',
      tags: ['validation'],
      summary: 'Approve a pending waiver (compliance; never the requester)',
      request: { params: runParams },
      responses: jsonResponse(200, waiverSchema, 'The approved waiver'),
    }),
    ['compliance'],
    async (c) => {
      const waiver = await approveWaiver(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').id,
        hooks.onWaiverApproved,
      );
      return c.json(waiver, 200);
    },
  );
}

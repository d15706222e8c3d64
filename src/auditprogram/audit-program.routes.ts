import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, READ_ONLY_ROLES, ROLES } from '../auth/roles.js';
import { negotiateFormat, sendDocument } from '../documents/index.js';
import { actorOf } from '../http/actor.js';
import type { AppContext } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { buildProgramReport, programDocument } from './audit-program.document.js';
import {
  AUDITOR_ROLES,
  FINDING_STATUSES,
  PROGRAM_ROLES,
  closeFindingSchema,
  createProgramSchema,
  recordFindingSchema,
  respondFindingSchema,
} from './audit-program.schema.js';
import {
  closeFinding,
  createProgram,
  getFinding,
  getProgram,
  listFindings,
  listPrograms,
  recordFinding,
  respondToFinding,
} from './audit-program.service.js';

/** Anyone who may write answers a finding they own; the service checks the ownership. */
const OWNER_ROLES = ROLES.filter((r) => !READ_ONLY_ROLES.includes(r));

const programSchema = z
  .looseObject({ id: z.string(), year: z.number(), seed: z.string() })
  .openapi('AuditProgram', {
    description:
      'An annual audit program: scope, the seeded model selection and the quarterly decision samples',
  });
const findingSchema = z
  .looseObject({ id: z.string(), programId: z.string(), area: z.string(), status: z.enum(FINDING_STATUSES) })
  .openapi('AuditFinding', {
    description: 'An audit finding with severity, owner, due date, remediation status and evidence links',
  });

const idParams = z.object({ id: z.string() });

const yearOf = (y: string | undefined) => (y === undefined ? undefined : Number(y));

/** The annual audit program and its findings. */
export function registerAuditProgramRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/audit-programs',
      tags: ['audit-programs'],
      summary: 'Open the annual audit program of a year',
      description:
        'Selects every tier-1 model and a seeded random sample of tier-2 models (20 % by default), and samples each begun quarter’s decisions (closed change requests, approved waivers, resolved alerts). The seed is recorded; the same seed over the same models gives the same sample.',
      request: jsonBody(createProgramSchema),
      responses: jsonResponse(201, programSchema, 'The program'),
    }),
    PROGRAM_ROLES,
    async (c) => c.json(await createProgram(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit-programs',
      tags: ['audit-programs'],
      summary: 'Audit programs, newest first',
      request: {
        query: z.object({
          year: z
            .string()
            .regex(/^\d{4}$/, 'must be a year')
            .optional(),
        }),
      },
      responses: jsonResponse(200, z.object({ items: z.array(programSchema) }), 'Programs'),
    }),
    ALL_ROLES,
    async (c) => c.json({ items: await listPrograms(ctx, { year: yearOf(c.req.valid('query').year) }) }, 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit-programs/{id}',
      tags: ['audit-programs'],
      summary: 'An audit program',
      request: { params: idParams },
      responses: jsonResponse(200, programSchema, 'The program'),
    }),
    ALL_ROLES,
    async (c) => c.json(await getProgram(ctx, c.req.valid('param').id), 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit-programs/{id}/report',
      tags: ['audit-programs'],
      summary: 'The program report: scope, sample, findings and status (JSON, Markdown or HTML)',
      description: '`?format=json|md|html`, or by Accept.',
      request: {
        params: idParams,
        query: z.object({ format: z.string().optional() }),
      },
      responses: jsonResponse(200, z.looseObject({ program: programSchema }), 'The report'),
    }),
    ALL_ROLES,
    async (c) => {
      const format = negotiateFormat(c.req.valid('query').format, c.req.header('accept'));
      const program = await getProgram(ctx, c.req.valid('param').id);
      const report = buildProgramReport(
        program,
        await listFindings(ctx, { programId: program.id }),
        ctx.now(),
      );
      return sendDocument(c, format, programDocument(report), report) as never;
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/audit-programs/{id}/findings',
      tags: ['audit-programs'],
      summary: 'Record a finding (independent auditor)',
      description:
        'Only the auditor role records findings, and a principal that also holds data-scientist, ml-engineer or mlops is refused (403). The area must be in the program’s scope.',
      request: { params: idParams, ...jsonBody(recordFindingSchema) },
      responses: jsonResponse(201, findingSchema, 'The finding'),
    }),
    AUDITOR_ROLES,
    async (c) =>
      c.json(await recordFinding(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit-programs/{id}/findings',
      tags: ['audit-programs'],
      summary: 'The findings of a program',
      request: {
        params: idParams,
        query: z.object({ status: z.enum(FINDING_STATUSES).optional(), area: z.string().optional() }),
      },
      responses: jsonResponse(200, z.object({ items: z.array(findingSchema) }), 'Findings'),
    }),
    ALL_ROLES,
    async (c) => {
      const q = c.req.valid('query');
      return c.json(
        {
          items: await listFindings(ctx, {
            programId: c.req.valid('param').id,
            status: q.status,
            area: q.area,
          }),
        },
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit-findings/{id}',
      tags: ['audit-programs'],
      summary: 'An audit finding',
      request: { params: idParams },
      responses: jsonResponse(200, findingSchema, 'The finding'),
    }),
    ALL_ROLES,
    async (c) => c.json(await getFinding(ctx, c.req.valid('param').id), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/audit-findings/{id}/response',
      tags: ['audit-programs'],
      summary: 'The owner answers a finding: in progress or remediated, with evidence links',
      request: { params: idParams, ...jsonBody(respondFindingSchema) },
      responses: jsonResponse(200, findingSchema, 'The finding'),
    }),
    OWNER_ROLES,
    async (c) =>
      c.json(await respondToFinding(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/audit-findings/{id}/close',
      tags: ['audit-programs'],
      summary: 'Close a finding (independent auditor)',
      request: { params: idParams, ...jsonBody(closeFindingSchema) },
      responses: jsonResponse(200, findingSchema, 'The finding'),
    }),
    AUDITOR_ROLES,
    async (c) =>
      c.json(await closeFinding(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json').note), 200),
  );
}

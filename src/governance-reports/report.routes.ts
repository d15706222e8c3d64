import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, type Role } from '../auth/roles.js';
import { negotiateFormat, sendDocument } from '../documents/index.js';
import type { AppContext } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { reportDocument } from './report.document.js';
import {
  generatePeriodicReport,
  generatePostImplementationReview,
  getReport,
  listReports,
} from './report.service.js';

/** Who may generate reports on demand. */
export const REPORT_AUTHOR_ROLES: readonly Role[] = [
  'admin',
  'compliance',
  'validator',
  'mlops',
  'ml-engineer',
  'data-scientist',
  'review-board',
];

const reportSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['periodic', 'post-implementation-review']),
    model: z.string(),
    version: z.string().nullable(),
    deploymentId: z.string().nullable(),
    period: z.object({ from: z.string(), to: z.string() }),
    trigger: z.enum(['schedule', 'manual']),
    auditHead: z.object({ seq: z.number(), hash: z.string() }),
    contentSha256: z.string(),
    generatedAt: z.string(),
    generatedBy: z.string(),
  })
  .openapi('Report', {
    description:
      'A generated periodic report or post-implementation review, with the audit head it was built at',
  });

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' });
const generateSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('periodic'), model: modelName, from: isoDateTime, to: isoDateTime }),
    z.strictObject({
      kind: z.literal('post-implementation-review'),
      deploymentId: z.string().min(1).max(100),
      days: z.number().int().min(1, 'must be >= 1').max(365, 'must be <= 365').optional(),
    }),
  ])
  .openapi('GenerateReport', {
    description: 'A periodic report for a model and period, or a post-implementation review of a deployment',
  });

/** Stored reports: list, generate on demand, read as JSON, Markdown or HTML. */
export function registerReportRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/reports',
      tags: ['reports'],
      summary: 'Stored reports, newest first',
      request: {
        query: z.object({
          model: z.string().optional(),
          kind: z.enum(['periodic', 'post-implementation-review']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          pageToken: z.string().optional(),
        }),
      },
      responses: jsonResponse(
        200,
        z.object({ items: z.array(reportSchema), nextPageToken: z.string().optional() }),
        'Reports',
      ),
    }),
    ALL_ROLES,
    async (c) => {
      const q = c.req.valid('query');
      const items = await listReports(ctx, {
        model: q.model,
        kind: q.kind,
        beforeId: q.pageToken,
        limit: q.limit,
      });
      return c.json({ items, ...(items.length === q.limit ? { nextPageToken: items.at(-1)!.id } : {}) }, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/reports',
      tags: ['reports'],
      summary:
        'Generate a report now: periodic (model and period) or post-implementation review (deployment)',
      description:
        'The report is stored, immutable, with the audit head it was generated at, and announced with a `report.ready` webhook. A period ending in the future is refused.',
      request: jsonBody(generateSchema),
      responses: jsonResponse(201, reportSchema, 'The stored report'),
    }),
    REPORT_AUTHOR_ROLES,
    async (c) => {
      const body = c.req.valid('json');
      const actor = { name: c.get('principal').name, requestId: c.get('requestId') };
      const report =
        body.kind === 'periodic'
          ? (await generatePeriodicReport(ctx, actor, body))!
          : await generatePostImplementationReview(ctx, actor, body);
      return c.json(report, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/reports/{id}',
      tags: ['reports'],
      summary: 'A stored report: JSON (metadata and content), Markdown or HTML',
      description:
        '`?format=json|md|html`, or by Accept. The HTML page is self-contained (charts drawn with uPlot, inlined) and opens offline.',
      request: {
        params: z.object({ id: z.string() }),
        query: z.object({ format: z.string().optional() }),
      },
      responses: jsonResponse(200, z.looseObject({ id: z.string(), content: z.unknown() }), 'The report'),
    }),
    ALL_ROLES,
    async (c) => {
      const format = negotiateFormat(c.req.valid('query').format, c.req.header('accept'));
      const { meta, content } = await getReport(ctx, c.req.valid('param').id);
      return sendDocument(c, format, reportDocument(meta, content), { ...meta, content }) as never;
    },
  );
}

import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { findEntries } from './audit.repository.js';
import { verifyAuditChain } from './audit-verify.js';

const entrySchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    requestId: z.string().nullable(),
    change: z.unknown(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEntry');

const headSchema = z
  .object({
    seq: z.number().int(),
    hash: z.string(),
    at: z.string(),
    signature: z.string(),
    publicKey: z.string(),
  })
  .openapi('SignedAuditHead');

const AUDIT_READERS = ['admin', 'auditor', 'compliance', 'legal', 'validator', 'review-board'] as const;

export function registerAuditRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit',
      tags: ['audit'],
      summary: 'Audit entries, newest first',
      request: {
        query: z.object({
          subject: z
            .string()
            .optional()
            .openapi({ description: 'e.g. model:credit-default or model:credit-default@1.0.0' }),
          actor: z.string().optional(),
          action: z.string().optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          ...pageQuery,
        }),
      },
      responses: jsonResponse(200, pageSchema(entrySchema), 'A page of entries'),
    }),
    AUDIT_READERS,
    async (c) => {
      const q = c.req.valid('query');
      const cursor = decodePageToken<{ seq: number }>(q.pageToken, ['seq']);
      const rows = await findEntries(ctx.db, {
        subject: q.subject,
        actor: q.actor,
        action: q.action,
        from: q.from ? new Date(q.from).toISOString() : undefined,
        to: q.to ? new Date(q.to).toISOString() : undefined,
        beforeSeq: cursor?.seq,
        limit: q.limit + 1,
      });
      const page = toPage(rows, q.limit, (e) => ({ seq: e.seq }));
      return c.json(
        { ...page, items: page.items.map((e) => ({ ...e, change: JSON.parse(e.change) as unknown })) },
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit/head',
      tags: ['audit'],
      summary: 'The current tip of the chain, signed now, to keep elsewhere',
      description:
        'Signs the sequence number and hash of the newest entry at the time of the request (nothing is stored). ' +
        'Kept outside Warden, it lets `warden audit verify --expect-head` detect any later removal of entries up to it.',
      responses: jsonResponse(200, headSchema, 'The signed head'),
    }),
    AUDIT_READERS,
    async (c) => {
      const head = await ctx.audit.signedTip();
      if (!head) return c.json({ error: { code: 'not_found', message: 'the audit log is empty' } }, 404);
      return c.json(head, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/audit/checkpoints',
      tags: ['audit'],
      summary: 'Sign the current tip now',
      responses: jsonResponse(201, headSchema, 'The new signed head'),
    }),
    ['admin', 'compliance'],
    async (c) => {
      const head = await ctx.audit.checkpoint();
      if (!head) return c.json({ error: { code: 'not_found', message: 'the audit log is empty' } }, 404);
      return c.json(head, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit/verify',
      tags: ['audit'],
      summary: 'Recompute the whole chain on the server',
      responses: jsonResponse(
        200,
        z.object({ ok: z.boolean(), entries: z.number(), checkpoints: z.number(), message: z.string() }),
        'The verification result',
      ),
    }),
    AUDIT_READERS,
    async (c) => {
      const report = await verifyAuditChain(ctx.store);
      return c.json(
        { ok: report.ok, entries: report.entries, checkpoints: report.checkpoints, message: report.message },
        200,
      );
    },
  );
}

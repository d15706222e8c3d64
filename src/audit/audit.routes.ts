import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageQuery, pageSchema, toPage } from '../http/pagination.js';
import { jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { WardenError } from '../core/errors.js';
import { findEntries, findEntry } from './audit.repository.js';
import { verifyAuditChain } from './audit-verify.js';
import { entryLeafHash } from './audit-chain.js';

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
  .openapi('AuditEntry', { description: 'One entry of the append-only, hash-chained audit log' });

const headSchema = z
  .object({
    seq: z.number().int(),
    hash: z.string(),
    at: z.string(),
    signature: z.string(),
    publicKey: z.string(),
  })
  .openapi('SignedAuditHead', {
    description: 'The latest signed checkpoint of the audit log: tree size, root hash, signature',
  });

const treeHeadSchema = z
  .object({
    origin: z.string(),
    treeSize: z.number().int(),
    rootHash: z.string().openapi({ description: 'Merkle root, hex' }),
    note: z.string().openapi({ description: 'the C2SP checkpoint (signed note) text' }),
    publicKey: z.string().openapi({ description: 'SPKI PEM of the signing key' }),
    at: z.string(),
  })
  .openapi('AuditCheckpoint', {
    description: 'A signed checkpoint: tree size, Merkle root (RFC 6962) and Ed25519 signature',
  });

const inclusionSchema = z
  .object({
    treeSize: z.number().int(),
    leafIndex: z.number().int(),
    leafHash: z.string(),
    hashes: z.array(z.string()),
  })
  .openapi('AuditInclusionProof', {
    description: 'An RFC 6962 audit path proving an entry is in a tree of a given size',
  });

const consistencySchema = z
  .object({ from: z.number().int(), to: z.number().int(), hashes: z.array(z.string()) })
  .openapi('AuditConsistencyProof', {
    description: 'An RFC 6962 proof that a smaller tree is a prefix of a larger one',
  });

const sizeParam = (name: string) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .openapi({
      type: 'integer',
      minimum: 0,
      param: { name, in: 'query' },
      description: 'a tree size (number of entries)',
    });

/** The success response as JSON, or as text when the client asks for `text/plain`. */
function textOrJson<T extends z.ZodType>(schema: T, description: string) {
  const base = jsonResponse(200, schema, description);
  return {
    ...base,
    200: {
      content: { 'application/json': { schema }, 'text/plain': { schema: z.string() } },
      description,
    },
  } as const;
}

/** The current tree size, checking a requested one does not exceed it. */
async function checkedSize(ctx: AppContext, requested: number | undefined, field: string): Promise<number> {
  const head = await ctx.audit.treeHead();
  const current = head?.seq ?? 0;
  if (requested === undefined) return current;
  if (requested > current)
    throw new WardenError(
      'invalid_input',
      `${field} ${requested} exceeds the log's ${current} entries`,
      field,
    );
  return requested;
}

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
      path: '/api/v1/audit/checkpoint',
      tags: ['audit'],
      summary: 'The latest signed tree head (C2SP checkpoint)',
      description:
        'A signed note: origin, tree size, base64 Merkle root (RFC 6962), then `— <origin> <base64(key id ‖ Ed25519 signature)>`. ' +
        'Signed anew when the log has grown since the last one, and handed to the configured witnesses. ' +
        '`Accept: text/plain` returns the note alone.',
      responses: textOrJson(treeHeadSchema, 'The checkpoint'),
    }),
    AUDIT_READERS,
    async (c) => {
      const head = await ctx.audit.treeHead();
      if (!head) throw new WardenError('not_found', 'the audit log is empty');
      if ((c.req.header('accept') ?? '').includes('text/plain')) return c.text(head.note, 200);
      return c.json(
        {
          origin: head.note.slice(0, head.note.indexOf('\n')),
          treeSize: head.seq,
          rootHash: head.rootHash,
          note: head.note,
          publicKey: head.publicKey,
          at: head.at,
        },
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit/public-key',
      tags: ['audit'],
      summary: 'The public key that signs tree heads and evidence packs (PEM)',
      description: 'Keep a copy outside Warden and give it to `warden audit verify --trusted-key`.',
      responses: {
        200: { content: { 'text/plain': { schema: z.string() } }, description: 'SPKI PEM' },
      },
    }),
    'authenticated',
    (c) => c.text(ctx.audit.publicKeyPem, 200),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit/entries/{seq}',
      tags: ['audit'],
      summary: 'One audit entry',
      request: { params: z.object({ seq: z.coerce.number().int().min(1) }) },
      responses: jsonResponse(200, entrySchema, 'The entry'),
    }),
    AUDIT_READERS,
    async (c) => {
      const { seq } = c.req.valid('param');
      const entry = await findEntry(ctx.db, seq);
      if (!entry) throw new WardenError('not_found', `no audit entry ${seq}`);
      return c.json({ ...entry, change: JSON.parse(entry.change) as unknown }, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit/entries/{seq}/proof',
      tags: ['audit'],
      summary: 'Inclusion proof of an entry in a tree (RFC 6962 audit path)',
      description:
        'Entry `seq` is leaf `seq - 1`; its leaf hash is SHA-256(0x00 ‖ canonical entry bytes). `treeSize` defaults to the latest checkpoint.',
      request: {
        params: z.object({ seq: z.coerce.number().int().min(1) }),
        query: z.object({ treeSize: sizeParam('treeSize').optional() }).strict(),
      },
      responses: jsonResponse(200, inclusionSchema, 'The proof'),
    }),
    AUDIT_READERS,
    async (c) => {
      const { seq } = c.req.valid('param');
      const size = await checkedSize(ctx, c.req.valid('query').treeSize, 'treeSize');
      if (seq > size)
        throw new WardenError(
          'invalid_input',
          `entry ${seq} is not in a tree of ${size} entries`,
          'treeSize',
        );
      const entry = await findEntry(ctx.db, seq);
      if (!entry) throw new WardenError('not_found', `no audit entry ${seq}`);
      const tree = await ctx.audit.tree(size);
      const proof = await tree.inclusionProof(seq - 1, size);
      return c.json(
        {
          treeSize: size,
          leafIndex: seq - 1,
          leafHash: entryLeafHash(entry).toString('hex'),
          hashes: proof.map((h) => h.toString('hex')),
        },
        200,
      );
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/audit/consistency',
      tags: ['audit'],
      summary: 'Consistency proof between two tree sizes (RFC 6962)',
      description:
        'Shows the tree of `from` entries is a prefix of the tree of `to` entries (default: the latest checkpoint).',
      request: {
        query: z.object({ from: sizeParam('from'), to: sizeParam('to').optional() }).strict(),
      },
      responses: jsonResponse(200, consistencySchema, 'The proof'),
    }),
    AUDIT_READERS,
    async (c) => {
      const q = c.req.valid('query');
      const to = await checkedSize(ctx, q.to, 'to');
      if (q.from > to)
        throw new WardenError('invalid_input', `from ${q.from} is larger than to ${to}`, 'from');
      const tree = await ctx.audit.tree(to);
      const proof = await tree.consistencyProof(q.from, to);
      return c.json({ from: q.from, to, hashes: proof.map((h) => h.toString('hex')) }, 200);
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

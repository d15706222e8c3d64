import { createRoute, z } from '@hono/zod-openapi';
import { recordIngestion } from '../metrics/index.js';
import { ALL_ROLES, AUTHOR_ROLES, type Role } from '../auth/roles.js';
import { invalidInput, WardenError } from '../core/errors.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, pageSchema } from '../http/pagination.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { semverString } from '../registry/version.schema.js';
import {
  ingestFeedback,
  ingestInferences,
  ingestLabels,
  requireIngestTarget,
  type IngestTarget,
} from './ingestion.service.js';
import { getMonitoringConfig, listMonitoringResults, putMonitoringConfig } from './monitoring.results.js';
import { monitoringConfigSchema } from './monitoring-config.js';
import { runMonitoring } from './monitoring.run.js';
import { parseRecordBody } from './record.validate.js';
import { deleteReference, ingestReference, referenceSummary } from './reference.service.js';
import { RULE_NAMES } from './rules/evaluate.js';

const versionParams = z.object({ name: modelName, version: semverString });
const modelParams = z.object({ name: modelName });

/** Who may send records: the roles that author models plus the operators of the serving stack. */
const INGEST_ROLES: readonly Role[] = [...AUTHOR_ROLES];
/** Who may start an evaluation by hand. */
const RUN_ROLES: readonly Role[] = [...AUTHOR_ROLES, 'validator', 'operations'];

const recordsBody = (description: string) => ({
  body: {
    content: {
      'application/json': { schema: { type: 'array' as const, items: { type: 'object' as const } } },
      'application/x-ndjson': { schema: { type: 'string' as const } },
    },
    required: true,
    description,
  },
});

const ingestResultSchema = z
  .object({
    records: z.number(),
    accepted: z.number(),
    duplicates: z.number(),
    joined: z.number().optional(),
    pending: z.number().optional(),
    digest: z.string(),
  })
  .openapi('IngestResult');

const monitorCheckSchema = z
  .object({
    rule: z.string(),
    feature: z.string().optional(),
    segment: z.string().optional(),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    status: z.enum(['ok', 'warning', 'alert', 'insufficient_data']),
    window: z.object({ from: z.string(), to: z.string(), records: z.number() }),
    policyRule: z.string(),
    version: z.string(),
    n: z.number().optional(),
    count: z.number().optional(),
    exampleIds: z.array(z.string()).optional(),
    observed: z.number().optional().openapi({
      description: "A metric rule's window metric, e.g. the window's RMSE for rmse_increase",
    }),
    baseline: z.number().optional().openapi({ description: 'The baseline metric it was compared with' }),
    detail: z.string().optional(),
  })
  .openapi('MonitorCheck');

const storedCheckSchema = monitorCheckSchema
  .extend({ id: z.string(), runId: z.string(), policyVersion: z.string(), evaluatedAt: z.string() })
  .openapi('MonitoringResult');

async function readRecords(c: {
  req: { header(name: string): string | undefined; text(): Promise<string> };
}) {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return parseRecordBody(await c.req.text(), type);
}

export function registerMonitoringRoutes(routes: RouteTable, ctx: AppContext): void {
  const batchRoute = (
    path: string,
    summary: string,
    description: string,
    ingest: (
      target: IngestTarget,
      actor: Parameters<typeof ingestInferences>[1],
      raws: Awaited<ReturnType<typeof readRecords>>,
    ) => Promise<z.infer<typeof ingestResultSchema>>,
  ) =>
    routes.add(
      createRoute({
        method: 'post',
        path: `/api/v1/models/{name}/versions/{version}/${path}`,
        tags: ['monitoring'],
        summary,
        description,
        request: {
          params: versionParams,
          ...recordsBody('A JSON array of records, or NDJSON (one record per line)'),
        },
        responses: jsonResponse(200, ingestResultSchema, 'The batch was stored (or was already stored)'),
      }),
      INGEST_ROLES,
      async (c) => {
        const { name, version } = c.req.valid('param');
        const target = await requireIngestTarget(ctx, name, version);
        const raws = await readRecords(c);
        const counted = path === 'inferences';
        let result: z.infer<typeof ingestResultSchema>;
        try {
          result = await ingest(
            target,
            { principal: c.get('principal'), requestId: c.get('requestId') },
            raws,
          );
        } catch (error) {
          if (counted && error instanceof WardenError && error.code === 'invalid_input')
            recordIngestion(name, 0, raws.length);
          throw error;
        }
        if (counted) recordIngestion(name, result.accepted, 0);
        return c.json(result, 200);
      },
    );

  batchRoute(
    'inferences',
    'Send inference records',
    'Each record: `{id, timestamp?, features, prediction, score?, segment?, latencyMs?, error?, signals?}`. The batch is validated whole against the version’s input schema: one bad record answers 400 naming its line and field, and nothing is stored. A field the schema does not declare is accepted and reported by the schema-change monitor. Idempotent on record id.',
    (target, actor, raws) => ingestInferences(ctx, actor, target, raws),
  );
  batchRoute(
    'labels',
    'Send delayed ground-truth labels',
    '`[{id, label}]`, joined to the inference record with that id whether it arrived before or after. A record’s first label counts.',
    (target, actor, raws) => ingestLabels(ctx, actor, target, raws),
  );
  batchRoute(
    'feedback',
    'Send user feedback',
    '`[{id, rating: "up"|"down", report?}]`, joined to the inference record with that id. A record’s first feedback counts.',
    (target, actor, raws) => ingestFeedback(ctx, actor, target, raws),
  );
  batchRoute(
    'reference',
    'Add records to the version’s reference baseline',
    '`[{features, prediction?, score?, label?, segment?}]` from the training or validation sample. Every record enters the reference profile; the first 100,000 are also kept verbatim. A repeated batch (same digest) changes nothing.',
    (target, actor, raws) => ingestReference(ctx, actor, target, raws),
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/versions/{version}/reference',
      tags: ['monitoring'],
      summary: 'Summarise the version’s reference baseline',
      request: { params: versionParams },
      responses: jsonResponse(
        200,
        z.record(z.string(), z.unknown()),
        'Per-feature presence, quantiles or top categories, labels and segments',
      ),
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const target = await requireIngestTarget(ctx, name, version, { allowArchived: true });
      return c.json(await referenceSummary(ctx.db, target), 200);
    },
  );

  routes.add(
    createRoute({
      method: 'delete',
      path: '/api/v1/models/{name}/versions/{version}/reference',
      tags: ['monitoring'],
      summary: 'Remove the version’s reference baseline (to upload another)',
      request: { params: versionParams },
      responses: jsonResponse(200, z.object({ deleted: z.boolean() }), 'Removed'),
    }),
    INGEST_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const target = await requireIngestTarget(ctx, name, version);
      await deleteReference(ctx, { principal: c.get('principal'), requestId: c.get('requestId') }, target);
      return c.json({ deleted: true }, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/monitoring',
      tags: ['monitoring'],
      summary: 'Monitoring results as a time series, newest first',
      request: {
        params: modelParams,
        query: z.object({
          from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Evaluated at or after' }),
          to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Evaluated before' }),
          rule: z.string().max(300).optional(),
          feature: z.string().max(300).optional(),
          segment: z
            .string()
            .max(500)
            .optional()
            .openapi({ description: '`attribute=value`; empty for the whole population' }),
          version: z.string().max(128).optional(),
          status: z.enum(['ok', 'warning', 'alert', 'insufficient_data']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          pageToken: z.string().max(2048).optional(),
        }),
      },
      responses: jsonResponse(200, pageSchema(storedCheckSchema), 'A page of results'),
    }),
    ALL_ROLES,
    async (c) => {
      const q = c.req.valid('query');
      const cursor = decodePageToken<{ at: string; id: string }>(q.pageToken, ['at', 'id']);
      const page = await listMonitoringResults(ctx.db, {
        modelName: c.req.valid('param').name,
        ...(q.rule !== undefined ? { rule: q.rule } : {}),
        ...(q.feature !== undefined ? { feature: q.feature } : {}),
        ...(q.segment !== undefined ? { segment: q.segment } : {}),
        ...(q.version !== undefined ? { version: q.version } : {}),
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
        ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
        ...(cursor ? { after: cursor } : {}),
        limit: q.limit,
      });
      return c.json(page, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/monitoring/run',
      tags: ['monitoring'],
      summary: 'Evaluate the model’s monitors now',
      description: `Evaluates every rule (or those named in \`rules\`, comma-separated: ${RULE_NAMES.join(', ')}) over the configured window, stores the results, hands them to the alert engine and returns every check with the policy rule its threshold came from.`,
      request: { params: modelParams, query: z.object({ rules: z.string().max(2000).optional() }) },
      responses: jsonResponse(200, z.object({ checks: z.array(monitorCheckSchema) }), 'Every check'),
    }),
    RUN_ROLES,
    async (c) => {
      const rules = c.req
        .valid('query')
        .rules?.split(',')
        .map((r) => r.trim())
        .filter(Boolean);
      for (const rule of rules ?? []) {
        if (!RULE_NAMES.includes(rule) && !rule.startsWith('safety_signal:'))
          throw invalidInput(`unknown rule "${rule}"; rules are ${RULE_NAMES.join(', ')}`, 'rules');
      }
      const principal = c.get('principal');
      const result = await runMonitoring(ctx, c.req.valid('param').name, {
        now: ctx.now(),
        ...(rules ? { rules } : {}),
        actor: { name: principal.name, requestId: c.get('requestId') },
      });
      return c.json(result, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/monitoring/config',
      tags: ['monitoring'],
      summary: 'Show the model’s monitoring configuration, with the thresholds and cadences in force',
      request: { params: modelParams },
      responses: jsonResponse(200, z.record(z.string(), z.unknown()), 'The configuration'),
    }),
    ALL_ROLES,
    async (c) => c.json(await getMonitoringConfig(ctx.db, c.req.valid('param').name), 200),
  );

  routes.add(
    createRoute({
      method: 'put',
      path: '/api/v1/models/{name}/monitoring/config',
      tags: ['monitoring'],
      summary: 'Replace the model’s monitoring configuration',
      request: { params: modelParams, ...jsonBody(monitoringConfigSchema) },
      responses: jsonResponse(200, z.record(z.string(), z.unknown()), 'The configuration'),
    }),
    INGEST_ROLES,
    async (c) => {
      const result = await putMonitoringConfig(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('json'),
      );
      return c.json(result, 200);
    },
  );
}

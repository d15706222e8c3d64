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
  ingestSignals,
  requireIngestTarget,
  type IngestOptions,
  type IngestTarget,
} from './ingestion.service.js';
import { getMonitoringConfig, listMonitoringResults } from './monitoring.results.js';
import { registerMonitoringSeriesRoute } from './monitoring-series.js';
import { changeMonitoringConfig, changeRequestSchema } from '../workflow/index.js';
import { monitoringConfigSchema } from './monitoring-config.js';
import { runMonitoring } from './monitoring.run.js';
import { parseRecordBody } from './record.validate.js';
import { deleteReference, ingestReference, referenceSummary } from './reference.service.js';
import { RULE_NAMES } from './rules/evaluate.js';
import { explanationSummarySchema } from '../explanations/explanation.schema.js';

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

const recordRefusalSchema = z
  .object({
    index: z.number().openapi({ description: '0-based position of the record in the batch' }),
    id: z.string().nullable().openapi({ description: "The record's id, when it could be read" }),
    field: z
      .string()
      .openapi({ description: "Path in the record, e.g. `features.amount`; '' for the whole record" }),
    reason: z.string(),
  })
  .openapi('RecordRefusal', { description: 'A record a partial batch refused, and why (it was not stored)' });

const ingestResultSchema = z
  .object({
    records: z.number(),
    accepted: z.number(),
    duplicates: z.number(),
    joined: z.number().optional(),
    pending: z.number().optional(),
    digest: z.string(),
    refused: z.array(recordRefusalSchema).optional().openapi({
      description: 'With `partial=true`: the records refused, which were not stored (the others were)',
    }),
    excluded: z.array(z.string()).optional().openapi({
      description: 'Reference batches: the id and timestamp columns left out of the features',
    }),
    warnings: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Reference batches: features that look like row ids, kept as asked' }),
  })
  .openapi('IngestResult', { description: 'How many records a batch stored (a rejected batch stores none)' });

const referenceColumnName = z.string().min(1).max(200);
const referenceQuery = z.object({
  idColumn: referenceColumnName.optional().openapi({
    description: 'The feature holding a row id: left out of the reference features',
  }),
  timestampColumn: referenceColumnName.optional().openapi({
    description: 'The feature holding the row time: left out of the reference features',
  }),
});

const partialQuery = z.object({
  partial: z.enum(['true', 'false']).optional().openapi({
    description:
      '`true`: judge each record on its own — bad records are refused and listed in `refused`, the others are stored. Default: all-or-nothing.',
  }),
});

const monitorCheckSchema = z
  .object({
    rule: z.string(),
    feature: z.string().optional(),
    segment: z.string().optional(),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    status: z.enum(['ok', 'warning', 'alert', 'insufficient_data']),
    window: z.object({
      from: z.string(),
      to: z.string(),
      records: z.number(),
      labelled: z
        .number()
        .optional()
        .openapi({ description: 'Records of the window whose label had arrived when it was evaluated' }),
    }),
    policyRule: z.string(),
    version: z.string(),
    n: z.number().optional(),
    count: z.number().optional(),
    exampleIds: z.array(z.string()).optional(),
    observed: z.number().optional().openapi({
      description:
        "A metric rule's window metric, e.g. the window's RMSE for rmse_increase, the window's accuracy (a fraction) for accuracy_decay, its Brier score for brier_drift",
    }),
    baseline: z.number().optional().openapi({ description: 'The baseline metric it was compared with' }),
    detail: z.string().optional(),
    explanations: explanationSummarySchema.optional(),
  })
  .openapi('MonitorCheck', { description: 'One monitored value in a window against its threshold' });

const storedCheckSchema = monitorCheckSchema
  .extend({ id: z.string(), runId: z.string(), policyVersion: z.string(), evaluatedAt: z.string() })
  .openapi('MonitoringResult', {
    description: 'One stored monitoring result: a check with its window, run and policy version',
  });

async function readRecords(
  c: { req: { header(name: string): string | undefined; text(): Promise<string> } },
  options: IngestOptions,
) {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return parseRecordBody(await c.req.text(), type, options);
}

export function registerMonitoringRoutes(routes: RouteTable, ctx: AppContext): void {
  registerMonitoringSeriesRoute(routes, ctx);
  const batchRoute = (
    path: string,
    summary: string,
    description: string,
    ingest: (
      target: IngestTarget,
      actor: Parameters<typeof ingestInferences>[1],
      raws: Awaited<ReturnType<typeof readRecords>>,
      options: IngestOptions,
      query: Record<string, string>,
    ) => Promise<z.infer<typeof ingestResultSchema>>,
    judgedPerRecord = true,
    query: z.ZodObject = partialQuery,
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
          ...(judgedPerRecord ? { query: partialQuery } : { query }),
          ...recordsBody('A JSON array of records, or NDJSON (one record per line)'),
        },
        responses: jsonResponse(200, ingestResultSchema, 'The batch was stored (or was already stored)'),
      }),
      INGEST_ROLES,
      async (c) => {
        const { name, version } = c.req.valid('param');
        const options: IngestOptions = { partial: judgedPerRecord && c.req.query('partial') === 'true' };
        const target = await requireIngestTarget(ctx, name, version);
        const raws = await readRecords(c, options);
        const counted = path === 'inferences';
        let result: z.infer<typeof ingestResultSchema>;
        try {
          result = await ingest(
            target,
            { principal: c.get('principal'), requestId: c.get('requestId') },
            raws,
            options,
            c.req.query(),
          );
        } catch (error) {
          if (counted && error instanceof WardenError && error.code === 'invalid_input')
            recordIngestion(name, 0, raws.length);
          throw error;
        }
        if (counted) recordIngestion(name, result.accepted, result.refused?.length ?? 0);
        return c.json(result, 200);
      },
    );

  batchRoute(
    'inferences',
    'Send inference records',
    'Each record: `{id, timestamp?, features, prediction, score?, segment?, latencyMs?, error?, signals?, cost?, tokensIn?, tokensOut?}`. By default the batch is validated whole against the version’s input schema: one bad record answers 400 naming its line and field, and nothing is stored. With `?partial=true` each record is judged on its own: the answer lists the refused ones (`refused: [{index, id, field, reason}]`) and the others are stored; only those count in the window profiles, the metrics and the audit digest. A field the schema does not declare is accepted and reported by the schema-change monitor. Idempotent on record id.',
    (target, actor, raws, options) => ingestInferences(ctx, actor, target, raws, options),
  );
  batchRoute(
    'labels',
    'Send delayed ground-truth labels',
    '`[{id, label}]`, joined to the inference record with that id whether it arrived before or after. A record’s first label counts. `?partial=true` as for inferences.',
    (target, actor, raws, options) => ingestLabels(ctx, actor, target, raws, options),
  );
  batchRoute(
    'feedback',
    'Send user feedback',
    '`[{id, rating: "up"|"down", report?}]`, joined to the inference record with that id. A record’s first feedback counts. `?partial=true` as for inferences.',
    (target, actor, raws, options) => ingestFeedback(ctx, actor, target, raws, options),
  );
  batchRoute(
    'signals',
    'Send safety signals found after the answer',
    '`[{id, signals: {name: boolean | string}}]` (a moderation pass, a user report), joined to the inference record with that id whether it arrived before or after. A record’s first signals count: a record that carried `signals` inline keeps them. `?partial=true` as for inferences.',
    (target, actor, raws, options) => ingestSignals(ctx, actor, target, raws, options),
  );
  batchRoute(
    'reference',
    'Add records to the version’s reference baseline',
    '`[{features, prediction?, score?, label?, segment?}]` from the training or validation sample. Every record enters the reference profile; the first 100,000 are also kept verbatim. `idColumn` and `timestampColumn` name features that identify or time a row: they are left out (`excluded`). Other features that look like row ids (a distinct value in every row, named like `id`/`uuid`/`*_id` or holding increasing integers) are kept and reported in `warnings`. A repeated batch (same digest) changes nothing.',
    (target, actor, raws, _options, query) =>
      ingestReference(ctx, actor, target, raws, {
        ...(query.idColumn ? { idColumn: query.idColumn } : {}),
        ...(query.timestampColumn ? { timestampColumn: query.timestampColumn } : {}),
      }),
    false,
    referenceQuery,
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
        if (
          !RULE_NAMES.includes(rule) &&
          !rule.startsWith('safety_signal:') &&
          !rule.startsWith('signal_trend:')
        )
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
      description:
        'A configuration that loosens a control — a raised threshold, a longer or disabled cadence, a lower significance level, more records or labels before a monitor judges, a later warning, a sensitive attribute dropped — answers 202 with a governance change request needing the policy’s `governanceChanges` approvals; meanwhile the stricter of the old and new value of each control applies (tightenings and other settings at once). Anything else applies at once (200), audited.',
      request: { params: modelParams, ...jsonBody(monitoringConfigSchema) },
      responses: {
        ...jsonResponse(200, z.record(z.string(), z.unknown()), 'The configuration'),
        202: {
          content: { 'application/json': { schema: changeRequestSchema } },
          description: 'The governance change request holding the loosening',
        },
      },
    }),
    INGEST_ROLES,
    async (c) => {
      const result = await changeMonitoringConfig(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('json'),
      );
      // Both bodies are declared above; the typed handler checks the last success status only.
      if (result.applied) return c.json(result.config, 200) as never;
      return c.json(result.changeRequest, 202);
    },
  );
}

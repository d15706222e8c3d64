import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES } from '../auth/roles.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { requireModel } from '../registry/registry.service.js';

/** The most points one answer carries; older ones are left out (`truncated`). */
export const MAX_SERIES_POINTS = 100_000;

const seriesSchema = z.object({
  rule: z.string(),
  feature: z.string().optional(),
  segment: z.string().optional(),
  threshold: z.number().nullable().openapi({ description: 'The threshold of the newest point' }),
  windowTo: z.array(z.string()).openapi({ description: 'End of each point’s window, oldest first' }),
  value: z.array(z.number().nullable()),
  records: z
    .array(z.number().int())
    .openapi({ description: 'Records in each point’s window (performance rests on those labelled so far)' }),
  labelled: z.array(z.number().int().nullable()).openapi({
    description:
      'Records of each point’s window that had a label when it was evaluated (null for results stored before this was counted)',
  }),
  status: z.array(z.string()),
  run: z.array(z.number().int()).openapi({ description: 'Index of each point’s run in `runs`' }),
});

const seriesPageSchema = z
  .object({
    model: z.string(),
    runs: z.array(z.object({ id: z.string(), evaluatedAt: z.string() })),
    series: z.array(seriesSchema),
    truncated: z.boolean(),
  })
  .openapi('MonitoringSeries', {
    description:
      'Monitoring results as charts need them: one series per rule, feature and segment, columns of points oldest first, and the runs they came from',
  });
export type MonitoringSeries = z.infer<typeof seriesPageSchema>;

/**
 * A model's monitoring results over a time range, grouped into series (one per rule, feature and
 * segment) with points oldest first: the shape of a chart, without the per-result detail the list
 * of results carries. Only the whole population unless `segments` is set.
 */
export async function listMonitoringSeries(
  db: Executor,
  f: { modelName: string; from?: string; to?: string; rule?: string; segments: boolean },
): Promise<MonitoringSeries> {
  const model = await requireModel(db, f.modelName);
  let q = db
    .selectFrom('monitoring_results')
    .select([
      'run_id',
      'rule',
      'feature',
      'segment',
      'window_to',
      'records',
      'labelled',
      'value',
      'threshold',
      'status',
      'evaluated_at',
    ])
    .where('model_id', '=', model.id);
  if (!f.segments) q = q.where('segment', '=', '');
  if (f.rule !== undefined) q = q.where('rule', '=', f.rule);
  if (f.from !== undefined) q = q.where('evaluated_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('evaluated_at', '<', f.to);
  const newest = await q
    .orderBy('evaluated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(MAX_SERIES_POINTS + 1)
    .execute();
  const truncated = newest.length > MAX_SERIES_POINTS;
  const rows = newest.slice(0, MAX_SERIES_POINTS).reverse();

  const runs: MonitoringSeries['runs'] = [];
  const runIndex = new Map<string, number>();
  const series = new Map<string, MonitoringSeries['series'][number]>();
  for (const r of rows) {
    let run = runIndex.get(r.run_id);
    if (run === undefined) {
      run = runs.length;
      runIndex.set(r.run_id, run);
      runs.push({ id: r.run_id, evaluatedAt: r.evaluated_at });
    }
    const key = `${r.rule}\u0000${r.feature}\u0000${r.segment}`;
    let s = series.get(key);
    if (!s) {
      s = {
        rule: r.rule,
        ...(r.feature !== '' ? { feature: r.feature } : {}),
        ...(r.segment !== '' ? { segment: r.segment } : {}),
        threshold: null,
        windowTo: [],
        value: [],
        records: [],
        labelled: [],
        status: [],
        run: [],
      };
      series.set(key, s);
    }
    s.windowTo.push(r.window_to);
    s.value.push(r.value);
    s.records.push(Number(r.records));
    s.labelled.push(r.labelled === null ? null : Number(r.labelled));
    s.status.push(r.status);
    s.run.push(run);
    s.threshold = r.threshold;
  }
  const ordered = [...series.values()].sort(
    (a, b) =>
      a.rule.localeCompare(b.rule) ||
      (a.feature ?? '').localeCompare(b.feature ?? '') ||
      (a.segment ?? '').localeCompare(b.segment ?? ''),
  );
  return { model: model.name, runs, series: ordered, truncated };
}

export function registerMonitoringSeriesRoute(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/monitoring/series',
      tags: ['monitoring'],
      summary: 'Monitoring results grouped into chart series, oldest point first',
      description: `At most ${MAX_SERIES_POINTS} points (the newest); \`truncated\` says when older ones were left out. The detail of each result is in the list of results (filter it by the run's \`evaluatedAt\`).`,
      request: {
        params: z.object({ name: modelName }),
        query: z.object({
          from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Evaluated at or after' }),
          to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Evaluated before' }),
          rule: z.string().max(300).optional(),
          segments: z.enum(['true', 'false']).optional().openapi({
            description: 'true: also each segment’s series (default: the whole population only)',
          }),
        }),
      },
      responses: jsonResponse(200, seriesPageSchema, 'The series'),
    }),
    ALL_ROLES,
    async (c) => {
      const q = c.req.valid('query');
      const series = await listMonitoringSeries(ctx.db, {
        modelName: c.req.valid('param').name,
        ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
        ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
        ...(q.rule !== undefined ? { rule: q.rule } : {}),
        segments: q.segments === 'true',
      });
      return c.json(series, 200);
    },
  );
}

import { createRoute, z } from '@hono/zod-openapi';
import type { Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import type { RouteTable } from '../http/route-table.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './exposition.js';
import { collectMetrics } from './metrics.service.js';
import { renderProcessMetrics } from './process-metrics.js';

/** Who may scrape: every role that reads operations data. */
const SCRAPER_ROLES: readonly Role[] = ['admin', 'operations', 'mlops', 'auditor', 'viewer'];

export function registerMetricsRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['metrics'],
      summary: 'Prometheus metrics (text exposition format 0.0.4)',
      responses: {
        200: {
          content: { 'text/plain': { schema: z.string() } },
          description:
            'Request durations by route template, process and build information, scheduler lag, ingestion counters, latest monitor values, open alerts, incidents and retraining requests',
        },
      },
    }),
    SCRAPER_ROLES,
    async (c) => {
      const body =
        (await renderProcessMetrics()) +
        renderExposition(await collectMetrics(ctx.db, ctx.config.metricsModelLabels));
      return c.text(body, 200, { 'content-type': EXPOSITION_CONTENT_TYPE });
    },
  );
}

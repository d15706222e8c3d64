import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../http/context.js';
import { jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { runRetention } from './retention.service.js';

const purgeSchema = z.object({
  model: z.string(),
  tier: z.number().int(),
  cutoff: z.string(),
  records: z.number().int(),
  labels: z.number().int(),
  feedback: z.number().int(),
  pending: z.number().int(),
  from: z.string(),
  to: z.string(),
  idsSha256: z.string(),
});

const runSchema = z
  .object({
    ranAt: z.string(),
    purges: z.array(purgeSchema),
    held: z.array(z.string()).openapi({ description: 'Models under legal hold, left alone' }),
  })
  .openapi('RetentionRun', {
    description: 'What one retention pass purged, and the models under legal hold it left alone',
  });

/** `POST /api/v1/retention/run`: the retention task, now. */
export function registerRetentionRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/retention/run',
      tags: ['retention'],
      summary: 'Run the retention task now (it also runs daily)',
      description:
        'Purges raw inference records, labels and feedback older than their tier’s retention.rawRecordDays; window profiles and audit entries are kept; models under legal hold are skipped. Each purge is audited with its count, time range and the SHA-256 of the purged ids.',
      responses: jsonResponse(200, runSchema, 'What was purged'),
    }),
    ['admin', 'compliance'],
    async (c) => {
      const run = await runRetention(ctx, { principal: c.get('principal'), requestId: c.get('requestId') });
      return c.json(run, 200);
    },
  );
}

import type { AppContext } from '../http/context.js';
import { getActivePolicy, retentionPolicy } from '../policy/index.js';
import type { BackgroundTask } from '../core/background-task.js';
import { runDueMonitors } from './monitor-schedule.js';

/**
 * Deletes raw inference records (and labels or feedback still waiting for their record) older
 * than the retention of their model's tier. Window profiles are kept: they are the long-term history.
 */
export async function deleteExpiredRecords(ctx: AppContext): Promise<number> {
  const policy = await getActivePolicy(ctx.db);
  const now = ctx.now().getTime();
  let deleted = 0;
  for (const tier of [1, 2, 3, 4]) {
    const cutoff = new Date(
      now - retentionPolicy(policy.document, tier).rawRecordDays * 86_400_000,
    ).toISOString();
    const versions = ctx.db
      .selectFrom('model_versions')
      .innerJoin('models', 'models.id', 'model_versions.model_id')
      .select('model_versions.id')
      .where('models.risk_tier', '=', tier);
    const records = await ctx.db
      .deleteFrom('inference_records')
      .where('ts', '<', cutoff)
      .where('version_id', 'in', versions)
      .executeTakeFirst();
    await ctx.db
      .deleteFrom('monitoring_pending')
      .where('received_at', '<', cutoff)
      .where('version_id', 'in', versions)
      .execute();
    deleted += Number(records.numDeletedRows);
  }
  return deleted;
}

/** Scheduled monitor evaluation: each due (model, rule family) runs once, whatever the number of servers. */
export const monitorScheduleTask: BackgroundTask<AppContext> = {
  name: 'monitoring.schedule',
  intervalMs: 30_000,
  runOnce: async (ctx) => {
    await runDueMonitors(ctx);
  },
};

/** Raw-record retention per tier. */
const recordRetentionTask: BackgroundTask<AppContext> = {
  name: 'monitoring.retention',
  intervalMs: 3_600_000,
  runOnce: async (ctx) => {
    await deleteExpiredRecords(ctx);
  },
};

/** The monitoring domain's background tasks. */
export const MONITORING_TASKS: BackgroundTask<AppContext>[] = [monitorScheduleTask, recordRetentionTask];

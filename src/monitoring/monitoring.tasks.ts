import type { AppContext } from '../http/context.js';
import type { BackgroundTask } from '../core/background-task.js';
import { runDueMonitors } from './monitor-schedule.js';

/** Scheduled monitor evaluation: each due (model, rule family) runs once, whatever the number of servers. */
export const monitorScheduleTask: BackgroundTask<AppContext> = {
  name: 'monitoring.schedule',
  intervalMs: 5_000,
  runOnce: async (ctx) => {
    await runDueMonitors(ctx);
  },
};

/** The monitoring domain's background tasks. */
export const MONITORING_TASKS: BackgroundTask<AppContext>[] = [monitorScheduleTask];

import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { markDeliveredRequests, runRetrainingSchedule } from './retraining.service.js';

/**
 * Every minute: asks for scheduled retraining of production models whose tier's interval has
 * passed, and marks requests delivered once their pipeline webhook accepted them.
 */
export const retrainingScheduleTask: BackgroundTask<AppContext> = {
  name: 'retraining-schedule',
  intervalMs: 60_000,
  async runOnce(ctx) {
    await runRetrainingSchedule(ctx, ctx.now());
    await markDeliveredRequests(ctx);
  },
};

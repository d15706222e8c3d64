import type { BackgroundTask } from '../server/background.js';
import { runRetrainingSchedule } from './retraining.service.js';

/** Asks for scheduled retraining of production models whose tier's interval has passed, every 10 minutes. */
export const retrainingScheduleTask: BackgroundTask = {
  name: 'retraining-schedule',
  intervalMs: 10 * 60_000,
  async runOnce(ctx) {
    await runRetrainingSchedule(ctx, ctx.now());
  },
};

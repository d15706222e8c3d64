import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { escalateDueAlerts } from './alert.service.js';

/** Escalates unacknowledged alerts along their tier's chain, once a minute. */
export const alertEscalationTask: BackgroundTask<AppContext> = {
  name: 'alert-escalation',
  intervalMs: 60_000,
  async runOnce(ctx) {
    await escalateDueAlerts(ctx, ctx.now());
  },
};

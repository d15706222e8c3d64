import type { BackgroundTask } from '../server/background.js';
import { escalateDueAlerts } from './alert.service.js';

/** Escalates unacknowledged alerts along their tier's chain, once a minute. */
export const alertEscalationTask: BackgroundTask = {
  name: 'alert-escalation',
  intervalMs: 60_000,
  async runOnce(ctx) {
    await escalateDueAlerts(ctx, ctx.now());
  },
};

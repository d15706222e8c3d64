import type { AppContext } from '../http/context.js';
import { isRateRule, type MonitorReaction } from '../monitoring/index.js';
import { applyChecksToAlerts, loadMonitoringPolicy } from './alert.service.js';

/**
 * Alerts subscribe to monitor outcomes: threshold checks open, repeat or auto-resolve alerts
 * under the tier's alerting policy. Rate rules (safety signals, negative feedback) are left to
 * incidents, which test them for spikes.
 */
export const alertReaction: MonitorReaction<AppContext> = {
  name: 'alerts',
  async react(trx, ctx, outcome) {
    const policy = await loadMonitoringPolicy(trx, outcome.model.riskTier);
    const checks = outcome.checks.filter((c) => !isRateRule(c.rule));
    return applyChecksToAlerts(trx, ctx, { ...outcome, checks }, policy.alerting);
  },
};

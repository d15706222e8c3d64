/**
 * Alerts, incidents and retraining requests: what Warden does with the monitoring checks it
 * evaluates. `processMonitorChecks` is the entry point the monitoring evaluation calls inside
 * its transaction, after it has stored the checks of one evaluation.
 */
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import type { RouteTable } from '../http/route-table.js';
import { loadSignalBaseline } from '../incidents/incident-baseline.js';
import { registerIncidentRoutes } from '../incidents/incident.routes.js';
import { applyChecksToIncidents, isIncidentRule } from '../incidents/incident.service.js';
import { registerMetricsRoutes } from '../metrics/index.js';
import { retrainingScheduleTask } from '../retraining/retraining-schedule.task.js';
import { registerRetrainingRoutes } from '../retraining/retraining.routes.js';
import { applyChecksToRetraining } from '../retraining/retraining.service.js';
import type { BackgroundTask } from '../server/background.js';
import { alertEscalationTask } from './alert-escalation.task.js';
import { registerAlertRoutes, RESPONDER_ROLES } from './alert.routes.js';
import { applyChecksToAlerts, loadMonitoringPolicy } from './alert.service.js';
import type { CheckedModel, MonitorCheck } from './monitor-check.types.js';

export type { CheckedModel, MonitorCheck } from './monitor-check.types.js';
export { registerAlertingCommands } from './alerting.command.js';

/** What one evaluation changed. */
export interface ProcessedChecks {
  /** Alerts opened. */
  opened: number;
  /** Alerts resolved after enough clean windows. */
  resolved: number;
  /** Incidents opened. */
  incidents: number;
  /** Retraining requests created (reasons merged into an open request do not count). */
  retraining: number;
}

/**
 * Applies one evaluation's checks, inside the caller's transaction: alerts open, repeat or
 * auto-resolve; signal and feedback rates are tested for spikes against their trailing baseline
 * and may open incidents; trigger rules at alert status ask for retraining. On PostgreSQL the
 * model's row is locked first, so concurrent evaluations of one model apply one after the other
 * and deduplication holds across servers.
 */
export async function processMonitorChecks(
  trx: Executor,
  ctx: AppContext,
  input: { model: CheckedModel; version: string; checks: MonitorCheck[]; now: Date },
): Promise<ProcessedChecks> {
  if (ctx.store.capabilities.rowLocks)
    await trx.selectFrom('models').select('id').where('id', '=', input.model.id).forUpdate().execute();
  const policy = await loadMonitoringPolicy(trx, input.model.riskTier);
  const alertChecks = input.checks.filter((c) => !isIncidentRule(c.rule));
  const { opened, resolved } = await applyChecksToAlerts(
    trx,
    ctx,
    { ...input, checks: alertChecks },
    policy.alerting,
  );
  const incidents = await applyChecksToIncidents(trx, ctx, input, loadSignalBaseline);
  const retraining = await applyChecksToRetraining(trx, ctx, input);
  return { opened, resolved, incidents, retraining };
}

/** The background tasks of alerts and retraining: escalation and the retraining schedule. */
export const ALERT_TASKS: BackgroundTask[] = [alertEscalationTask, retrainingScheduleTask];

/** HTTP routes of alerts, incidents, retraining requests and the metrics endpoint. */
export function registerAlertingRoutes(routes: RouteTable, ctx: AppContext): void {
  registerAlertRoutes(routes, ctx);
  registerIncidentRoutes(routes, ctx, RESPONDER_ROLES);
  registerRetrainingRoutes(routes, ctx);
  registerMetricsRoutes(routes, ctx);
}

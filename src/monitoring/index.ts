/**
 * Production monitoring: ingestion of inference records, labels, feedback and reference
 * baselines; window profiles; the monitor rules and their evaluation; the schedule that runs
 * each evaluation once across servers; raw-record retention. Each evaluation's outcome is
 * published to the reactions the server subscribes (`ctx.monitorReactions`).
 */
export type { CheckStatus, MonitorCheck } from './monitoring.types.js';
export type { CheckedModel, MonitorOutcome, MonitorReaction } from './monitor-outcome.types.js';
export { lockModelForOutcome, publishMonitorOutcome } from './monitor-outcome.js';
export { isRateRule } from './rules/signal.rules.js';
export { monitorKind } from './rules/evaluate.js';
export { runMonitoring } from './monitoring.run.js';
export { listMonitoringResults, getMonitoringConfig, type StoredCheck } from './monitoring.results.js';
export type { MonitoringConfig } from './monitoring-config.js';
export { registerMonitoringRoutes } from './monitoring.routes.js';
export { MONITORING_TASKS } from './monitoring.tasks.js';
export { registerMonitoringCommands } from './monitoring.command.js';
export {
  DETECTABLE_POWER,
  DEFAULT_MONITOR_ALPHA,
  judgeChangeAgainstNoise,
  judgePsiAgainstNoise,
  psiNoiseFloor,
  threeWayVerdict,
  type PsiVerdict,
  type VerdictCase,
} from './rules/noise-verdict.js';

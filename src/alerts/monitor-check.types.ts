/**
 * The result of one monitoring rule over one window, as the monitoring evaluation hands it to
 * `processMonitorChecks` (the monitoring domain's own type).
 */
export type { MonitorCheck } from '../monitoring/index.js';

/** The model a batch of checks belongs to. */
export interface CheckedModel {
  id: string;
  name: string;
  riskTier: number;
}

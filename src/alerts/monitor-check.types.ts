/**
 * The result of one monitoring rule over one window, as the monitoring evaluation hands it to
 * `processMonitorChecks`. Mirrors the type the monitoring domain exports.
 */
export interface MonitorCheck {
  rule: string;
  feature?: string;
  segment?: string;
  value: number | null;
  threshold: number | null;
  status: 'ok' | 'warning' | 'alert' | 'insufficient_data';
  window: { from: string; to: string; records: number };
  policyRule: string;
  version: string;
  /** Records the rate is computed over (signal and feedback rules). */
  n?: number;
  /** Records carrying the signal (signal and feedback rules). */
  count?: number;
  exampleIds?: string[];
  detail?: string;
}

/** The model a batch of checks belongs to. */
export interface CheckedModel {
  id: string;
  name: string;
  riskTier: number;
}

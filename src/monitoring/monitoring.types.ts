import type { ExplanationSummary } from '../explanations/explanation.rules.js';
import type { ModelVersion } from '../registry/version.schema.js';

/** One field of a version's declared input schema. */
export type InputField = ModelVersion['inputSchema'][number];

/**
 * What a model predicts: classes (`classification`, judged by accuracy, precision, recall,
 * Brier) or a number (`regression`, judged by MAE, RMSE, MAPE, R²).
 */
export const MONITORING_TASKS = ['classification', 'regression'] as const;
export type MonitoringTask = (typeof MONITORING_TASKS)[number];

/** Check status, from best to worst; `insufficient_data` when the window is too small to judge. */
export type CheckStatus = 'ok' | 'warning' | 'alert' | 'insufficient_data';

/**
 * One evaluated monitor: a rule (optionally for one feature and one segment) over a window,
 * its value against the threshold it was judged by, and the policy rule that threshold came from.
 */
export interface MonitorCheck {
  rule: string;
  feature?: string;
  segment?: string;
  value: number | null;
  threshold: number | null;
  status: CheckStatus;
  /** `labelled`: records of the window whose label had arrived when it was evaluated. */
  window: { from: string; to: string; records: number; labelled?: number };
  /** Where the threshold came from, e.g. `triggers.dataDriftPsi` or `monitoring.errorRatePct`. */
  policyRule: string;
  /** The model version the records belong to. */
  version: string;
  /** Sample size of a rate rule (records, or feedback given). */
  n?: number;
  /** Events counted by a rate rule. */
  count?: number;
  exampleIds?: string[];
  /** A metric rule's window metric (e.g. the window's RMSE) and the baseline it was compared with. */
  observed?: number;
  baseline?: number;
  detail?: string;
  /** The window's global importance, attribution drift and explanation quality (the `explanations` check). */
  explanations?: ExplanationSummary;
}

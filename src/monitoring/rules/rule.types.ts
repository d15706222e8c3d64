import type { ExplanationSummary } from '../../explanations/explanation.rules.js';
import type { CheckStatus, InputField, MonitoringTask } from '../monitoring.types.js';
import type { WindowProfile } from '../window-profile.js';
import { DEFAULT_MONITOR_ALPHA } from './noise-verdict.js';

/**
 * Thresholds every rule is judged by. The first nine come from the policy's trigger table for
 * the model's tier; the rest are Warden's own monitoring defaults. A model's monitoring config
 * may override any of them.
 */
export interface MonitorThresholds {
  /** Accuracy decay against the validated baseline, in percentage points. */
  accuracyDecayPct: number;
  precisionDecayPct: number;
  recallDecayPct: number;
  /** PSI of a feature against the reference. */
  dataDriftPsi: number;
  /** PSI of predictions (scores) and of labels against the reference. */
  conceptDriftPsi: number;
  /** Increase of a feature's missing rate over the reference, in percentage points. */
  missingIncreasePts: number;
  /** `immediate` raises an alert on a schema change; `next-business-day` a warning. */
  schemaChange: 'immediate' | 'next-business-day';
  /** Increase of the Brier score over the validated baseline. */
  brierDrift: number;
  /** Records since the version was created that call for retraining. */
  newDataVolume: number;
  /** Share of records flagged as errors, in percent (the SLA's limit). */
  errorRatePct: number;
  /** p95 latency SLA in milliseconds; null when none is configured. */
  latencyP95Ms: number | null;
  /** p99 latency SLA in milliseconds; null when none is configured. */
  latencyP99Ms: number | null;
  /** Lowest acceptable records per minute of the production model; null when none. */
  throughputPerMinute: number | null;
  /** Highest acceptable mean cost of 1,000 predictions; null when none. */
  costPer1kPredictions: number | null;
  /** Highest acceptable tokens (in + out) in one evaluation window; null when none. */
  tokensPerWindow: number | null;
  /** Share of a feature's values in categories the reference never had, in percent. */
  newCategoryPct: number;
  /** Share of records where a safety signal fired, in percent. */
  safetySignalRatePct: number;
  /** Share of feedback that is negative, in percent. */
  negativeFeedbackRatePct: number;
  /** Largest allowed difference in true-positive rate between sensitive groups. */
  equalOpportunityDiff: number;
  /** Regression models: increase of RMSE over the baseline, in percent of the baseline. */
  rmseIncreasePct: number;
  /** Regression models: increase of MAE over the baseline, in percent of the baseline. */
  maeIncreasePct: number;
  /** Regression models: increase of MAPE over the baseline, in percent of the baseline. */
  mapeIncreasePct: number;
  /** Regression models: drop of R² below the baseline (absolute). */
  r2Decay: number;
}

export type ThresholdName = keyof MonitorThresholds;

/** Thresholds with the policy rule (or config path) each came from. */
export interface ResolvedThresholds {
  values: MonitorThresholds;
  sources: Record<ThresholdName, string>;
}

/** How the rules judge sample sizes and the warning band. */
export interface RuleOptions {
  /** Below this many records (or values) in the window a check is `insufficient_data`. */
  minRecords: number;
  /** Below this many labelled records a performance check is `insufficient_data`. */
  minLabels: number;
  /** A check is a warning once its value passes this fraction of the threshold. */
  warningFraction: number;
  /**
   * Significance level of the three-way verdict: a value past its threshold alerts only when
   * its p-value against sampling noise is at most this.
   */
  alpha: number;
  /** Quantile bins for numeric PSI. */
  psiBins: number;
  /** The class counted as positive for precision, recall and Brier. */
  positiveClass: string;
  /** Which performance rules apply and how predictions and labels are compared. */
  task: MonitoringTask;
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = {
  minRecords: 100,
  minLabels: 100,
  warningFraction: 0.8,
  alpha: DEFAULT_MONITOR_ALPHA,
  psiBins: 10,
  positiveClass: '1',
  task: 'classification',
};

/** What one rule sees: the window (overall or one segment) and what it is compared with. */
export interface RuleInput {
  current: WindowProfile;
  /** The reference baseline (for a segment: the segment's own reference when it has one). */
  reference: WindowProfile | null;
  /** The version's validated metrics (for a segment: its segment metrics over the overall ones). */
  baseline: Record<string, number>;
  inputSchema: readonly InputField[];
  thresholds: ResolvedThresholds;
  options: RuleOptions;
}

/** A rule's verdict before the caller adds window, version and segment. */
export interface RuleCheck {
  rule: string;
  feature?: string;
  value: number | null;
  threshold: number | null;
  status: CheckStatus;
  policyRule: string;
  n?: number;
  count?: number;
  observed?: number;
  baseline?: number;
  detail?: string;
  /** The window's global importance, attribution drift and explanation quality (the `explanations` check). */
  explanations?: ExplanationSummary;
}

/** A rule: a pure function of its input. */
export type Rule = (input: RuleInput) => RuleCheck[];

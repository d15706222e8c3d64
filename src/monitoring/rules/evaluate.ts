import { explanationChecks } from '../../explanations/explanation.rules.js';
import type { ExplainabilityPolicy } from '../../policy/policy.rules.js';
import type { InputField, MonitoringTask } from '../monitoring.types.js';
import type { WindowProfile } from '../window-profile.js';
import {
  dataDriftRule,
  labelDriftRule,
  missingIncreaseRule,
  newCategoriesRule,
  predictionDriftRule,
  schemaChangeRule,
} from './data.rules.js';
import { fairnessRule, newDataVolumeRule } from './fairness.rules.js';
import {
  accuracyDecayRule,
  brierDriftRule,
  precisionDecayRule,
  recallDecayRule,
} from './performance.rules.js';
import { maeIncreaseRule, mapeIncreaseRule, r2DecayRule, rmseIncreaseRule } from './regression.rules.js';
import type { ResolvedThresholds, Rule, RuleCheck, RuleOptions } from './rule.types.js';
import { negativeFeedbackRule, safetySignalRule } from './signal.rules.js';
import {
  costRule,
  errorRateRule,
  latencyP99Rule,
  latencyRule,
  throughputRule,
  tokenUsageRule,
  type Traffic,
} from './sla.rules.js';
import { signalTrendRule, type TrendPoint } from './trend.rules.js';

/** Rule families; each runs on its own cadence (the policy's `cadenceMinutes`). */
export const RULE_FAMILIES = ['performance', 'dataDrift', 'conceptDrift', 'fairness'] as const;
export type RuleFamily = (typeof RULE_FAMILIES)[number];

/**
 * The per-window rules and their family; `task` limits a rule to classification or regression
 * models (the others run for both).
 */
const WINDOW_RULES: Record<string, { family: RuleFamily; rule: Rule; task?: MonitoringTask }> = {
  data_drift: { family: 'dataDrift', rule: dataDriftRule },
  missing_increase: { family: 'dataDrift', rule: missingIncreaseRule },
  new_categories: { family: 'dataDrift', rule: newCategoriesRule },
  schema_change: { family: 'dataDrift', rule: schemaChangeRule },
  prediction_drift: { family: 'conceptDrift', rule: predictionDriftRule },
  label_drift: { family: 'conceptDrift', rule: labelDriftRule },
  accuracy_decay: { family: 'performance', rule: accuracyDecayRule, task: 'classification' },
  precision_decay: { family: 'performance', rule: precisionDecayRule, task: 'classification' },
  recall_decay: { family: 'performance', rule: recallDecayRule, task: 'classification' },
  brier_drift: { family: 'performance', rule: brierDriftRule, task: 'classification' },
  rmse_increase: { family: 'performance', rule: rmseIncreaseRule, task: 'regression' },
  mae_increase: { family: 'performance', rule: maeIncreaseRule, task: 'regression' },
  mape_increase: { family: 'performance', rule: mapeIncreaseRule, task: 'regression' },
  r2_decay: { family: 'performance', rule: r2DecayRule, task: 'regression' },
  error_rate: { family: 'performance', rule: errorRateRule },
  latency_p95: { family: 'performance', rule: latencyRule },
  latency_p99: { family: 'performance', rule: latencyP99Rule },
  cost_per_1k: { family: 'performance', rule: costRule },
  safety_signal: { family: 'performance', rule: safetySignalRule },
  negative_feedback_rate: { family: 'performance', rule: negativeFeedbackRule },
};

/** Rules that look at the population as a whole only. */
const POPULATION_RULES: Record<string, RuleFamily> = {
  new_data_volume: 'dataDrift',
  fairness: 'fairness',
  throughput: 'performance',
  token_usage: 'performance',
  signal_trend: 'performance',
  explanations: 'dataDrift',
};

/**
 * Every rule name a caller may ask for (`safety_signal` covers every `safety_signal:<name>`,
 * `signal_trend` every `signal_trend:<name>`).
 */
export const RULE_NAMES = [...Object.keys(WINDOW_RULES), ...Object.keys(POPULATION_RULES)];

/**
 * The monitor kind a check's rule belongs to, which alerts are grouped by: its rule family
 * (`dataDrift`, `conceptDrift`, `performance`, `fairness`; `safety_signal:<name>` and
 * `signal_trend:<name>` are performance rules), or the rule itself for a check no family holds
 * (e.g. `integrity_failure`).
 */
export function monitorKind(rule: string): string {
  const base = rule.startsWith('safety_signal:')
    ? 'safety_signal'
    : rule.startsWith('signal_trend:')
      ? 'signal_trend'
      : rule;
  return WINDOW_RULES[base]?.family ?? POPULATION_RULES[base] ?? rule;
}

/** The rule names of some families. */
export function rulesOfFamilies(families: readonly RuleFamily[]): string[] {
  const wanted = new Set(families);
  return RULE_NAMES.filter((name) => wanted.has(WINDOW_RULES[name]?.family ?? POPULATION_RULES[name]!));
}

/** Everything the rules are evaluated over, loaded by the service. */
export interface EvaluationInput {
  overall: WindowProfile;
  /** Segment key (`attribute=value`) → the window's profile of that segment. */
  segments: ReadonlyMap<string, WindowProfile>;
  reference: { overall: WindowProfile; segments: ReadonlyMap<string, WindowProfile> } | null;
  baseline: Record<string, number>;
  segmentBaselines: Record<string, Record<string, number>>;
  inputSchema: readonly InputField[];
  thresholds: ResolvedThresholds;
  options: RuleOptions;
  sensitiveAttributes: readonly string[];
  newData: { records: number; since: string };
  /** The model's traffic over the window, for the throughput SLA; given for the champion only. */
  traffic?: Traffic;
  /** The last buckets of the whole population, oldest first, for the signal trend test. */
  trend?: readonly TrendPoint[];
  /** Rule names to run; all when undefined. */
  rules?: ReadonlySet<string>;
  /** The tier's explainability rules; the explanation monitors run when given. */
  explainability?: ExplainabilityPolicy;
}

export type SegmentedCheck = RuleCheck & { segment?: string };

/**
 * Runs the selected rules over the whole window and over each segment (population-level
 * rules only over the whole). A segment is compared with its own reference segment when the
 * reference has one with enough records, else with the whole reference; its baseline metrics
 * are its segment metrics (keyed `attribute=value` or `value`) over the version's overall ones.
 */
export function evaluateRules(input: EvaluationInput): SegmentedCheck[] {
  const wanted = (name: string) => input.rules === undefined || input.rules.has(name);
  const checks: SegmentedCheck[] = [];
  const scopes: { segment?: string; profile: WindowProfile }[] = [{ profile: input.overall }];
  for (const key of [...input.segments.keys()].sort())
    scopes.push({ segment: key, profile: input.segments.get(key)! });
  for (const scope of scopes) {
    let reference = input.reference?.overall ?? null;
    let baseline = input.baseline;
    if (scope.segment !== undefined) {
      const own = input.reference?.segments.get(scope.segment);
      if (own && own.records >= input.options.minRecords) reference = own;
      const value = scope.segment.slice(scope.segment.indexOf('=') + 1);
      baseline = {
        ...input.baseline,
        ...(input.segmentBaselines[value] ?? {}),
        ...(input.segmentBaselines[scope.segment] ?? {}),
      };
    }
    for (const [name, { rule, task }] of Object.entries(WINDOW_RULES)) {
      if (!wanted(name) || (task !== undefined && task !== input.options.task)) continue;
      for (const check of rule({
        current: scope.profile,
        reference,
        baseline,
        inputSchema: input.inputSchema,
        thresholds: input.thresholds,
        options: input.options,
      })) {
        checks.push(scope.segment === undefined ? check : { ...check, segment: scope.segment });
      }
    }
  }
  // Equal opportunity compares true-positive rates: it applies to classification models only.
  if (wanted('fairness') && input.sensitiveAttributes.length > 0 && input.options.task === 'classification') {
    checks.push(...fairnessRule(input.segments, input.sensitiveAttributes, input.thresholds, input.options));
  }
  if (wanted('throughput') && input.traffic !== undefined) {
    checks.push(throughputRule(input.traffic, input.thresholds, input.options));
  }
  if (wanted('signal_trend') && input.trend !== undefined) {
    checks.push(...signalTrendRule(input.trend, input.options));
  }
  if (wanted('token_usage')) {
    checks.push(...tokenUsageRule(input.overall, input.thresholds, input.options));
  }
  if (wanted('explanations') && input.explainability !== undefined) {
    checks.push(
      ...explanationChecks(
        input.overall.attributions,
        input.overall.records,
        input.reference?.overall.attributions ?? null,
        input.explainability,
      ),
    );
  }
  if (wanted('new_data_volume')) {
    checks.push(
      newDataVolumeRule(input.newData.records, input.newData.since, input.thresholds, input.options),
    );
  }
  return checks;
}

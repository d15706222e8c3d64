import type { RuleCheck, RuleInput, ThresholdName } from './rule.types.js';
import { judge, round } from './status.js';

/** A baseline metric as a fraction: values above 1 are read as percentages. */
function baselineFraction(baseline: Record<string, number>, ...names: string[]): number | null {
  for (const name of names) {
    const v = baseline[name];
    if (v !== undefined && Number.isFinite(v)) return v > 1 ? v / 100 : v;
  }
  return null;
}

function decayCheck(
  input: RuleInput,
  rule: string,
  metric: string,
  thresholdName: ThresholdName,
  current: { value: number | null; n: number },
): RuleCheck {
  const { thresholds, options, baseline } = input;
  const threshold = thresholds.values[thresholdName] as number;
  const policyRule = thresholds.sources[thresholdName];
  const base = baselineFraction(baseline, metric);
  if (base === null) {
    return {
      rule,
      value: null,
      threshold,
      status: 'insufficient_data',
      policyRule,
      n: current.n,
      detail: `the version has no validated ${metric} to compare with`,
    };
  }
  const sufficient = current.n >= options.minLabels && current.value !== null;
  const decay = current.value === null ? null : (base - current.value) * 100;
  return {
    rule,
    value: sufficient && decay !== null ? round(decay) : null,
    threshold,
    status: judge(decay, threshold, { sufficient, warningFraction: options.warningFraction }),
    policyRule,
    n: current.n,
    detail: sufficient
      ? `${metric} ${round(current.value! * 100)} % against the validated ${round(base * 100)} % (decay in points)`
      : `needs at least ${options.minLabels} labelled records`,
  };
}

/** Accuracy decay against the version's validated accuracy, in percentage points. */
export function accuracyDecayRule(input: RuleInput): RuleCheck[] {
  const p = input.current.performance;
  return [
    decayCheck(input, 'accuracy_decay', 'accuracy', 'accuracyDecayPct', {
      value: p.labelled > 0 ? p.correct / p.labelled : null,
      n: p.labelled,
    }),
  ];
}

/** Precision decay (positive class) against the validated precision, in percentage points. */
export function precisionDecayRule(input: RuleInput): RuleCheck[] {
  const p = input.current.performance;
  return [
    decayCheck(input, 'precision_decay', 'precision', 'precisionDecayPct', {
      value: p.tp + p.fp > 0 ? p.tp / (p.tp + p.fp) : null,
      n: p.labelled,
    }),
  ];
}

/** Recall decay (positive class) against the validated recall, in percentage points. */
export function recallDecayRule(input: RuleInput): RuleCheck[] {
  const p = input.current.performance;
  return [
    decayCheck(input, 'recall_decay', 'recall', 'recallDecayPct', {
      value: p.tp + p.fn > 0 ? p.tp / (p.tp + p.fn) : null,
      n: p.labelled,
    }),
  ];
}

/** Calibration drift: the window's Brier score minus the validated one. */
export function brierDriftRule(input: RuleInput): RuleCheck[] {
  const { thresholds, options, baseline, current } = input;
  const threshold = thresholds.values.brierDrift;
  const policyRule = thresholds.sources.brierDrift;
  const base = baseline.brier ?? baseline.brierScore ?? baseline.brier_score;
  const n = current.performance.brierN;
  if (base === undefined) {
    return [
      {
        rule: 'brier_drift',
        value: null,
        threshold,
        status: 'insufficient_data',
        policyRule,
        n,
        detail: 'the version has no validated brier score to compare with',
      },
    ];
  }
  const sufficient = n >= options.minLabels;
  const brier = n > 0 ? current.performance.brierSum / n : null;
  const drift = brier === null ? null : brier - base;
  return [
    {
      rule: 'brier_drift',
      value: sufficient && drift !== null ? round(drift) : null,
      threshold,
      status: judge(drift, threshold, { sufficient, warningFraction: options.warningFraction }),
      policyRule,
      n,
      detail: sufficient
        ? `brier ${round(brier!)} against the validated ${round(base)}`
        : `needs at least ${options.minLabels} labelled records with a score`,
    },
  ];
}

/** Error rate: share of records flagged as errors, in percent. */
export function errorRateRule(input: RuleInput): RuleCheck[] {
  const { thresholds, options, current } = input;
  const threshold = thresholds.values.errorRatePct;
  const sufficient = current.records >= options.minRecords;
  const pct = current.records > 0 ? (current.errors / current.records) * 100 : null;
  return [
    {
      rule: 'error_rate',
      value: sufficient && pct !== null ? round(pct) : null,
      threshold,
      status: judge(pct, threshold, { sufficient, warningFraction: options.warningFraction }),
      policyRule: thresholds.sources.errorRatePct,
      n: current.records,
      count: current.errors,
    },
  ];
}

/** p95 latency against the SLA (from the quantile sketch, within its 1 % relative error). */
export function latencyRule(input: RuleInput): RuleCheck[] {
  const { thresholds, options, current } = input;
  const threshold = thresholds.values.latencyP95Ms;
  const n = current.latency.present;
  if (n === 0 && threshold === null) return [];
  const sufficient = n >= options.minRecords;
  const p95 = current.latency.quantiles ? current.latency.quantiles.quantile(0.95) : null;
  return [
    {
      rule: 'latency_p95',
      value: sufficient && p95 !== null ? round(p95) : null,
      threshold,
      status: judge(p95, threshold, { sufficient, warningFraction: options.warningFraction }),
      policyRule: thresholds.sources.latencyP95Ms,
      n,
      ...(threshold === null
        ? { detail: 'no latency SLA configured (monitoring config thresholds.latencyP95Ms)' }
        : {}),
    },
  ];
}

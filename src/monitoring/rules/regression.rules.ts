import type { RuleCheck, RuleInput, ThresholdName } from './rule.types.js';
import { judge, round } from './status.js';

type RegressionMetric = 'rmse' | 'mae' | 'mape' | 'r2';

/** A version metric by name, case-insensitively (`rmse`, `RMSE`, …). */
function validated(baseline: Record<string, number>, metric: RegressionMetric): number | null {
  for (const [name, value] of Object.entries(baseline)) {
    if (name.toLowerCase() === metric && Number.isFinite(value)) return value;
  }
  return null;
}

/**
 * What a window's metric is compared with: the version's validated metric (for a segment, its
 * segment metric) when recorded, else the same metric over the reference baseline's labelled
 * rows when the reference holds enough of them.
 */
function baselineOf(
  input: RuleInput,
  metric: RegressionMetric,
): { value: number; source: string } | { value: null; why: string } {
  const recorded = validated(input.baseline, metric);
  if (recorded !== null) return { value: recorded, source: 'the validated' };
  const ref = input.reference?.regression;
  if (ref && ref.n >= input.options.minLabels) {
    const value = ref.metrics()[metric];
    if (value !== null) return { value, source: 'the reference baseline’s' };
  }
  return {
    value: null,
    why: `the version records no ${metric} and the reference has no ${input.options.minLabels} labelled rows with numeric predictions to compute it from`,
  };
}

/**
 * One degradation check. `relative`: (window − baseline) / baseline in percent, for error
 * metrics (higher is worse); otherwise baseline − window, for R² (lower is worse).
 */
function degradationCheck(
  input: RuleInput,
  rule: string,
  metric: RegressionMetric,
  thresholdName: ThresholdName,
  relative: boolean,
): RuleCheck {
  const { thresholds, options, current } = input;
  const threshold = thresholds.values[thresholdName] as number;
  const policyRule = thresholds.sources[thresholdName];
  const sums = current.regression;
  const n = sums.n;
  const base = baselineOf(input, metric);
  const insufficient = (detail: string): RuleCheck => ({
    rule,
    value: null,
    threshold,
    status: 'insufficient_data',
    policyRule,
    n,
    ...(base.value !== null ? { baseline: base.value } : {}),
    detail,
  });
  if (base.value === null) return insufficient(base.why);
  if (n < options.minLabels)
    return insufficient(`needs at least ${options.minLabels} labelled records with numeric predictions`);
  const observed = sums.metrics()[metric];
  if (observed === null) {
    return insufficient(
      metric === 'mape'
        ? `mape is undefined: ${sums.zeroLabels} labels in the window are 0`
        : `${metric} is undefined for this window`,
    );
  }
  if (relative && base.value <= 0) {
    return {
      ...insufficient(`${base.source} ${metric} is ${base.value}; an increase relative to it is undefined`),
      observed: round(observed),
    };
  }
  const change = relative ? ((observed - base.value) / base.value) * 100 : base.value - observed;
  const how = relative
    ? `${change >= 0 ? '+' : ''}${round(change)} %`
    : `${change >= 0 ? 'down' : 'up'} ${round(Math.abs(change))}`;
  return {
    rule,
    value: round(change),
    threshold,
    status: judge(change, threshold, { sufficient: true, warningFraction: options.warningFraction }),
    policyRule,
    n,
    observed: round(observed),
    baseline: base.value,
    detail: `${metric} ${round(observed)} against ${base.source} ${round(base.value)} (${how})`,
  };
}

/** RMSE increase over the baseline, in percent of the baseline. */
export function rmseIncreaseRule(input: RuleInput): RuleCheck[] {
  return [degradationCheck(input, 'rmse_increase', 'rmse', 'rmseIncreasePct', true)];
}

/** MAE increase over the baseline, in percent of the baseline. */
export function maeIncreaseRule(input: RuleInput): RuleCheck[] {
  return [degradationCheck(input, 'mae_increase', 'mae', 'maeIncreasePct', true)];
}

/** MAPE increase over the baseline (both fractions), in percent of the baseline. */
export function mapeIncreaseRule(input: RuleInput): RuleCheck[] {
  return [degradationCheck(input, 'mape_increase', 'mape', 'mapeIncreasePct', true)];
}

/** R² drop below the baseline (baseline − window). */
export function r2DecayRule(input: RuleInput): RuleCheck[] {
  return [degradationCheck(input, 'r2_decay', 'r2', 'r2Decay', false)];
}

import { judgeChangeAgainstNoise, proportionStandardError } from './noise-verdict.js';
import type { RuleCheck, RuleInput, ThresholdName } from './rule.types.js';
import { round } from './status.js';

/** A baseline metric as a fraction: values above 1 are read as percentages. */
function baselineFraction(baseline: Record<string, number>, ...names: string[]): number | null {
  for (const name of names) {
    const v = baseline[name];
    if (v !== undefined && Number.isFinite(v)) return v > 1 ? v / 100 : v;
  }
  return null;
}

/**
 * Decay of a proportion (accuracy, precision, recall) from its validated value, in percentage
 * points, judged by the three-way rule: the standard error under "no decay" is that of the
 * validated proportion over the records the metric rests on (`current.n`: labelled records for
 * accuracy, predicted positives for precision, actual positives for recall).
 */
function decayCheck(
  input: RuleInput,
  rule: string,
  metric: string,
  thresholdName: ThresholdName,
  current: { value: number | null; n: number; labelled: number },
): RuleCheck {
  const { thresholds, options, baseline } = input;
  const threshold = thresholds.values[thresholdName] as number;
  const policyRule = thresholds.sources[thresholdName];
  const base = baselineFraction(baseline, metric);
  const check = { rule, threshold, policyRule, n: current.labelled };
  if (base === null) {
    return {
      ...check,
      value: null,
      status: 'insufficient_data',
      detail: `the version has no validated ${metric} to compare with`,
    };
  }
  if (current.labelled < options.minLabels || current.value === null) {
    return {
      ...check,
      value: null,
      status: 'insufficient_data',
      detail: `needs at least ${options.minLabels} labelled records`,
    };
  }
  const decay = (base - current.value) * 100;
  const verdict = judgeChangeAgainstNoise({
    change: decay,
    threshold,
    standardError: proportionStandardError(base, current.n) * 100,
    alpha: options.alpha,
    warningFraction: options.warningFraction,
    name: `${metric} decay (points)`,
  });
  return {
    ...check,
    value: round(decay),
    status: verdict.status,
    observed: round(current.value),
    baseline: base,
    detail:
      `${metric} ${round(current.value * 100)} % over ${current.n} records against the validated ${round(base * 100)} %` +
      `. ${verdict.status}: ${verdict.detail}`,
  };
}

/** Accuracy decay against the version's validated accuracy, in percentage points. */
export function accuracyDecayRule(input: RuleInput): RuleCheck[] {
  const p = input.current.performance;
  return [
    decayCheck(input, 'accuracy_decay', 'accuracy', 'accuracyDecayPct', {
      value: p.labelled > 0 ? p.correct / p.labelled : null,
      n: p.labelled,
      labelled: p.labelled,
    }),
  ];
}

/** Precision decay (positive class) against the validated precision, in percentage points. */
export function precisionDecayRule(input: RuleInput): RuleCheck[] {
  const p = input.current.performance;
  return [
    decayCheck(input, 'precision_decay', 'precision', 'precisionDecayPct', {
      value: p.tp + p.fp > 0 ? p.tp / (p.tp + p.fp) : null,
      n: p.tp + p.fp,
      labelled: p.labelled,
    }),
  ];
}

/** Recall decay (positive class) against the validated recall, in percentage points. */
export function recallDecayRule(input: RuleInput): RuleCheck[] {
  const p = input.current.performance;
  return [
    decayCheck(input, 'recall_decay', 'recall', 'recallDecayPct', {
      value: p.tp + p.fn > 0 ? p.tp / (p.tp + p.fn) : null,
      n: p.tp + p.fn,
      labelled: p.labelled,
    }),
  ];
}

/**
 * Standard error of the window's mean Brier term: the sample standard deviation of the
 * per-record squared errors over √n when the window kept their squares, else the bound
 * √(b(1 − b)/n) that holds for any terms in [0, 1] with mean b (the validated score).
 */
function brierStandardError(p: RuleInput['current']['performance'], base: number): number {
  const n = p.brierN;
  if (p.brierSqN === n && n > 1) {
    const variance = Math.max(0, (p.brierSqSum - (p.brierSum * p.brierSum) / n) / (n - 1));
    return Math.sqrt(variance / n);
  }
  return proportionStandardError(Math.min(1, Math.max(0, base)), n);
}

/** Calibration drift: the window's Brier score minus the validated one, by the three-way rule. */
export function brierDriftRule(input: RuleInput): RuleCheck[] {
  const { thresholds, options, baseline, current } = input;
  const threshold = thresholds.values.brierDrift;
  const policyRule = thresholds.sources.brierDrift;
  const base = baseline.brier ?? baseline.brierScore ?? baseline.brier_score;
  const n = current.performance.brierN;
  const check = { rule: 'brier_drift', threshold, policyRule, n };
  if (base === undefined) {
    return [
      {
        ...check,
        value: null,
        status: 'insufficient_data',
        detail: 'the version has no validated brier score to compare with',
      },
    ];
  }
  if (n < options.minLabels) {
    return [
      {
        ...check,
        value: null,
        status: 'insufficient_data',
        detail: `needs at least ${options.minLabels} labelled records with a score`,
      },
    ];
  }
  const brier = current.performance.brierSum / n;
  const verdict = judgeChangeAgainstNoise({
    change: brier - base,
    threshold,
    standardError: brierStandardError(current.performance, base),
    alpha: options.alpha,
    warningFraction: options.warningFraction,
    name: 'brier drift',
  });
  return [
    {
      ...check,
      value: round(brier - base),
      status: verdict.status,
      observed: round(brier),
      baseline: base,
      detail: `brier ${round(brier)} against the validated ${round(base)}. ${verdict.status}: ${verdict.detail}`,
    },
  ];
}

import type { CheckStatus } from '../monitoring.types.js';
import { formatNumber, judgeRateAgainstLimit } from './noise-verdict.js';
import type { ResolvedThresholds, RuleCheck, RuleInput, RuleOptions } from './rule.types.js';
import { judge, round } from './status.js';

/**
 * Operational SLA monitors: error rate, latency quantiles, throughput, cost per 1,000
 * predictions and token usage, against the limits of the policy's SLA table (or the model's
 * overrides).
 */

/**
 * Error rate: share of records flagged as errors, in percent, judged against the SLA's limit by
 * the three-way rule with an exact one-sided binomial test ({@link judgeRateAgainstLimit}).
 */
export function errorRateRule(input: RuleInput): RuleCheck[] {
  const { thresholds, options, current } = input;
  const threshold = thresholds.values.errorRatePct;
  const n = current.records;
  const check = {
    rule: 'error_rate',
    threshold,
    policyRule: thresholds.sources.errorRatePct,
    n,
    count: current.errors,
  };
  if (n < options.minRecords)
    return [
      {
        ...check,
        value: null,
        status: 'insufficient_data',
        detail: `needs at least ${options.minRecords} records`,
      },
    ];
  const verdict = judgeRateAgainstLimit({
    events: current.errors,
    n,
    limitPct: threshold,
    alpha: options.alpha,
    warningFraction: options.warningFraction,
    name: 'error rate',
  });
  return [{ ...check, value: round(verdict.ratePct), status: verdict.status, detail: verdict.detail }];
}

/** A latency quantile from the sketch (within its 1 % relative error) against its SLA. */
function latencyCheck(
  input: RuleInput,
  rule: string,
  quantile: number,
  thresholdName: 'latencyP95Ms' | 'latencyP99Ms',
): RuleCheck[] {
  const { thresholds, options, current } = input;
  const threshold = thresholds.values[thresholdName];
  const n = current.latency.present;
  if (n === 0 && threshold === null) return [];
  const sufficient = n >= options.minRecords;
  const value = current.latency.quantiles ? current.latency.quantiles.quantile(quantile) : null;
  return [
    {
      rule,
      value: sufficient && value !== null ? round(value) : null,
      threshold,
      status: judge(value, threshold, { sufficient, warningFraction: options.warningFraction }),
      policyRule: thresholds.sources[thresholdName],
      n,
      ...(threshold === null
        ? { detail: `no latency SLA configured (monitoring config thresholds.${thresholdName})` }
        : {}),
    },
  ];
}

/** p95 latency against the SLA. */
export function latencyRule(input: RuleInput): RuleCheck[] {
  return latencyCheck(input, 'latency_p95', 0.95, 'latencyP95Ms');
}

/** p99 latency against the SLA. */
export function latencyP99Rule(input: RuleInput): RuleCheck[] {
  return latencyCheck(input, 'latency_p99', 0.99, 'latencyP99Ms');
}

/**
 * Cost per 1,000 predictions: the mean `cost` of the records that reported one, times 1,000.
 * Absent when no record reported a cost and no limit is set.
 */
export function costRule(input: RuleInput): RuleCheck[] {
  const { thresholds, options, current } = input;
  const threshold = thresholds.values.costPer1kPredictions;
  const { costRecords, cost } = current.usage;
  if (costRecords === 0 && threshold === null) return [];
  const sufficient = costRecords >= options.minRecords;
  const value = costRecords > 0 ? (cost / costRecords) * 1000 : null;
  return [
    {
      rule: 'cost_per_1k',
      value: sufficient && value !== null ? round(value) : null,
      threshold,
      status: judge(value, threshold, { sufficient, warningFraction: options.warningFraction }),
      policyRule: thresholds.sources.costPer1kPredictions,
      n: costRecords,
      observed: round(cost),
      detail:
        costRecords === 0
          ? 'no record in the window reported a cost'
          : `${formatNumber(cost)} over ${costRecords} of ${current.records} records that reported a cost` +
            (sufficient ? '' : `; needs at least ${options.minRecords} of them`),
    },
  ];
}

/**
 * Token usage in the window: tokens in + out over every record that reported them, against the
 * budget per window. A total, not an estimate: any number of records is judged.
 */
export function tokenUsageRule(
  current: RuleInput['current'],
  thresholds: ResolvedThresholds,
  options: RuleOptions,
): RuleCheck[] {
  const threshold = thresholds.values.tokensPerWindow;
  const { tokenRecords, tokensIn, tokensOut } = current.usage;
  if (tokenRecords === 0 && threshold === null) return [];
  const check = {
    rule: 'token_usage',
    threshold,
    policyRule: thresholds.sources.tokensPerWindow,
    n: tokenRecords,
  };
  if (tokenRecords === 0)
    return [
      {
        ...check,
        value: null,
        status: 'insufficient_data',
        detail: 'no record in the window reported tokensIn or tokensOut',
      },
    ];
  const total = tokensIn + tokensOut;
  return [
    {
      ...check,
      value: total,
      status: judge(total, threshold, { sufficient: true, warningFraction: options.warningFraction }),
      detail: `${tokensIn} tokens in + ${tokensOut} out over ${tokenRecords} records (${formatNumber((total / tokenRecords) * 1000)} per 1,000 predictions)`,
    },
  ];
}

/** The production model's traffic over the window, counted by the service. */
export interface Traffic {
  /** Records of every version of the model in the window. */
  records: number;
  /** Minutes the count covers: from the window's start (or the model's first record, when later) to now. */
  minutes: number;
  /** Where the counted span starts (ISO-8601). */
  since: string;
  /** Whether the model has ever reported an inference record. */
  everReported: boolean;
}

/**
 * A value that must stay at or above a floor: `alert` when below it, `warning` when below
 * floor / warningFraction (the warning band mirrors the upper limits' ratio), `ok` otherwise.
 */
export function judgeFloor(value: number, floor: number | null, warningFraction: number): CheckStatus {
  if (floor === null) return 'ok';
  const v = round(value);
  if (v < floor) return 'alert';
  if (v < round(floor / warningFraction)) return 'warning';
  return 'ok';
}

/**
 * Throughput of the production model: records per minute over the window, against the SLA's
 * floor (an alert when BELOW it). Only for the champion; every version's records count, since
 * a canary's share is still served traffic.
 */
export function throughputRule(
  traffic: Traffic,
  thresholds: ResolvedThresholds,
  options: RuleOptions,
): RuleCheck {
  const threshold = thresholds.values.throughputPerMinute;
  const check = {
    rule: 'throughput',
    threshold,
    policyRule: thresholds.sources.throughputPerMinute,
    n: traffic.records,
  };
  if (!traffic.everReported)
    return {
      ...check,
      value: null,
      status: 'insufficient_data',
      detail: 'the model has never reported an inference record',
    };
  if (traffic.minutes < 1)
    return {
      ...check,
      value: null,
      status: 'insufficient_data',
      detail: `traffic began ${formatNumber(traffic.minutes * 60)} s ago; needs at least a minute`,
    };
  const perMinute = traffic.records / traffic.minutes;
  const status = judgeFloor(perMinute, threshold, options.warningFraction);
  return {
    ...check,
    value: round(perMinute),
    status,
    detail:
      `${traffic.records} records over ${formatNumber(traffic.minutes)} minutes since ${traffic.since}` +
      (threshold === null
        ? '; no throughput SLA configured (monitoring config thresholds.throughputPerMinute)'
        : status === 'alert'
          ? `: below the floor of ${formatNumber(threshold)} per minute`
          : status === 'warning'
            ? `: within ${formatNumber(threshold / options.warningFraction)} per minute (the warning band)`
            : ''),
  };
}

/**
 * The rule a custom rollout analysis metric keeps, wherever it is stated (a tier's policy or one
 * rollout's request), pure: a name, a record value it reads with an aggregate that value allows,
 * and a limit.
 */

/** How a custom metric's name reads: it is reported as metric `custom:<name>`. */
export const CUSTOM_METRIC_NAME = /^[a-z][a-z0-9_]*$/;

/** Record values that are numbers (aggregated by `mean` or `p95`). */
const NUMERIC_SOURCES = new Set(['score', 'latencyMs']);
/** Record values that flag a record (aggregated by `rate`). */
const RATE_SOURCES = /^(signals\..+|feedback\.down)$/;

/** A custom metric as stated, before it is checked. */
export interface CustomMetricStatement {
  name: string;
  signal: string;
  aggregate: 'rate' | 'mean' | 'p95';
  maxValue?: number | undefined;
  maxIncrease?: number | undefined;
}

/** What is wrong with one custom metric (the member at fault and a message that follows its path), or null. */
export function customMetricIssue(
  m: CustomMetricStatement,
): { field: 'name' | 'signal' | 'aggregate' | 'maxValue'; message: string } | null {
  if (!CUSTOM_METRIC_NAME.test(m.name))
    return { field: 'name', message: 'must be lower case letters, digits and _ (e.g. toxicity_rate)' };
  const numeric = NUMERIC_SOURCES.has(m.signal);
  if (!numeric && !RATE_SOURCES.test(m.signal))
    return {
      field: 'signal',
      message: `must be signals.<name>, feedback.down, score or latencyMs (got "${m.signal}")`,
    };
  if (numeric && m.aggregate === 'rate')
    return {
      field: 'aggregate',
      message: `${m.signal} is a number: aggregate it with mean or p95, not rate`,
    };
  if (!numeric && m.aggregate !== 'rate')
    return {
      field: 'aggregate',
      message: `${m.signal} flags records: its aggregate is rate, not ${m.aggregate}`,
    };
  if (m.maxValue === undefined && m.maxIncrease === undefined)
    return { field: 'maxValue', message: 'needs maxValue, maxIncrease or both' };
  return null;
}

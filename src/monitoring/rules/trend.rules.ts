import { mannKendall } from '../../stats/trend/index.js';
import { formatNumber } from './noise-verdict.js';
import type { RuleCheck, RuleOptions } from './rule.types.js';
import { round } from './status.js';

/** One stored bucket of the trend series: its records and, per signal, the records where it fired. */
export interface TrendPoint {
  /** Bucket start (ISO-8601). */
  start: string;
  records: number;
  events: Readonly<Record<string, number>>;
}

/** Fewest buckets a trend is tested over (at α = 0.01 a Mann-Kendall test needs 6 to ever be significant). */
export const MIN_TREND_WINDOWS = 4;

/**
 * GenAI and safety signal trends: for each signal seen in the series, the Mann-Kendall test over
 * the firing rates of the last buckets (oldest first). A rising trend significant at α alerts
 * (S > 0 and two-sided p ≤ α); anything else is `ok`, including a significant fall. The value is
 * Sen's slope in percentage points per bucket; `observed` and `baseline` are the newest and the
 * oldest bucket's rate, `n` the buckets tested. Rule name `signal_trend:<name>`. Buckets without
 * records are skipped; a signal absent from a bucket fired in none of its records.
 */
export function signalTrendRule(series: readonly TrendPoint[], options: RuleOptions): RuleCheck[] {
  const points = series.filter((p) => p.records > 0);
  const names = new Set<string>();
  for (const p of points) for (const name of Object.keys(p.events)) names.add(name);
  const records = points.reduce((sum, p) => sum + p.records, 0);
  return [...names].sort().map((name): RuleCheck => {
    const rates = points.map((p) => ((p.events[name] ?? 0) / p.records) * 100);
    const check = {
      rule: `signal_trend:${name}`,
      threshold: null,
      policyRule: 'monitoring.alpha',
      n: points.length,
    };
    if (points.length < MIN_TREND_WINDOWS || records < options.minRecords)
      return {
        ...check,
        value: null,
        status: 'insufficient_data',
        detail: `needs at least ${MIN_TREND_WINDOWS} buckets and ${options.minRecords} records; has ${points.length} buckets and ${records} records`,
      };
    const mk = mannKendall(rates);
    const rising = mk.s > 0 && mk.pValue <= options.alpha;
    const f = formatNumber;
    return {
      ...check,
      value: round(mk.slope),
      status: rising ? 'alert' : 'ok',
      observed: round(rates[rates.length - 1]!),
      baseline: round(rates[0]!),
      detail:
        `Mann-Kendall over ${points.length} buckets from ${points[0]!.start}: S = ${mk.s}, Var(S) = ${f(mk.variance)}, ` +
        `z = ${f(mk.z)}, two-sided p = ${f(mk.pValue)} ${mk.pValue <= options.alpha ? '≤' : '>'} α ${f(options.alpha)}; ` +
        `Sen slope ${f(mk.slope)} points per bucket, rate ${f(rates[0]!)} % → ${f(rates[rates.length - 1]!)} %` +
        (rising ? ': rising' : mk.s < 0 && mk.pValue <= options.alpha ? ': falling' : ''),
    };
  });
}

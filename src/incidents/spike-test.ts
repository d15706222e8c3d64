import { twoProportionZTest } from '../stats/drift/index.js';

/** Records and signal count of one window. */
export interface RateSample {
  n: number;
  count: number;
}

/** When a rate counts as a spike. Defaults in `DEFAULT_SPIKE_OPTIONS`. */
export interface SpikeOptions {
  /** One-sided significance level of the test. */
  alpha: number;
  /** A window with fewer records is not tested. */
  minWindowRecords: number;
  /** A window with fewer signal records is not tested (a handful of events is not an incident). */
  minEvents: number;
  /** Fewer trailing windows than this is no baseline yet. */
  minBaselineWindows: number;
  /** Fewer pooled baseline records than this is no baseline yet. */
  minBaselineRecords: number;
}

export const DEFAULT_SPIKE_OPTIONS: SpikeOptions = {
  alpha: 0.001,
  minWindowRecords: 50,
  minEvents: 5,
  minBaselineWindows: 3,
  minBaselineRecords: 200,
};

/** The name the test is reported under. */
export const SPIKE_TEST_NAME =
  'two-proportion z-test (pooled), one-sided, current window vs trailing baseline';

export type SpikeVerdict =
  | {
      decision: 'spike' | 'normal';
      rate: number;
      baselineRate: number;
      baselineN: number;
      baselineCount: number;
      baselineWindows: number;
      z: number;
      pValue: number;
    }
  | { decision: 'insufficient'; reason: string };

/**
 * Tests whether the window's signal rate is higher than the trailing baseline: the baseline
 * windows are pooled into one proportion and compared with the window's by a pooled
 * two-proportion z-test, one-sided (only an increase is an incident). The one-sided p is half
 * the two-sided p when z > 0. A spike is `p < alpha`. Windows or baselines below the minimum
 * sizes are not tested at all, so a quiet hour with two reports out of ten records stays quiet.
 */
export function testForSpike(
  current: RateSample,
  baseline: readonly RateSample[],
  options: SpikeOptions = DEFAULT_SPIKE_OPTIONS,
): SpikeVerdict {
  if (current.n < options.minWindowRecords)
    return {
      decision: 'insufficient',
      reason: `window has ${current.n} records (< ${options.minWindowRecords})`,
    };
  if (current.count < options.minEvents)
    return {
      decision: 'insufficient',
      reason: `window has ${current.count} signal records (< ${options.minEvents})`,
    };
  const usable = baseline.filter((b) => b.n > 0);
  if (usable.length < options.minBaselineWindows)
    return {
      decision: 'insufficient',
      reason: `baseline has ${usable.length} windows (< ${options.minBaselineWindows})`,
    };
  const baselineN = usable.reduce((s, b) => s + b.n, 0);
  const baselineCount = usable.reduce((s, b) => s + b.count, 0);
  if (baselineN < options.minBaselineRecords)
    return {
      decision: 'insufficient',
      reason: `baseline has ${baselineN} records (< ${options.minBaselineRecords})`,
    };
  const { statistic, pValue: twoSided } = twoProportionZTest(
    current.count,
    current.n,
    baselineCount,
    baselineN,
  );
  const pValue = statistic > 0 ? twoSided / 2 : 1 - twoSided / 2;
  return {
    decision: pValue < options.alpha ? 'spike' : 'normal',
    rate: current.count / current.n,
    baselineRate: baselineCount / baselineN,
    baselineN,
    baselineCount,
    baselineWindows: usable.length,
    z: statistic,
    pValue,
  };
}

import { normalTwoSidedP } from '../distributions/index.js';

export interface ZTestResult {
  statistic: number;
  pValue: number;
}

/**
 * Two-proportion z-test, pooled variance, two-sided: z = (p1 − p2) / sqrt(P(1 − P)(1/n1 + 1/n2))
 * with P the pooled proportion, p = 2·P(Z > |z|) (normal tail via erfc). When the pooled
 * proportion is 0 or 1 the two samples are identical in proportion: z = 0, p = 1.
 * @param successes1 count of the tested class in the first sample, out of n1
 */
export function twoProportionZTest(
  successes1: number,
  n1: number,
  successes2: number,
  n2: number,
): ZTestResult {
  if (!(n1 > 0 && n2 > 0)) throw new Error('twoProportionZTest needs two non-empty samples');
  const p1 = successes1 / n1;
  const p2 = successes2 / n2;
  const pooled = (successes1 + successes2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (!(variance > 0)) return { statistic: 0, pValue: 1 };
  const statistic = (p1 - p2) / Math.sqrt(variance);
  return { statistic, pValue: normalTwoSidedP(statistic) };
}

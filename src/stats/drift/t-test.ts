import { studentTTwoSidedP } from '../distributions/index.js';
import { meanAndSsd } from './sorted.js';

export interface TTestResult {
  statistic: number;
  pValue: number;
  df: number;
}

/**
 * Welch's unequal-variance t-test, two-sided, as `scipy.stats.ttest_ind(a, b,
 * equal_var=False)`: sample variances with ddof = 1, Welch–Satterthwaite degrees of freedom.
 * Returns NaN statistic and p-value when both variances are zero (as scipy).
 * @throws Error when a sample has fewer than two values.
 */
export function welchTTest(a: Float64Array, b: Float64Array): TTestResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 < 2 || n2 < 2) throw new Error('welchTTest needs at least two values per sample');
  const sa = meanAndSsd(a);
  const sb = meanAndSsd(b);
  const vn1 = sa.ssd / (n1 - 1) / n1;
  const vn2 = sb.ssd / (n2 - 1) / n2;
  const df = (vn1 + vn2) ** 2 / (vn1 ** 2 / (n1 - 1) + vn2 ** 2 / (n2 - 1));
  const statistic = (sa.mean - sb.mean) / Math.sqrt(vn1 + vn2);
  if (!Number.isFinite(df) || Number.isNaN(statistic)) {
    return { statistic: Number.NaN, pValue: Number.NaN, df: Number.NaN };
  }
  return { statistic, pValue: studentTTwoSidedP(statistic, df), df };
}

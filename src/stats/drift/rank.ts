/**
 * Midrank statistics of sample `a` within the pooled sorted samples: the rank sum of `a`
 * (ties get average ranks) and the tie term Σ (t³ − t) over groups of tied values.
 * Both inputs must be sorted ascending and NaN-free.
 */
export function midrankSum(
  a: Float64Array,
  b: Float64Array,
): { rankSumA: number; tieTerm: number; hasTies: boolean } {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let below = 0;
  let rankSumA = 0;
  let tieTerm = 0;
  while (i < n1 || j < n2) {
    const va = i < n1 ? a[i]! : Number.POSITIVE_INFINITY;
    const vb = j < n2 ? b[j]! : Number.POSITIVE_INFINITY;
    const v = va <= vb ? va : vb;
    const i0 = i;
    const j0 = j;
    while (i < n1 && a[i]! === v) i++;
    while (j < n2 && b[j]! === v) j++;
    const ca = i - i0;
    const t = ca + (j - j0);
    rankSumA += ca * (below + (t + 1) / 2);
    tieTerm += t * t * t - t;
    below += t;
  }
  return { rankSumA, tieTerm, hasTies: tieTerm > 0 };
}

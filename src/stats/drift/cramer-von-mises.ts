import gammaln from '@stdlib/math-base-special-gammaln';
import { gcd, sortedCopy } from './sorted.js';

export interface CramerVonMisesResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/**
 * Modified Bessel function of the second kind K_ν(x), x > 0, by the trapezoidal rule on
 * K_ν(x) = ∫_0^∞ exp(−x·cosh t)·cosh(ν t) dt (the integrand decays double-exponentially, so
 * the rule converges to machine precision with a modest step).
 */
function besselK(nu: number, x: number): number {
  const step = 0.02;
  let sum = 0.5 * Math.exp(-x);
  for (let t = step; ; t += step) {
    const term = Math.exp(-x * Math.cosh(t)) * Math.cosh(nu * t);
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return sum * step;
}

/** Limiting CDF of the Cramér–von Mises statistic (Csörgő & Faraway 1996, eq. 1.2), as scipy. */
function cdfCvmInf(x: number): number {
  let total = 0;
  for (let k = 0; ; k++) {
    const u = Math.exp(gammaln(k + 0.5) - gammaln(k + 1)) / (Math.PI ** 1.5 * Math.sqrt(x));
    const y = 4 * k + 1;
    const q = (y * y) / (16 * x);
    const z = u * Math.sqrt(y) * Math.exp(-q) * besselK(0.25, q);
    total += z;
    if (!(Math.abs(z) >= 1e-7)) break;
  }
  return total;
}

/** Exact p-value of the two-sample statistic U (Xiao, Gordon & Yakovlev 2006), as scipy. */
function exactPValue(u: number, m: number, n: number): number {
  const lcm = (m / gcd(m, n)) * n;
  const a = lcm / m;
  const b = lcm / n;
  const mn = m * n;
  const zeta = Math.floor((lcm ** 2 * (m + n) * (6 * u - mn * (4 * mn - 1))) / (6 * mn ** 2));
  let combinations = 1;
  for (let i = 1; i <= m; i++) combinations = (combinations * (n + i)) / i;
  let gs: Map<number, number>[] = [new Map([[0, 1]])];
  for (let v = 0; v < m; v++) gs.push(new Map());
  for (let uu = 0; uu <= n; uu++) {
    const next: Map<number, number>[] = [];
    let tmp = new Map<number, number>();
    for (let v = 0; v < gs.length; v++) {
      const merged = new Map(tmp);
      for (const [key, freq] of gs[v]!) merged.set(key, (merged.get(key) ?? 0) + freq);
      const add = (a * v - b * uu) ** 2;
      tmp = new Map();
      for (const [key, freq] of merged) tmp.set(key + add, freq);
      next.push(tmp);
    }
    gs = next;
  }
  let tail = 0;
  for (const [value, freq] of gs[m]!) if (value >= zeta) tail += freq;
  return tail / combinations;
}

/**
 * Two-sample Cramér–von Mises test, as `scipy.stats.cramervonmises_2samp(x, y)` (scipy 1.10):
 * midranks for ties; `auto` is exact when both samples have at most 20 values, otherwise the
 * normalised statistic is referred to the limiting one-sample distribution.
 * @throws Error when a sample has fewer than two values.
 */
export function cramerVonMises2Samp(
  x: Float64Array,
  y: Float64Array,
  method: 'auto' | 'exact' | 'asymptotic' = 'auto',
): CramerVonMisesResult {
  const nx = x.length;
  const ny = y.length;
  if (nx <= 1 || ny <= 1) throw new Error('cramerVonMises2Samp needs at least two values per sample');
  const mode = method === 'auto' ? (Math.max(nx, ny) > 20 ? 'asymptotic' : 'exact') : method;
  const xs = sortedCopy(x);
  const ys = sortedCopy(y);
  // Σ (r_i − i)² for each sample, with midranks in the pooled sample.
  let u: number;
  {
    let i = 0;
    let j = 0;
    let below = 0;
    let sx = 0;
    let sy = 0;
    while (i < nx || j < ny) {
      const va = i < nx ? xs[i]! : Number.POSITIVE_INFINITY;
      const vb = j < ny ? ys[j]! : Number.POSITIVE_INFINITY;
      const v = va <= vb ? va : vb;
      const i0 = i;
      const j0 = j;
      while (i < nx && xs[i]! === v) i++;
      while (j < ny && ys[j]! === v) j++;
      const t = i - i0 + (j - j0);
      const rank = below + (t + 1) / 2;
      for (let p = i0; p < i; p++) sx += (rank - (p + 1)) ** 2;
      for (let p = j0; p < j; p++) sy += (rank - (p + 1)) ** 2;
      below += t;
    }
    u = nx * sx + ny * sy;
  }
  const k = nx * ny;
  const N = nx + ny;
  const statistic = u / (k * N) - (4 * k - 1) / (6 * N);
  let pValue: number;
  if (mode === 'exact') {
    pValue = exactPValue(u, nx, ny);
  } else {
    const et = (1 + 1 / N) / 6;
    let vt = (N + 1) * (4 * k * N - 3 * (nx ** 2 + ny ** 2) - 2 * k);
    vt = vt / (45 * N ** 2 * 4 * k);
    const tn = 1 / 6 + (statistic - et) / Math.sqrt(45 * vt);
    pValue = tn < 0.003 ? 1 : Math.max(0, 1 - cdfCvmInf(tn));
  }
  return { statistic, pValue, method: mode };
}

import { sortedCopy } from './sorted.js';

export interface AndersonResult {
  /** Standardised k-sample Anderson–Darling statistic (scipy's `statistic`). */
  statistic: number;
  /** Interpolated significance level, capped to [0.001, 0.25] as scipy 1.10. */
  pValue: number;
}

const SIG = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
const B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];

/** Least-squares quadratic through (x, y), evaluated at t (numpy polyfit + polyval, deg 2). */
function quadraticFitAt(x: number[], y: number[], t: number): number {
  // Normal equations on centred x for conditioning; the fitted polynomial is the same.
  const xm = x.reduce((s, v) => s + v, 0) / x.length;
  const s = [0, 0, 0, 0, 0];
  const r = [0, 0, 0];
  for (let i = 0; i < x.length; i++) {
    const u = x[i]! - xm;
    let p = 1;
    for (let k = 0; k < 5; k++) {
      s[k]! += p;
      if (k < 3) r[k]! += p * y[i]!;
      p *= u;
    }
  }
  const M = [
    [s[0]!, s[1]!, s[2]!, r[0]!],
    [s[1]!, s[2]!, s[3]!, r[1]!],
    [s[2]!, s[3]!, s[4]!, r[2]!],
  ];
  for (let c = 0; c < 3; c++) {
    let piv = c;
    for (let rr = c + 1; rr < 3; rr++) if (Math.abs(M[rr]![c]!) > Math.abs(M[piv]![c]!)) piv = rr;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let rr = 0; rr < 3; rr++) {
      if (rr === c) continue;
      const f = M[rr]![c]! / M[c]![c]!;
      for (let k = c; k < 4; k++) M[rr]![k]! -= f * M[c]![k]!;
    }
  }
  const coef = M.map((row, i) => row[3]! / row[i]!);
  const u = t - xm;
  return coef[0]! + coef[1]! * u + coef[2]! * u * u;
}

/**
 * k-sample Anderson–Darling test with midranks (Scholz & Stephens 1987, eq. 7), as
 * `scipy.stats.anderson_ksamp(samples, midrank=True)` in scipy 1.10, including its p-value:
 * a quadratic fit of log(significance) on the tabulated critical values, capped at 0.25 and
 * floored at 0.001.
 * @throws Error when fewer than two samples, an empty sample, or fewer than two distinct values.
 */
export function andersonKSample(samples: Float64Array[]): AndersonResult {
  const k = samples.length;
  if (k < 2) throw new Error('andersonKSample needs at least two samples');
  const sorted = samples.map((s) => sortedCopy(s));
  const n = sorted.map((s) => s.length);
  if (n.some((v) => v === 0)) throw new Error('andersonKSample encountered an empty sample');
  const N = n.reduce((a, b) => a + b, 0);
  const Z = new Float64Array(N);
  let off = 0;
  for (const s of sorted) {
    Z.set(s, off);
    off += s.length;
  }
  Z.sort();
  // Distinct values with their multiplicity l_j and midrank position B_j = left + l_j/2.
  const zStar = new Float64Array(N);
  const lj = new Float64Array(N);
  const bj = new Float64Array(N);
  let distinct = 0;
  for (let i = 0; i < N;) {
    const v = Z[i]!;
    let e = i;
    while (e < N && Z[e]! === v) e++;
    zStar[distinct] = v;
    lj[distinct] = e - i;
    bj[distinct] = i + (e - i) / 2;
    distinct++;
    i = e;
  }
  if (distinct < 2) throw new Error('andersonKSample needs more than one distinct observation');
  let a2kn = 0;
  for (let s = 0; s < k; s++) {
    const xs = sorted[s]!;
    const ns = n[s]!;
    let p = 0;
    let inner = 0;
    for (let j = 0; j < distinct; j++) {
      const v = zStar[j]!;
      const left = p;
      while (p < xs.length && xs[p]! === v) p++;
      const mij = p - (p - left) / 2;
      const l = lj[j]!;
      const b = bj[j]!;
      const num = N * mij - b * ns;
      inner += ((l / N) * num * num) / (b * (N - b) - (N * l) / 4);
    }
    a2kn += inner / ns;
  }
  a2kn *= (N - 1) / N;

  const H = n.reduce((acc, v) => acc + 1 / v, 0);
  let hsSum = 0;
  let g = 0;
  // hs_cs = cumsum(1 / [N-1, N-2, ..., 2]); g = Σ hs_cs[i] / (i + 2)
  for (let i = 0, d = N - 1; d >= 2; i++, d--) {
    hsSum += 1 / d;
    g += hsSum / (i + 2);
  }
  const h = hsSum + 1;
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k ** 2 - 4 * h * k;
  const sigmasq = (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
  const m = k - 1;
  const statistic = (a2kn - m) / Math.sqrt(sigmasq);
  const critical = B0.map((b0, i) => b0 + B1[i]! / Math.sqrt(m) + B2[i]! / m);
  let pValue: number;
  if (statistic < Math.min(...critical)) pValue = 0.25;
  else if (statistic > Math.max(...critical)) pValue = 0.001;
  else pValue = Math.exp(quadraticFitAt(critical, SIG.map(Math.log), statistic));
  return { statistic, pValue };
}

/** Σ x, for normalising a count or weight vector. */
function total(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

function checkPair(p: ArrayLike<number>, q: ArrayLike<number>, name: string): void {
  if (p.length !== q.length) throw new Error(`${name}: distributions differ in length`);
  if (p.length === 0) throw new Error(`${name}: empty distributions`);
}

/** x·ln(x/y) with scipy's `rel_entr` conventions (0 when x = 0; +∞ when y = 0 < x). */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/** x·ln(x / ((x + y)/2)); 0 when x = 0, as `rel_entr`. Never infinite: the ratio is at most 2. */
function halfMixtureTerm(x: number, y: number): number {
  return x > 0 ? x * Math.log((2 * x) / (x + y)) : 0;
}

/**
 * Jensen–Shannon distance (the square root of the divergence), as
 * `scipy.spatial.distance.jensenshannon(p, q, base)`; inputs are normalised to sum 1 first.
 * With base 2 (the default) the distance lies in [0, 1].
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base = 2): number {
  checkPair(p, q, 'jensenShannonDistance');
  const sp = total(p);
  const sq = total(q);
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    // x·ln(x/m) with m = (x + y)/2, written as x·ln(2x/(x + y)) so that a subnormal
    // proportion whose half underflows to zero still contributes its (tiny) finite share.
    js += halfMixtureTerm(pi, qi) + halfMixtureTerm(qi, pi);
  }
  js /= Math.log(base);
  // Rounding can leave a tiny negative divergence for identical inputs.
  return Math.sqrt(Math.max(0, js / 2));
}

/**
 * Kullback–Leibler divergence D(p ‖ q) in nats, as `scipy.stats.entropy(p, q)`; inputs are
 * normalised to sum 1. Infinite when q has an empty bin where p has mass — callers that want a
 * finite score floor the proportions first (see the drift `kl` method).
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkPair(p, q, 'klDivergence');
  const sp = total(p);
  const sq = total(q);
  let kl = 0;
  for (let i = 0; i < p.length; i++) kl += relEntr(p[i]! / sp, q[i]! / sq);
  return kl;
}

/**
 * Hellinger distance H(p, q) = sqrt(½ Σ (√p_i − √q_i)²) on normalised inputs, in [0, 1].
 */
export function hellingerDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  checkPair(p, q, 'hellingerDistance');
  const sp = total(p);
  const sq = total(q);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const d = Math.sqrt(p[i]! / sp) - Math.sqrt(q[i]! / sq);
    s += d * d;
  }
  return Math.min(1, Math.sqrt(s / 2));
}

/** Floor applied to empty-bin proportions in PSI (and the `kl` drift method): 1e-4. */
export const PSI_EPSILON = 1e-4;

/**
 * Population Stability Index Σ (c_i − r_i)·ln(c_i / r_i) over bins, from reference and current
 * counts (or proportions; each side is normalised to sum 1). Proportions below `epsilon`
 * (default {@link PSI_EPSILON} = 1e-4) are raised to `epsilon` so empty bins give a finite,
 * large contribution instead of infinity. PSI(x, x) = 0; it is symmetric in its arguments.
 */
export function populationStabilityIndex(
  refCounts: ArrayLike<number>,
  curCounts: ArrayLike<number>,
  epsilon = PSI_EPSILON,
): number {
  checkPair(refCounts, curCounts, 'populationStabilityIndex');
  const sr = total(refCounts);
  const sc = total(curCounts);
  let psi = 0;
  for (let i = 0; i < refCounts.length; i++) {
    const r = Math.max(sr > 0 ? refCounts[i]! / sr : 0, epsilon);
    const c = Math.max(sc > 0 ? curCounts[i]! / sc : 0, epsilon);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

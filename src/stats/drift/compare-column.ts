import type { Column, ColumnDriftResult, DriftMethod } from '../types.js';
import { andersonKSample } from './anderson.js';
import {
  countAtValues,
  countDistinctUnion,
  countHistogram,
  countRightClosedUnsorted,
  distinctUnion,
  quantileEdgesUnsorted,
  sturgesEdges,
} from './binning.js';
import { chiSquareHomogeneity } from './chisquare.js';
import { cramerVonMises2Samp } from './cramer-von-mises.js';
import {
  FEW_DISTINCT_VALUES,
  DEFAULT_THRESHOLDS,
  NUMERIC_ONLY_METHODS,
  P_VALUE_METHODS,
  defaultDriftMethod,
} from './default-method.js';
import {
  PSI_EPSILON,
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  populationStabilityIndex,
} from './divergence.js';
import { ksTwoSampleSorted } from './ks.js';
import { mannWhitneyU } from './mann-whitney.js';
import { allFinite, sortedCopy } from './sorted.js';
import { welchTTest } from './t-test.js';
import { normalizedWassersteinSorted, energyDistance, WASSERSTEIN_NORM_FLOOR } from './wasserstein.js';
import { twoProportionZTest } from './z-test.js';

/** Options of {@link compareColumn}. */
export interface CompareColumnOptions {
  /** Drift method; default chosen by {@link defaultDriftMethod}. */
  method?: DriftMethod;
  /** Threshold; default from {@link DEFAULT_THRESHOLDS}. */
  threshold?: number;
  /** Number of reference-quantile bins for numeric PSI (default 10). */
  psiBins?: number;
}

/** Default number of reference-quantile bins of numeric PSI. */
export const DEFAULT_PSI_BINS = 10;
/** Above this many distinct reference values, numeric JS/KL/Hellinger use Sturges bins (Evidently). */
const HISTOGRAM_MIN_DISTINCT = 20;

/** NaN-free numeric sides; sorted copies are made on first use (PSI does not need them). */
class NumericSides {
  readonly kind = 'numeric';
  private sortedPair: { ref: Float64Array; cur: Float64Array } | undefined;
  constructor(
    readonly ref: Float64Array,
    readonly cur: Float64Array,
  ) {}

  get sorted(): { ref: Float64Array; cur: Float64Array } {
    this.sortedPair ??= { ref: sortedCopy(this.ref), cur: sortedCopy(this.cur) };
    return this.sortedPair;
  }
}

interface CategoricalSides {
  kind: 'categorical';
  categories: string[];
  ref: Float64Array;
  cur: Float64Array;
  newCategories: string[];
}

type Missing = ColumnDriftResult['missing'];

function numericSides(reference: Float64Array, current: Float64Array): NumericSides {
  const clean = (values: Float64Array): Float64Array => {
    let n = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
    if (n === values.length) return values;
    const out = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[k++] = values[i]!;
    return out;
  };
  return new NumericSides(clean(reference), clean(current));
}

function categoricalSides(
  reference: ReadonlyArray<string | null>,
  current: ReadonlyArray<string | null>,
): CategoricalSides {
  const refMap = new Map<string, number>();
  const curMap = new Map<string, number>();
  for (const v of reference) if (v !== null) refMap.set(v, (refMap.get(v) ?? 0) + 1);
  for (const v of current) if (v !== null) curMap.set(v, (curMap.get(v) ?? 0) + 1);
  const categories = [...new Set([...refMap.keys(), ...curMap.keys()])].sort();
  return {
    kind: 'categorical',
    categories,
    ref: Float64Array.from(categories, (c) => refMap.get(c) ?? 0),
    cur: Float64Array.from(categories, (c) => curMap.get(c) ?? 0),
    newCategories: categories.filter((c) => !refMap.has(c)),
  };
}

/** Numeric values tested as categories: one bin per distinct value of the union. */
function valuesAsCategories(sides: NumericSides): { ref: Float64Array; cur: Float64Array } {
  const { ref, cur } = sides.sorted;
  const values = distinctUnion(ref, cur);
  return { ref: countAtValues(ref, values), cur: countAtValues(cur, values) };
}

/** Evidently's binning of numeric data for JS / KL / Hellinger (`get_binned_data`). */
function numericHistogram(sides: NumericSides): { ref: Float64Array; cur: Float64Array; bins: string } {
  const { ref, cur } = sides.sorted;
  if (countDistinctUnion(ref, ref, HISTOGRAM_MIN_DISTINCT) > HISTOGRAM_MIN_DISTINCT) {
    const min = Math.min(ref[0]!, cur[0]!);
    const max = Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!);
    const edges = sturgesEdges(min, max, ref.length + cur.length);
    return {
      ref: countHistogram(ref, edges),
      cur: countHistogram(cur, edges),
      bins: `${edges.length - 1} equal-width Sturges bins over the pooled range`,
    };
  }
  return { ...valuesAsCategories(sides), bins: 'one bin per distinct value' };
}

/** Distinct non-missing values over both sides, counted up to `cap + 1` (enough to compare). */
function distinctCount(sides: NumericSides | CategoricalSides, cap: number): number {
  if (sides.kind === 'categorical') return sides.categories.length;
  const seen = new Set<number>();
  for (const values of [sides.ref, sides.cur]) {
    for (let i = 0; i < values.length && seen.size <= cap; i++) seen.add(values[i]!);
  }
  return seen.size;
}

function nonMissing(sides: NumericSides | CategoricalSides): [number, number] {
  if (sides.kind === 'numeric') return [sides.ref.length, sides.cur.length];
  let r = 0;
  let c = 0;
  for (let i = 0; i < sides.ref.length; i++) {
    r += sides.ref[i]!;
    c += sides.cur[i]!;
  }
  return [r, c];
}

class InsufficientData extends Error {}

interface Outcome {
  statistic: number;
  pValue: number | null;
  distance?: number;
  convention: string;
}

const fmt = (x: number): string => String(x);

function runMethod(
  method: DriftMethod,
  sides: NumericSides | CategoricalSides,
  missing: { ref: number; cur: number },
  psiBins: number,
): Outcome {
  if (NUMERIC_ONLY_METHODS.has(method)) {
    if (sides.kind !== 'numeric') throw new Error(`method "${method}" needs a numeric column`);
    return runNumericMethod(method, sides);
  }
  switch (method) {
    case 'chisquare': {
      const t = sides.kind === 'numeric' ? valuesAsCategories(sides) : sides;
      const r = chiSquareHomogeneity(t.ref, t.cur);
      return {
        statistic: r.statistic,
        pValue: r.pValue,
        convention: `Pearson chi-square homogeneity test on the 2×k table of reference vs current counts (k = ${r.dof + 1} categories present), no continuity correction, as scipy chi2_contingency(correction=False)`,
      };
    }
    case 'z': {
      const t = sides.kind === 'numeric' ? valuesAsCategories(sides) : sides;
      const [n1, n2] = [sum(t.ref), sum(t.cur)];
      // The first category in sort order is the "failure" class, the rest the tested class (Evidently).
      const r = twoProportionZTest(n1 - t.ref[0]!, n1, n2 - t.cur[0]!, n2);
      return {
        statistic: r.statistic,
        pValue: r.pValue,
        convention:
          'two-proportion z-test, pooled variance, two-sided (normal tail via erfc); proportion of values other than the first category in sort order',
      };
    }
    case 'psi': {
      let ref: Float64Array;
      let cur: Float64Array;
      let bins: string;
      if (sides.kind === 'numeric') {
        const edges = quantileEdgesUnsorted(sides.ref, psiBins);
        ref = countRightClosedUnsorted(sides.ref, edges);
        cur = countRightClosedUnsorted(sides.cur, edges);
        bins = `${edges.length + 1} bins at reference quantiles i/${psiBins} (right-closed, duplicate edges merged)`;
      } else {
        ({ ref, cur } = sides);
        bins = 'one bin per category';
      }
      const r = populationStabilityIndex(appendValue(ref, missing.ref), appendValue(cur, missing.cur));
      return {
        statistic: r,
        pValue: null,
        convention: `PSI Σ (c−r)·ln(c/r) over ${bins} plus a bin for missing values; proportions of all rows; empty-bin proportions floored at ${fmt(PSI_EPSILON)}`,
      };
    }
    case 'jensenshannon':
    case 'kl':
    case 'hellinger': {
      const h =
        sides.kind === 'numeric'
          ? numericHistogram(sides)
          : { ref: sides.ref, cur: sides.cur, bins: 'one bin per category' };
      if (method === 'jensenshannon') {
        return {
          statistic: jensenShannonDistance(h.ref, h.cur, 2),
          pValue: null,
          convention: `Jensen–Shannon distance, base 2 (in [0, 1]), as scipy.spatial.distance.jensenshannon on normalised counts; ${h.bins}; missing values excluded`,
        };
      }
      if (method === 'kl') {
        const floor = (c: Float64Array): Float64Array => {
          const s = sum(c);
          return c.map((v) => Math.max(v / s, PSI_EPSILON));
        };
        return {
          statistic: klDivergence(floor(h.ref), floor(h.cur)),
          pValue: null,
          convention: `Kullback–Leibler divergence D(reference ‖ current) in nats; ${h.bins}; proportions floored at ${fmt(PSI_EPSILON)} then renormalised; missing values excluded`,
        };
      }
      return {
        statistic: hellingerDistance(h.ref, h.cur),
        pValue: null,
        convention: `Hellinger distance sqrt(½ Σ (√p − √q)²) in [0, 1]; ${h.bins}; missing values excluded`,
      };
    }
    default:
      throw new Error(`unknown drift method "${method}"`);
  }
}

function runNumericMethod(method: DriftMethod, sides: NumericSides): Outcome {
  const { ref, cur } = sides.sorted;
  const needFinite = (what: string): void => {
    if (!allFinite(ref) || !allFinite(cur)) {
      throw new InsufficientData(`${what} is undefined with ±Infinity values present`);
    }
  };
  switch (method) {
    case 'ks': {
      const r = ksTwoSampleSorted(ref, cur, 'auto');
      return {
        statistic: r.statistic,
        pValue: r.pValue,
        convention: `two-sample Kolmogorov–Smirnov, two-sided, ties included, as scipy 1.10 ks_2samp(method='auto'): ${r.method === 'exact' ? 'exact p-value' : 'asymptotic p-value kstwo.sf(D, round(n1·n2/(n1+n2)))'}`,
      };
    }
    case 'wasserstein': {
      needFinite('the Wasserstein distance');
      const r = normalizedWassersteinSorted(ref, cur);
      return {
        statistic: r.normalized,
        distance: r.distance,
        pValue: null,
        convention: `Wasserstein-1 distance (scipy wasserstein_distance) divided by the reference's population standard deviation (ddof = 0, np.std), floored at ${fmt(WASSERSTEIN_NORM_FLOOR)}, as Evidently`,
      };
    }
    case 'energy':
      needFinite('the energy distance');
      return {
        statistic: energyDistance(ref, cur),
        pValue: null,
        convention: 'energy distance sqrt(2·∫(F−G)²), as scipy.stats.energy_distance',
      };
    case 'mannwhitneyu': {
      const r = mannWhitneyU(ref, cur);
      return {
        statistic: r.statistic,
        pValue: r.pValue,
        convention: `Mann–Whitney U (U of the reference), two-sided, midranks, as scipy 1.10 mannwhitneyu defaults: ${r.method === 'exact' ? 'exact null distribution' : 'normal approximation with tie correction and continuity correction'}`,
      };
    }
    case 'ttest': {
      needFinite("Welch's t-test");
      const r = welchTTest(ref, cur);
      if (Number.isNaN(r.pValue)) throw new InsufficientData('both samples have zero variance');
      return {
        statistic: r.statistic,
        pValue: r.pValue,
        convention: `Welch's t-test (unequal variances, ddof = 1), two-sided, df = ${r.df.toPrecision(6)}, as scipy ttest_ind(equal_var=False)`,
      };
    }
    case 'anderson': {
      if (ref.length + cur.length < 4)
        throw new InsufficientData('Anderson–Darling needs at least 4 values in total');
      if (ref[0] === ref[ref.length - 1] && cur[0] === ref[0] && cur[cur.length - 1] === ref[0]) {
        throw new InsufficientData('Anderson–Darling needs more than one distinct value');
      }
      const r = andersonKSample([ref, cur]);
      return {
        statistic: r.statistic,
        pValue: r.pValue,
        convention:
          'k-sample Anderson–Darling (midrank), as scipy 1.10 anderson_ksamp; p-value interpolated from the critical-value table and capped to [0.001, 0.25]',
      };
    }
    case 'cramervonmises': {
      const r = cramerVonMises2Samp(ref, cur);
      return {
        statistic: r.statistic,
        pValue: r.pValue,
        convention: `two-sample Cramér–von Mises, midranks, as scipy 1.10 cramervonmises_2samp(method='auto'): ${r.method} p-value`,
      };
    }
    default:
      throw new Error(`unknown drift method "${method}"`);
  }
}

function sum(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

function appendValue(values: Float64Array, v: number): Float64Array {
  const out = new Float64Array(values.length + 1);
  out.set(values);
  out[values.length] = v;
  return out;
}

/** Why a column cannot be tested with `method`, or null when it can. */
function insufficiency(
  method: DriftMethod,
  sides: NumericSides | CategoricalSides,
  distinct: number,
): string | null {
  const [nr, nc] = nonMissing(sides);
  if (nr === 0) return 'reference has no non-missing values';
  if (nc === 0) return 'current has no non-missing values';
  if (nr < 2) return 'reference has a single non-missing value';
  if (nc < 2) return 'current has a single non-missing value';
  if ((method === 'chisquare' || method === 'z') && distinct < 2) {
    return `only one category is present; ${method} needs two`;
  }
  return null;
}

/**
 * Compare one column of reference data against the same column of current data.
 * Missing values (NaN / null) are counted and excluded from the test (PSI alone gives them a
 * bin of their own). A column that cannot be tested yields status 'insufficient_data' with a
 * reason, never an exception; the missing counts are reported either way.
 * @throws Error when the two columns differ in kind, or a numeric-only method is asked of a
 *   categorical column.
 */
export function compareColumn(
  reference: Column,
  current: Column,
  options: CompareColumnOptions = {},
): ColumnDriftResult {
  if (reference.kind !== current.kind) {
    throw new Error(
      `column "${reference.name}" is ${reference.kind} in reference data but ${current.kind} in current data`,
    );
  }
  const sides =
    reference.kind === 'numeric' && current.kind === 'numeric'
      ? numericSides(reference.values, current.values)
      : categoricalSides(
          (reference as { values: ReadonlyArray<string | null> }).values,
          (current as { values: ReadonlyArray<string | null> }).values,
        );
  const [nr, nc] = nonMissing(sides);
  const missingRef = reference.values.length - nr;
  const missingCur = current.values.length - nc;
  const missing: Missing = {
    reference: missingRef,
    current: missingCur,
    referenceRate: reference.values.length > 0 ? missingRef / reference.values.length : 0,
    currentRate: current.values.length > 0 ? missingCur / current.values.length : 0,
  };
  const distinct = distinctCount(sides, FEW_DISTINCT_VALUES);
  const method = options.method ?? defaultDriftMethod(reference.kind, nr, distinct);
  if (!(method in DEFAULT_THRESHOLDS)) throw new Error(`unknown drift method "${method}"`);
  if (NUMERIC_ONLY_METHODS.has(method) && reference.kind !== 'numeric') {
    throw new Error(`method "${method}" does not apply to categorical column "${reference.name}"`);
  }
  const threshold = options.threshold ?? DEFAULT_THRESHOLDS[method];
  if (!Number.isFinite(threshold))
    throw new Error(`threshold of column "${reference.name}" must be a finite number`);
  const psiBins = options.psiBins ?? DEFAULT_PSI_BINS;
  if (!(Number.isInteger(psiBins) && psiBins >= 2)) throw new Error('psiBins must be an integer >= 2');
  const isP = P_VALUE_METHODS.has(method);
  const rule = isP ? `drift when p < ${fmt(threshold)}` : `drift when score >= ${fmt(threshold)}`;
  const base = {
    name: reference.name,
    type: reference.kind,
    method,
    threshold,
    missing,
    ...(sides.kind === 'categorical' ? { newCategories: sides.newCategories } : {}),
  };
  const insufficient = (reason: string, convention: string): ColumnDriftResult => ({
    ...base,
    status: 'insufficient_data',
    statistic: null,
    pValue: null,
    drifted: false,
    convention,
    reason,
  });
  const reason = insufficiency(method, sides, distinct);
  if (reason !== null) return insufficient(reason, `${method}; not computed; ${rule}`);
  let outcome: Outcome;
  try {
    outcome = runMethod(method, sides, { ref: missingRef, cur: missingCur }, psiBins);
  } catch (error) {
    if (error instanceof InsufficientData)
      return insufficient(error.message, `${method}; not computed; ${rule}`);
    throw error;
  }
  const { statistic, pValue } = outcome;
  if (!Number.isFinite(statistic) || (pValue !== null && !Number.isFinite(pValue))) {
    return insufficient(`${method} is not finite for these data`, `${outcome.convention}; ${rule}`);
  }
  const drifted = isP ? pValue! < threshold : statistic >= threshold;
  return {
    ...base,
    status: 'ok',
    statistic,
    ...(outcome.distance !== undefined ? { distance: outcome.distance } : {}),
    pValue,
    drifted,
    convention: `${outcome.convention}; ${rule}`,
  };
}

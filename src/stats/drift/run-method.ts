/** Dispatch of a drift method on prepared column sides, with its convention statement. */
import type { DriftMethod } from '../types.js';
import { andersonKSample } from './anderson.js';
import { countRightClosedUnsorted, quantileEdgesUnsorted } from './binning.js';
import { chiSquareHomogeneity } from './chisquare.js';
import {
  type CategoricalSides,
  type NumericSides,
  numericHistogram,
  valuesAsCategories,
} from './column-sides.js';
import { cramerVonMises2Samp } from './cramer-von-mises.js';
import { NUMERIC_ONLY_METHODS } from './default-method.js';
import {
  PSI_EPSILON,
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  populationStabilityIndex,
} from './divergence.js';
import { ksTwoSampleSorted } from './ks.js';
import { mannWhitneyU } from './mann-whitney.js';
import { allFinite } from './sorted.js';
import { welchTTest } from './t-test.js';
import { WASSERSTEIN_NORM_FLOOR, energyDistance, normalizedWassersteinSorted } from './wasserstein.js';
import { twoProportionZTest } from './z-test.js';

/** Thrown by a method when the data cannot be tested; becomes status insufficient_data. */
export class InsufficientData extends Error {}

/** What a method computed, before the drift decision. */
export interface Outcome {
  statistic: number;
  pValue: number | null;
  distance?: number;
  convention: string;
}

export const fmt = (x: number): string => String(x);

/** Run one drift method on prepared sides. */
export function runMethod(
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
        convention: `PSI Σ (c−r)·ln(c/r) over ${bins} plus a bin for missing values; proportions of all rows; proportions below ${fmt(PSI_EPSILON)} (empty bins included) raised to ${fmt(PSI_EPSILON)}, not renormalised`,
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

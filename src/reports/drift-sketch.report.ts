import { invalidInput, WardenError } from '../core/errors.js';
import type { Table } from '../io/index.js';
import { kstwoSf } from '../stats/distributions/index.js';
import {
  DEFAULT_DRIFT_SHARE,
  DEFAULT_THRESHOLDS,
  P_VALUE_METHODS,
  compareCategoryCounts,
  compareColumn,
  defaultDriftMethod,
  populationStabilityIndex,
} from '../stats/drift/index.js';
import {
  ColumnProfile,
  binMasses,
  intervalsKs,
  intervalsWasserstein,
  profileIntervals,
  type ColumnSketchJSON,
} from '../stats/sketch/index.js';
import type { Column, ColumnDriftResult, DriftMethod } from '../stats/types.js';
import { comparedColumnNames, notNumeric, type DriftReport, type DriftRequest } from './drift.report.js';

/** Per-column note of a `--sketch` result: how far the statistic can be from the exact one. */
export interface SketchNote {
  /** True when the column was compared on exact counts (the result is the exact one). */
  exact: boolean;
  /** |statistic − exact statistic| is at most this (null when no bound is known). */
  errorBound: number | null;
}

/** `warden drift --sketch --json`: the report, each column with its `sketch` note, and the settings. */
export interface SketchDriftReport extends DriftReport {
  columns: (ColumnDriftResult & { sketch: SketchNote })[];
  sketch: { approximate: true; relativeAccuracy: number; categoryCap: number };
}

/** Methods computed from quantile sketches for numeric columns with many distinct values. */
const SKETCH_NUMERIC_METHODS: readonly DriftMethod[] = ['wasserstein', 'ks', 'psi'];
const FEW_DISTINCT_VALUES = 5;

/** Rebuilds a numeric column from exact counts (order does not matter to any drift method). */
function expandNumeric(sketch: ColumnSketchJSON): Column {
  const values = new Float64Array(sketch.rows);
  let k = 0;
  for (const [value, count] of sketch.exactValues!) values.fill(value, k, (k += count));
  const profile = sketch.numeric!;
  values.fill(Number.POSITIVE_INFINITY, k, (k += profile.positiveInfinity));
  values.fill(Number.NEGATIVE_INFINITY, k, (k += profile.negativeInfinity));
  values.fill(Number.NaN, k);
  return { kind: 'numeric', name: sketch.name, values };
}

/** A column's category counts; categories past the cap are pooled into one (counted, not told apart). */
function categoryCounts(sketch: ColumnSketchJSON): [string, number][] {
  return [...sketch.categories!, ['(other categories)', sketch.pooled]];
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The drift report of two tables read with `sketch` (one pass, bounded memory). Columns whose
 * values the sketches count exactly (categories up to the cap, numeric columns with at most
 * 256 distinct values) are compared exactly, through the same engine as without `--sketch`.
 * Numeric columns with more distinct values are compared on quantile sketches: `wasserstein`
 * and `ks` with a rigorous bound on the statistic's error, `psi` without one.
 */
export function buildSketchDriftReport(
  reference: Table,
  current: Table,
  request: DriftRequest,
  settings: { relativeAccuracy: number; categoryCap: number },
): SketchDriftReport {
  const refByName = new Map((reference.sketches ?? []).map((c) => [c.name, c]));
  const curByName = new Map((current.sketches ?? []).map((c) => [c.name, c]));
  const names = comparedColumnNames([...refByName.keys()], new Set(curByName.keys()), request);
  for (const name of names) {
    const ref = refByName.get(name)!;
    const cur = curByName.get(name)!;
    if (ref.kind === 'numeric' && cur.kind === 'categorical' && cur.firstNonNumeric)
      throw notNumeric(current, reference, name, cur.firstNonNumeric);
  }
  const columns: (ColumnDriftResult & { sketch: SketchNote })[] = [];
  const typeChanged: string[] = [];
  for (const name of names) {
    const ref = refByName.get(name)!;
    const cur = curByName.get(name)!;
    const asText = ref.kind !== cur.kind;
    if (asText) typeChanged.push(name);
    const method = request.methods[name];
    const threshold = request.thresholds[name];
    const options = {
      ...(method !== undefined ? { method } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    };
    const countedExactly =
      asText || ref.kind === 'categorical'
        ? ref.categories !== null && cur.categories !== null
        : ref.exactValues !== null && cur.exactValues !== null;
    if (countedExactly) {
      let result: ColumnDriftResult;
      try {
        // Categorical columns are compared on their counts: no cell is rebuilt.
        result =
          !asText && ref.kind === 'numeric'
            ? compareColumn(expandNumeric(ref), expandNumeric(cur), options)
            : compareCategoryCounts(
                name,
                categoryCounts(ref),
                categoryCounts(cur),
                { reference: ref.rows, current: cur.rows },
                options,
              );
      } catch (error) {
        if (error instanceof Error && !(error instanceof WardenError))
          throw invalidInput(error.message, '--column-method');
        throw error;
      }
      const pooled = ref.pooled + cur.pooled > 0;
      columns.push({
        ...result,
        ...(pooled
          ? {
              convention: `${result.convention}; categories past the first ${settings.categoryCap} of a file pooled into one`,
            }
          : {}),
        sketch: { exact: !pooled, errorBound: pooled ? null : 0 },
      });
      continue;
    }
    if (ref.categories === null || cur.categories === null) {
      if (asText || ref.kind === 'categorical')
        throw invalidInput(
          `column '${name}': its type changed after more than 1,000 distinct numbers; compare it without --sketch`,
          name,
        );
    }
    columns.push(numericFromSketches(name, ref, cur, method, threshold, settings.relativeAccuracy));
  }
  const driftShare = request.driftShare ?? DEFAULT_DRIFT_SHARE;
  const tested = columns.filter((r) => r.status === 'ok');
  const drifted = tested.filter((r) => r.drifted).length;
  const driftedShare = tested.length > 0 ? drifted / tested.length : 0;
  return {
    columns,
    driftedShare,
    datasetDrift: tested.length > 0 && driftedShare >= driftShare,
    rows: { reference: reference.rows, current: current.rows },
    driftShareThreshold: driftShare,
    schema: {
      onlyInReference: [...refByName.keys()].filter((n) => !curByName.has(n)),
      onlyInCurrent: [...curByName.keys()].filter((n) => !refByName.has(n)),
      typeChanged,
    },
    sketch: {
      approximate: true,
      relativeAccuracy: settings.relativeAccuracy,
      categoryCap: settings.categoryCap,
    },
  };
}

function numericFromSketches(
  name: string,
  ref: ColumnSketchJSON,
  cur: ColumnSketchJSON,
  requested: DriftMethod | undefined,
  requestedThreshold: number | undefined,
  alpha: number,
): ColumnDriftResult & { sketch: SketchNote } {
  const refProfile = ColumnProfile.fromJSON(ref.numeric!);
  const curProfile = ColumnProfile.fromJSON(cur.numeric!);
  const infinite = {
    reference: refProfile.positiveInfinity + refProfile.negativeInfinity,
    current: curProfile.positiveInfinity + curProfile.negativeInfinity,
  };
  const nr = refProfile.count - infinite.reference;
  const nc = curProfile.count - infinite.current;
  // More than 256 distinct values on one side: more than 5 in all.
  const method = requested ?? defaultDriftMethod('numeric', nr, FEW_DISTINCT_VALUES + 1);
  if (!SKETCH_NUMERIC_METHODS.includes(method))
    throw invalidInput(
      `column '${name}': --sketch computes ${SKETCH_NUMERIC_METHODS.join(', ')} for numeric columns with more than 256 distinct values, not ${method}; compare it without --sketch`,
      '--column-method',
    );
  const threshold = requestedThreshold ?? DEFAULT_THRESHOLDS[method];
  const isP = P_VALUE_METHODS.has(method);
  const rule = isP ? `drift when p < ${threshold}` : `drift when score >= ${threshold}`;
  const missing = {
    reference: refProfile.missing,
    current: curProfile.missing,
    referenceRate: ref.rows > 0 ? refProfile.missing / ref.rows : 0,
    currentRate: cur.rows > 0 ? curProfile.missing / cur.rows : 0,
  };
  const base = {
    name,
    type: 'numeric' as const,
    method,
    threshold,
    missing,
    ...(infinite.reference + infinite.current > 0 ? { infinite } : {}),
  };
  const sketchText = `estimated from quantile sketches (relative accuracy ${alpha} around each file's first value)`;
  const insufficient = (reason: string) => ({
    ...base,
    status: 'insufficient_data' as const,
    statistic: null,
    pValue: null,
    drifted: false,
    convention: `${method}; not computed; ${rule}`,
    reason,
    sketch: { exact: false, errorBound: null },
  });
  if (nr === 0) return insufficient('reference has no non-missing values');
  if (nc === 0) return insufficient('current has no non-missing values');
  if (nr < 2) return insufficient('reference has a single non-missing value');
  if (nc < 2) return insufficient('current has a single non-missing value');
  if (infinite.reference + infinite.current > 0)
    return insufficient('±Infinity values: --sketch does not separate them; compare without --sketch');
  const a = profileIntervals(refProfile, ref.shift);
  const b = profileIntervals(curProfile, cur.shift);
  let statistic: number;
  let pValue: number | null = null;
  let errorBound: number | null;
  let distance: number | undefined;
  let convention: string;
  if (method === 'wasserstein') {
    const w = intervalsWasserstein(a, b, refProfile.std);
    const norm = w.distance / w.normalized;
    statistic = w.normalized;
    distance = w.distance;
    errorBound = w.errorBound / norm;
    convention = `Wasserstein-1 distance divided by the reference's population standard deviation (floored at 0.001), ${sketchText}`;
  } else if (method === 'ks') {
    const k = intervalsKs(a, b);
    statistic = k.statistic;
    errorBound = Math.max(k.statistic - k.lower, k.upper - k.statistic);
    const big = Math.max(nr, nc);
    const small = Math.min(nr, nc);
    pValue = Math.min(1, Math.max(0, kstwoSf(statistic, roundHalfEven((big * small) / (big + small)))));
    convention = `two-sample KS statistic ${sketchText}, statistic within [${k.lower}, ${k.upper}]; asymptotic p-value kstwo.sf(D, round(n·m/(n+m)))`;
  } else {
    const edges: number[] = [];
    for (let i = 1; i < 10; i++) {
      const e = refProfile.quantiles!.quantile(i / 10) + ref.shift;
      if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
    }
    const edgeArray = Float64Array.from(edges);
    const withMissing = (x: Float64Array, m: number) => Float64Array.from([...x, m]);
    statistic = populationStabilityIndex(
      withMissing(binMasses(a, edgeArray), refProfile.missing),
      withMissing(binMasses(b, edgeArray), curProfile.missing),
    );
    errorBound = null;
    convention = `PSI over ${edges.length + 1} bins at the reference's sketched quantiles i/10 plus a bin for missing values, ${sketchText}; no error bound`;
  }
  const drifted = isP ? pValue! < threshold : statistic >= threshold;
  return {
    ...base,
    status: 'ok',
    statistic,
    ...(distance !== undefined ? { distance } : {}),
    pValue,
    drifted,
    convention: `${convention}; ${rule}`,
    sketch: { exact: false, errorBound },
  };
}

/** The text lines `--sketch` adds under the table: that the report is approximate, and each bound. */
export function renderSketchNotes(report: SketchDriftReport): string {
  const lines = [
    `Approximate (--sketch, relative accuracy ${report.sketch.relativeAccuracy}): statistics from one-pass sketches.`,
    ...report.columns.map((c) =>
      c.sketch.exact
        ? `  ${c.name}: exact (counted exactly)`
        : `  ${c.name}: statistic error bound ${c.sketch.errorBound === null ? 'unknown' : `±${c.sketch.errorBound.toPrecision(3)}`}`,
    ),
  ];
  return lines.join('\n') + '\n';
}

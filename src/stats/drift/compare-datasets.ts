import type { Column, ColumnDriftResult, DatasetDriftResult, DriftMethod } from '../types.js';
import { compareColumn } from './compare-column.js';

/** Options of {@link compareDatasets}. */
export interface CompareDatasetsOptions {
  /** Columns to compare (default: every reference column). */
  columns?: string[];
  /** Per-column method overrides, by column name. */
  methods?: Record<string, DriftMethod>;
  /** Per-column threshold overrides, by column name. */
  thresholds?: Record<string, number>;
  /** Share of drifted columns at which the dataset drifts (default 0.5, as Evidently). */
  driftShare?: number;
  /** Bins of numeric PSI (default 10). */
  psiBins?: number;
}

/** Dataset drifts when at least this share of the tested columns drift (Evidently's default). */
export const DEFAULT_DRIFT_SHARE = 0.5;

function byName(columns: Column[]): Map<string, Column> {
  const map = new Map<string, Column>();
  for (const c of columns) map.set(c.name, c);
  return map;
}

/**
 * Compare every column of a reference dataset with the current dataset, matching columns by
 * name. The drifted share is taken over the columns that could be tested (status 'ok');
 * columns with insufficient data are reported but neither drift nor dilute the share. The
 * dataset drifts when that share is >= `driftShare` (default 0.5) and at least one column was
 * tested.
 * @throws Error `column "x" missing from current data` (or `... from reference data`) when a
 *   requested or reference column has no counterpart.
 */
export function compareDatasets(
  reference: Column[],
  current: Column[],
  options: CompareDatasetsOptions = {},
): DatasetDriftResult {
  const refMap = byName(reference);
  const curMap = byName(current);
  const names = options.columns ?? reference.map((c) => c.name);
  if (options.columns === undefined) {
    for (const c of current) {
      if (!refMap.has(c.name)) throw new Error(`column "${c.name}" missing from reference data`);
    }
  }
  const results: ColumnDriftResult[] = [];
  for (const name of names) {
    const ref = refMap.get(name);
    const cur = curMap.get(name);
    if (ref === undefined) throw new Error(`column "${name}" missing from reference data`);
    if (cur === undefined) throw new Error(`column "${name}" missing from current data`);
    results.push(
      compareColumn(ref, cur, {
        ...(options.methods?.[name] !== undefined ? { method: options.methods[name] } : {}),
        ...(options.thresholds?.[name] !== undefined ? { threshold: options.thresholds[name] } : {}),
        ...(options.psiBins !== undefined ? { psiBins: options.psiBins } : {}),
      }),
    );
  }
  const tested = results.filter((r) => r.status === 'ok');
  const drifted = tested.filter((r) => r.drifted).length;
  const driftedShare = tested.length > 0 ? drifted / tested.length : 0;
  const rowCount = (cols: Column[]): number => cols.reduce((m, c) => Math.max(m, c.values.length), 0);
  return {
    columns: results,
    driftedShare,
    datasetDrift: tested.length > 0 && driftedShare >= (options.driftShare ?? DEFAULT_DRIFT_SHARE),
    rows: { reference: rowCount(reference), current: rowCount(current) },
  };
}

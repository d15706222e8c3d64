import { findNonNumericCell, loadSpilledColumn, type SpilledColumn, type Table } from '../io/index.js';
import { DEFAULT_DRIFT_SHARE } from '../stats/drift/index.js';
import type { ColumnDriftResult } from '../stats/types.js';
import { columnCharts, type ColumnChart } from './drift-report.render.js';
import {
  buildDriftReport,
  comparedColumnNames,
  notNumeric,
  type DriftReport,
  type DriftRequest,
} from './drift.report.js';

/**
 * Bytes a compared column costs per row of each file while it is tested: the values (8 bytes
 * a number, one reference a category), and for numbers the copies the tests make (missing
 * values left out, sorted, and the sort's scratch space).
 */
const BYTES_PER_ROW = { numeric: 32, categorical: 16 } as const;

/** Memory of a column pair while it is compared. */
export function columnPairBytes(reference: SpilledColumn, current: SpilledColumn): number {
  const kind = reference.kind === 'numeric' && current.kind === 'numeric' ? 'numeric' : 'categorical';
  return (reference.rows + current.rows) * BYTES_PER_ROW[kind];
}

/**
 * Splits the columns into consecutive groups whose pairs together cost at most `budget` bytes
 * (a column costing more than the budget goes alone).
 */
export function columnGroups(
  names: readonly string[],
  cost: (name: string) => number,
  budget: number,
): string[][] {
  const groups: string[][] = [];
  let group: string[] = [];
  let used = 0;
  for (const name of names) {
    const bytes = cost(name);
    if (group.length > 0 && used + bytes > budget) {
      groups.push(group);
      group = [];
      used = 0;
    }
    group.push(name);
    used += bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * The drift report of two tables read with `spillTo` (each column in a file of its own),
 * computed a group of columns at a time: each group is loaded, compared through
 * {@link buildDriftReport} and dropped before the next, so memory stays within about
 * `budget` bytes of column data whatever the row count. The report is the one
 * {@link buildDriftReport} gives for the whole tables, byte for byte: the same checks in the
 * same order (a current cell that is not a number in a column numeric in the reference is
 * found before any column is tested), the same per-column results, the same totals.
 */
export function buildDriftReportInGroups(
  reference: Table,
  current: Table,
  request: DriftRequest,
  options: { budget: number; charts: boolean },
): { report: DriftReport; charts: ColumnChart[]; groups: number } {
  const refByName = new Map((reference.spilled ?? []).map((c) => [c.name, c]));
  const curByName = new Map((current.spilled ?? []).map((c) => [c.name, c]));
  const names = comparedColumnNames([...refByName.keys()], new Set(curByName.keys()), request);
  for (const name of names) {
    const ref = refByName.get(name)!;
    const cur = curByName.get(name)!;
    if (ref.kind === 'numeric' && cur.kind === 'categorical') {
      const values = loadSpilledColumn(cur).values as readonly (string | null)[];
      const cell = findNonNumericCell(values);
      if (cell) throw notNumeric(current, reference, name, cell);
    }
  }
  const groups = columnGroups(
    names,
    (name) => columnPairBytes(refByName.get(name)!, curByName.get(name)!),
    options.budget,
  );
  const columns: ColumnDriftResult[] = [];
  const typeChanged: string[] = [];
  const charts: ColumnChart[] = [];
  const driftShare = request.driftShare ?? DEFAULT_DRIFT_SHARE;
  const only = <T>(map: Readonly<Record<string, T>>, group: readonly string[]): Record<string, T> =>
    Object.fromEntries(Object.entries(map).filter(([name]) => group.includes(name)));
  for (const group of groups) {
    const load = (table: Table, byName: Map<string, SpilledColumn>): Table => ({
      path: table.path,
      format: table.format,
      rows: table.rows,
      columns: group.map((name) => loadSpilledColumn(byName.get(name)!)),
    });
    const { report, compared } = buildDriftReport(load(reference, refByName), load(current, curByName), {
      columns: group,
      methods: only(request.methods, group),
      thresholds: only(request.thresholds, group),
      driftShare,
    });
    columns.push(...report.columns);
    typeChanged.push(...report.schema.typeChanged);
    if (options.charts) charts.push(...columnCharts(compared));
  }
  // As the drift engine totals a whole dataset.
  const tested = columns.filter((r) => r.status === 'ok');
  const drifted = tested.filter((r) => r.drifted).length;
  const driftedShare = tested.length > 0 ? drifted / tested.length : 0;
  const report: DriftReport = {
    columns,
    driftedShare,
    datasetDrift: tested.length > 0 && driftedShare >= driftShare,
    rows: { reference: reference.rows, current: current.rows },
    driftShareThreshold: driftShare,
    schema: {
      onlyInReference: [...refByName.keys()].filter((name) => !curByName.has(name)),
      onlyInCurrent: [...curByName.keys()].filter((name) => !refByName.has(name)),
      typeChanged,
    },
  };
  return { report, charts, groups: groups.length };
}

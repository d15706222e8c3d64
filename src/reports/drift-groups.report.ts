import { WardenError, invalidInput } from '../core/errors.js';
import {
  countSpilledCategories,
  findNonNumericCell,
  loadSpilledColumn,
  type SpilledColumn,
  type Table,
} from '../io/index.js';
import { DEFAULT_DRIFT_SHARE, compareCategoryCounts } from '../stats/drift/index.js';
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

/** What each column group is compared with: the two spilled tables and the request. */
export interface SpilledComparison {
  /** The two tables' path, format and rows (their columns are spilled, listed in `spilled`). */
  readonly reference: Table;
  readonly current: Table;
  readonly request: DriftRequest & { readonly driftShare: number };
  readonly groups: readonly (readonly string[])[];
}

/** The results of one group of columns, in the group's order. */
export interface GroupResult {
  readonly columns: ColumnDriftResult[];
  readonly typeChanged: string[];
  readonly charts: ColumnChart[];
}

const pick = <T>(map: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> =>
  Object.fromEntries(Object.entries(map).filter(([name]) => names.includes(name)));

/**
 * Compares one group of columns, loading one column pair at a time: numbers without their
 * texts (only a column compared as categories needs them), categories as counts; a column
 * whose type changed, and every column when charts are drawn, loaded whole. Each result is the
 * one {@link buildDriftReport} gives for that column.
 */
export function compareColumnGroup(
  comparison: SpilledComparison,
  group: readonly string[],
  options: { charts: boolean },
): GroupResult {
  const { reference, current, request } = comparison;
  const spilledColumn = (table: Table, name: string): SpilledColumn =>
    table.spilled!.find((column) => column.name === name)!;
  const columns: ColumnDriftResult[] = [];
  const typeChanged: string[] = [];
  const charts: ColumnChart[] = [];
  for (const name of group) {
    const ref = spilledColumn(reference, name);
    const cur = spilledColumn(current, name);
    const columnRequest = {
      columns: [name],
      methods: pick(request.methods, [name]),
      thresholds: pick(request.thresholds, [name]),
      driftShare: request.driftShare,
    };
    if (!options.charts && ref.kind === 'categorical' && cur.kind === 'categorical') {
      columns.push(compareCategoricalCounts(ref, cur, columnRequest));
      continue;
    }
    const numbersOnly = !options.charts && ref.kind === 'numeric' && cur.kind === 'numeric';
    const load = (table: Table, column: SpilledColumn): Table => ({
      path: table.path,
      format: table.format,
      rows: table.rows,
      columns: [loadSpilledColumn(column, { numberTexts: !numbersOnly })],
    });
    const { report, compared } = buildDriftReport(load(reference, ref), load(current, cur), columnRequest);
    columns.push(...report.columns);
    typeChanged.push(...report.schema.typeChanged);
    if (options.charts) charts.push(...columnCharts(compared));
  }
  return { columns, typeChanged, charts };
}

/** A categorical column pair compared on its category counts, as {@link buildDriftReport} compares its cells. */
function compareCategoricalCounts(
  reference: SpilledColumn,
  current: SpilledColumn,
  request: DriftRequest,
): ColumnDriftResult {
  const name = reference.name;
  try {
    return compareCategoryCounts(
      name,
      countSpilledCategories(reference),
      countSpilledCategories(current),
      { reference: reference.rows, current: current.rows },
      {
        ...(request.methods[name] !== undefined ? { method: request.methods[name] } : {}),
        ...(request.thresholds[name] !== undefined ? { threshold: request.thresholds[name] } : {}),
      },
    );
  } catch (error) {
    // As buildDriftReport: what the engine rejects here is a method that does not apply.
    if (error instanceof Error && !(error instanceof WardenError))
      throw invalidInput(error.message, '--column-method');
    throw error;
  }
}

/**
 * The checks made before any column is tested, and the column groups: a current cell that is
 * not a number in a column numeric in the reference is an error naming its row.
 */
export function planSpilledComparison(
  reference: Table,
  current: Table,
  request: DriftRequest,
  budget: number,
): SpilledComparison {
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
    budget,
  );
  return {
    reference,
    current,
    request: { ...request, driftShare: request.driftShare ?? DEFAULT_DRIFT_SHARE },
    groups,
  };
}

/** The whole report from every group's results, as the drift engine totals a whole dataset. */
export function assembleGroupResults(
  comparison: SpilledComparison,
  results: readonly GroupResult[],
): { report: DriftReport; charts: ColumnChart[]; groups: number } {
  const { reference, current } = comparison;
  const columns = results.flatMap((result) => result.columns);
  const refNames = (reference.spilled ?? []).map((c) => c.name);
  const curNames = (current.spilled ?? []).map((c) => c.name);
  const tested = columns.filter((r) => r.status === 'ok');
  const drifted = tested.filter((r) => r.drifted).length;
  const driftedShare = tested.length > 0 ? drifted / tested.length : 0;
  const driftShare = comparison.request.driftShare;
  const report: DriftReport = {
    columns,
    driftedShare,
    datasetDrift: tested.length > 0 && driftedShare >= driftShare,
    rows: { reference: reference.rows, current: current.rows },
    driftShareThreshold: driftShare,
    schema: {
      onlyInReference: refNames.filter((name) => !curNames.includes(name)),
      onlyInCurrent: curNames.filter((name) => !refNames.includes(name)),
      typeChanged: results.flatMap((result) => result.typeChanged),
    },
  };
  return { report, charts: results.flatMap((result) => result.charts), groups: results.length };
}

/**
 * The drift report of two tables read with `spillTo` (each column in a file of its own),
 * computed a group of columns at a time, one column pair in memory at a time, so memory stays
 * within about `budget` bytes of column data whatever the row count. The report is the one
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
  const comparison = planSpilledComparison(reference, current, request, options.budget);
  return assembleGroupResults(
    comparison,
    comparison.groups.map((group) => compareColumnGroup(comparison, group, options)),
  );
}

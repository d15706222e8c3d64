import { basename } from 'node:path';
import { WardenError, invalidInput } from '../core/errors.js';
import { findNonNumericCell, type Table } from '../io/index.js';
import { DEFAULT_DRIFT_SHARE, DEFAULT_THRESHOLDS, compareDatasets } from '../stats/drift/index.js';
import type { CategoricalColumn, Column, DatasetDriftResult, DriftMethod } from '../stats/types.js';

/** What `warden drift` was asked to compare. */
export interface DriftRequest {
  /** Columns to compare; default: every column present in both files. */
  readonly columns?: readonly string[];
  readonly methods: Readonly<Record<string, DriftMethod>>;
  readonly thresholds: Readonly<Record<string, number>>;
  readonly driftShare?: number;
}

/** The JSON printed by `warden drift --json` (stable; fields are only ever added). */
export interface DriftReport extends DatasetDriftResult {
  /** Share of drifted columns at which the dataset is said to drift. */
  driftShareThreshold: number;
  /** Columns not compared because only one file has them, and columns compared as categorical because they are text in the reference and numbers in the current file. */
  schema: { onlyInReference: string[]; onlyInCurrent: string[]; typeChanged: string[] };
}

/** The compared columns, side by side, kept for charts. */
export interface ComparedColumns {
  readonly reference: Column[];
  readonly current: Column[];
}

/** Every drift method name the engine knows. */
export const DRIFT_METHODS = Object.keys(DEFAULT_THRESHOLDS) as DriftMethod[];

const MAX_SHOWN_VALUE = 40;

/**
 * Compares two tables column by column through the drift engine. Columns present in only one
 * file are listed, not compared. The reference decides a column's type: a column numeric there
 * must be numeric in the current file (a text value is an error naming its row); a column of
 * text in the reference and numbers in the current file is compared as categorical (its
 * numbers read as text) and listed under `schema.typeChanged`.
 */
export function buildDriftReport(
  reference: Table,
  current: Table,
  request: DriftRequest,
): { report: DriftReport; compared: ComparedColumns } {
  const refByName = new Map(reference.columns.map((c) => [c.name, c]));
  const curByName = new Map(current.columns.map((c) => [c.name, c]));
  const names = comparedColumnNames(
    reference.columns.map((c) => c.name),
    new Set(curByName.keys()),
    request,
  );
  const typeChanged: string[] = [];
  const compared: { reference: Column[]; current: Column[] } = { reference: [], current: [] };
  for (const name of names) {
    let ref = refByName.get(name)!;
    let cur = curByName.get(name)!;
    if (ref.kind !== cur.kind) {
      if (ref.kind === 'numeric' && cur.kind === 'categorical') {
        const cell = findNonNumericCell(cur.values);
        if (cell) throw notNumeric(current, reference, name, cell);
      }
      typeChanged.push(name);
      ref = asCategorical(ref);
      cur = asCategorical(cur);
    }
    compared.reference.push(ref);
    compared.current.push(cur);
  }
  const driftShare = request.driftShare ?? DEFAULT_DRIFT_SHARE;
  let result: DatasetDriftResult;
  try {
    result = compareDatasets(compared.reference, compared.current, {
      columns: names,
      methods: { ...request.methods },
      thresholds: { ...request.thresholds },
      driftShare,
    });
  } catch (error) {
    // Columns and types are checked above, so what the engine still rejects is a method that
    // does not apply to the column's type.
    if (error instanceof Error && !(error instanceof WardenError))
      throw invalidInput(error.message, '--column-method');
    throw error;
  }
  const report: DriftReport = {
    ...result,
    rows: { reference: reference.rows, current: current.rows },
    driftShareThreshold: driftShare,
    schema: {
      onlyInReference: reference.columns.map((c) => c.name).filter((name) => !curByName.has(name)),
      onlyInCurrent: current.columns.map((c) => c.name).filter((name) => !refByName.has(name)),
      typeChanged,
    },
  };
  return { report, compared };
}

/**
 * The columns to compare (the requested ones, or every reference column the current file also
 * has), after checking that `--column-method` and `--threshold` name only those.
 */
export function comparedColumnNames(
  referenceNames: readonly string[],
  currentNames: ReadonlySet<string>,
  request: DriftRequest,
): string[] {
  const names = request.columns
    ? [...request.columns]
    : referenceNames.filter((name) => currentNames.has(name));
  if (names.length === 0) throw invalidInput('the two files have no column in common', '--columns');
  for (const [option, map] of [
    ['--column-method', request.methods],
    ['--threshold', request.thresholds],
  ] as const) {
    for (const name of Object.keys(map)) {
      if (!names.includes(name))
        throw invalidInput(`${option} names column '${name}', which is not compared`, option);
    }
  }
  return names;
}

/** The error for a column numeric in the reference whose current cell `cell` is not a number. */
export function notNumeric(
  current: Table,
  reference: Table,
  column: string,
  cell: { row: number; value: string },
): WardenError {
  const shown = cell.value.length > MAX_SHOWN_VALUE ? `${cell.value.slice(0, MAX_SHOWN_VALUE)}…` : cell.value;
  return invalidInput(
    `${basename(current.path)}: column '${column}' must be numeric, as in ${basename(reference.path)}, but data row ${cell.row} has '${shown}'`,
    column,
  );
}

function asCategorical(column: Column): CategoricalColumn {
  if (column.kind === 'categorical') return column;
  return {
    kind: 'categorical',
    name: column.name,
    // Cells keep the text the file wrote ("007"), as if the column had been text all along.
    values: Array.from(column.values, (v, i) =>
      Number.isNaN(v) ? null : (column.texts?.get(i) ?? String(v)),
    ),
  };
}

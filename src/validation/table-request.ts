import { invalidInput } from '../core/errors.js';
import type { Table } from '../io/index.js';
import type { Column } from '../stats/types.js';

type Cell = number | string | boolean | null;

/** Which columns of a table play which part in a validation run. */
export interface TableMapping {
  label: string;
  score?: string | undefined;
  prediction?: string | undefined;
  segment?: readonly string[] | undefined;
  sensitive?: readonly string[] | undefined;
  /** Feature columns; all columns not named above when omitted. */
  feature?: readonly string[] | undefined;
  championScore?: string | undefined;
  championPrediction?: string | undefined;
}

const cellOf = (column: Column, i: number): Cell => {
  if (column.kind === 'numeric') {
    const v = column.values[i]!;
    return Number.isNaN(v) ? null : v;
  }
  return column.values[i] ?? null;
};

function labelOf(v: Cell): Cell {
  if (v === 1 || v === 0 || v === '1' || v === '0') return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return v; // left as is: the request schema names the record if it is not binary
}

/**
 * Builds the `records` (and `champion`) of a validation request from a table. Missing numbers
 * become null, which the request schema then refuses where a value is required, naming the record.
 */
export function tableToValidationRecords(
  table: Table,
  m: TableMapping,
  flag: (name: keyof TableMapping) => string = (name) => name,
): {
  records: Array<Record<string, unknown>>;
  champion?: Record<string, unknown[]>;
  featureColumns: string[];
} {
  if (!m.score && !m.prediction)
    throw invalidInput('name a score column or a prediction column (or both)', flag('score'));
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const need = (name: string, key: keyof TableMapping): Column => {
    const column = byName.get(name);
    if (!column)
      throw invalidInput(
        `${flag(key)}: column "${name}" is not in ${table.path} (columns: ${[...byName.keys()].join(', ')})`,
        flag(key),
      );
    return column;
  };
  const label = need(m.label, 'label');
  const score = m.score ? need(m.score, 'score') : undefined;
  const prediction = m.prediction ? need(m.prediction, 'prediction') : undefined;
  const segments = (m.segment ?? []).map((s) => need(s, 'segment'));
  const sensitive = (m.sensitive ?? []).map((s) => need(s, 'sensitive'));
  const championScore = m.championScore ? need(m.championScore, 'championScore') : undefined;
  const championPrediction = m.championPrediction
    ? need(m.championPrediction, 'championPrediction')
    : undefined;
  const reserved = new Set([m.label, m.score, m.prediction, m.championScore, m.championPrediction]);
  const features = m.feature?.length
    ? m.feature.map((f) => need(f, 'feature'))
    : table.columns.filter((c) => !reserved.has(c.name));

  const records: Array<Record<string, unknown>> = [];
  for (let i = 0; i < table.rows; i++) {
    const record: Record<string, unknown> = { label: labelOf(cellOf(label, i)) };
    if (score) record.score = cellOf(score, i);
    if (prediction) record.prediction = labelOf(cellOf(prediction, i));
    if (segments.length) record.segment = Object.fromEntries(segments.map((c) => [c.name, cellOf(c, i)]));
    if (sensitive.length) record.sensitive = Object.fromEntries(sensitive.map((c) => [c.name, cellOf(c, i)]));
    if (features.length) record.features = Object.fromEntries(features.map((c) => [c.name, cellOf(c, i)]));
    records.push(record);
  }
  const out: ReturnType<typeof tableToValidationRecords> = {
    records,
    featureColumns: features.map((f) => f.name),
  };
  if (championScore || championPrediction) {
    const champion: Record<string, unknown[]> = {};
    if (championScore)
      champion.scores = Array.from({ length: table.rows }, (_, i) => cellOf(championScore, i));
    if (championPrediction)
      champion.predictions = Array.from({ length: table.rows }, (_, i) =>
        labelOf(cellOf(championPrediction, i)),
      );
    out.champion = champion;
  }
  return out;
}

/** Feature rows of a reference table, restricted to `columns`. */
export function tableToReferenceRows(table: Table, columns: readonly string[]): Array<Record<string, Cell>> {
  const wanted = new Set(columns);
  const kept = table.columns.filter((c) => wanted.has(c.name));
  return Array.from({ length: table.rows }, (_, i) =>
    Object.fromEntries(kept.map((c) => [c.name, cellOf(c, i)])),
  );
}

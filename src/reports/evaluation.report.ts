import { invalidInput } from '../core/errors.js';
import type { Table } from '../io/index.js';
import {
  evaluateBinary,
  evaluateBinaryPredictions,
  evaluateFairness,
  evaluateMulticlass,
  evaluateRegression,
} from '../stats/metrics/index.js';
import type { Column } from '../stats/types.js';

/** What `warden evaluate` was asked to compute. */
export interface EvaluationRequest {
  readonly label: string;
  /** Positive-class probability column (binary classification). */
  readonly score?: string;
  /** Hard prediction column (classification) or predicted value (regression). */
  readonly prediction?: string;
  readonly threshold: number;
  readonly task: 'classification' | 'regression';
  readonly segment?: string;
  readonly sensitive?: string;
}

/** Classification metrics; score-based ones are null when only hard predictions were given. */
export interface ClassificationMetricsJson {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number | null;
  prAuc: number | null;
  logLoss: number | null;
  brier: number | null;
  ece: number | null;
}

export interface RegressionMetricsJson {
  mae: number;
  rmse: number;
  mape: number;
  r2: number | null;
}

export type MetricsJson = ClassificationMetricsJson | RegressionMetricsJson;

export interface FairnessGroupJson {
  n: number;
  selectionRate: number;
  tpr: number | null;
  fpr: number | null;
  brier: number | null;
}

export interface FairnessJson {
  column: string;
  groups: Record<string, FairnessGroupJson>;
  demographicParityDifference: number;
  demographicParityRatio: number | null;
  fourFifthsRulePassed: boolean | null;
  equalOpportunityDifference: number | null;
  falsePositiveRateDifference: number | null;
  equalizedOddsDifference: number | null;
}

/** The JSON printed by `warden evaluate --json` (stable; fields are only ever added). */
export interface EvaluationReport {
  task: 'classification' | 'regression';
  /** `binary` (scores or 0/1 predictions), `multiclass` (macro averages) or `regression`. */
  kind: 'binary' | 'multiclass' | 'regression';
  n: number;
  /** Rows left out because the label or the score/prediction was missing. */
  excluded: number;
  threshold?: number;
  positives?: number;
  confusion?: { tp: number; fp: number; tn: number; fn: number };
  classes?: string[];
  /** Multiclass only: row i counts the rows of true class `classes[i]`, column j those predicted `classes[j]`. */
  confusionMatrix?: number[][];
  /** Multiclass only: precision, recall and F1 averaged over classes weighted by support (`metrics` holds the macro averages). */
  weighted?: { precision: number; recall: number; f1: number };
  metrics: MetricsJson;
  segments?: Record<string, { n: number; metrics: MetricsJson }>;
  segmentColumn?: string;
  fairness?: FairnessJson;
}

/** The evaluated rows as arrays, kept for charts. */
export interface EvaluatedData {
  readonly labels?: Uint8Array;
  readonly scores?: Float64Array;
  /** Regression: the target and the prediction of each evaluated row. */
  readonly actual?: Float64Array;
  readonly predicted?: Float64Array;
}

const MISSING_GROUP = '(missing)';

/**
 * Turns a table into an evaluation report: checks and converts the columns (first bad row
 * named), leaves out rows whose label or score/prediction is missing, and calls the metrics
 * engine overall, per segment and per sensitive group.
 */
export function buildEvaluation(
  table: Table,
  request: EvaluationRequest,
): { report: EvaluationReport; data: EvaluatedData } {
  const file = table.path.split('/').pop() ?? table.path;
  const column = (name: string) => table.columns.find((c) => c.name === name)!;
  const labelColumn = column(request.label);
  const outputName = request.score ?? request.prediction!;
  const outputColumn = column(outputName);
  const keep: number[] = [];
  for (let i = 0; i < table.rows; i++) {
    if (!isMissing(labelColumn, i) && !isMissing(outputColumn, i)) keep.push(i);
  }
  if (keep.length === 0) {
    throw invalidInput(`${file}: no row has both '${request.label}' and '${outputName}'`, request.label);
  }
  const segmentOf = groupReader(table, request.segment);
  const groupOf = groupReader(table, request.sensitive);
  const base = { task: request.task, n: keep.length, excluded: table.rows - keep.length };

  if (request.task === 'regression') {
    if (request.sensitive) throw invalidInput('--sensitive needs a classification task', '--sensitive');
    const target = finiteValues(file, labelColumn, keep);
    const predicted = finiteValues(file, outputColumn, keep);
    const report: EvaluationReport = {
      ...base,
      kind: 'regression',
      metrics: regressionJson(target, predicted),
    };
    if (segmentOf) {
      report.segmentColumn = request.segment!;
      report.segments = bySegment(keep, segmentOf, (rows) =>
        regressionJson(
          rows.map((k) => target[k]!),
          rows.map((k) => predicted[k]!),
        ),
      );
    }
    return { report, data: { actual: target, predicted } };
  }

  const binaryLabels = request.score !== undefined || isBinaryColumn(labelColumn, keep);
  if (!binaryLabels) {
    if (request.sensitive)
      throw invalidInput(`${file}: --sensitive needs binary labels (0/1 or true/false)`, '--sensitive');
    const labels = keep.map((i) => textValue(labelColumn, i));
    const predictions = keep.map((i) => textValue(outputColumn, i));
    const overall = evaluateMulticlass(labels, predictions);
    const report: EvaluationReport = {
      ...base,
      kind: 'multiclass',
      classes: overall.labels,
      confusionMatrix: overall.confusion,
      weighted: { ...overall.weighted },
      metrics: multiclassJson(labels, predictions),
    };
    if (segmentOf) {
      report.segmentColumn = request.segment!;
      report.segments = bySegment(keep, segmentOf, (rows) =>
        multiclassJson(
          rows.map((k) => labels[k]!),
          rows.map((k) => predictions[k]!),
        ),
      );
    }
    return { report, data: {} };
  }

  const labels = binaryValues(file, labelColumn, keep, 'for a binary task');
  let scores: Float64Array | undefined;
  let predictions: Uint8Array;
  if (request.score !== undefined) {
    scores = probabilityValues(file, outputColumn, keep);
    predictions = new Uint8Array(scores.length);
    for (let k = 0; k < scores.length; k++) predictions[k] = scores[k]! >= request.threshold ? 1 : 0;
  } else {
    predictions = binaryValues(
      file,
      outputColumn,
      keep,
      'as binary labels are (use --score for probabilities)',
    );
  }
  const evaluate = (rows: number[] | null) => {
    const l = rows === null ? labels : Uint8Array.from(rows, (k) => labels[k]!);
    if (scores)
      return binaryScoreResult(
        l,
        rows === null ? scores : Float64Array.from(rows, (k) => scores[k]!),
        request.threshold,
      );
    return binaryPredictionResult(
      l,
      rows === null ? predictions : Uint8Array.from(rows, (k) => predictions[k]!),
    );
  };
  const overall = evaluate(null);
  const report: EvaluationReport = {
    ...base,
    kind: 'binary',
    ...(scores ? { threshold: request.threshold } : {}),
    positives: overall.positives,
    confusion: overall.confusion,
    metrics: overall.metrics,
  };
  if (segmentOf) {
    report.segmentColumn = request.segment!;
    report.segments = bySegment(keep, segmentOf, (rows) => evaluate(rows).metrics);
  }
  if (groupOf) {
    const groups = keep.map((i) => groupOf(i));
    const fairness = evaluateFairness(labels, predictions, groups, scores);
    report.fairness = {
      column: request.sensitive!,
      groups: Object.fromEntries(
        Object.entries(fairness.groups)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, g]) => [
            name,
            { n: g.n, selectionRate: g.selectionRate, tpr: g.tpr, fpr: g.fpr, brier: g.brier ?? null },
          ]),
      ),
      demographicParityDifference: fairness.demographicParityDifference,
      demographicParityRatio: fairness.demographicParityRatio,
      fourFifthsRulePassed: fairness.fourFifthsRulePassed,
      equalOpportunityDifference: fairness.equalOpportunityDifference,
      falsePositiveRateDifference: fairness.falsePositiveRateDifference,
      equalizedOddsDifference: fairness.equalizedOddsDifference,
    };
  }
  return { report, data: { labels, ...(scores ? { scores } : {}) } };
}

function binaryScoreResult(labels: Uint8Array, scores: Float64Array, threshold: number) {
  const m = evaluateBinary(labels, scores, { threshold });
  const metrics: ClassificationMetricsJson = {
    accuracy: m.accuracy,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    rocAuc: m.rocAuc,
    prAuc: m.prAuc,
    logLoss: m.logLoss,
    brier: m.brier,
    ece: m.ece,
  };
  return { positives: m.positives, confusion: m.confusion, metrics };
}

function binaryPredictionResult(labels: Uint8Array, predictions: Uint8Array) {
  const m = evaluateBinaryPredictions(labels, predictions);
  const metrics: ClassificationMetricsJson = {
    accuracy: m.accuracy,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    rocAuc: null,
    prAuc: null,
    logLoss: null,
    brier: null,
    ece: null,
  };
  return { positives: m.positives, confusion: m.confusion, metrics };
}

function multiclassJson(labels: string[], predictions: string[]): ClassificationMetricsJson {
  const m = evaluateMulticlass(labels, predictions);
  return {
    accuracy: m.accuracy,
    precision: m.macro.precision,
    recall: m.macro.recall,
    f1: m.macro.f1,
    rocAuc: null,
    prAuc: null,
    logLoss: null,
    brier: null,
    ece: null,
  };
}

function regressionJson(target: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetricsJson {
  const m = evaluateRegression(Float64Array.from(target), Float64Array.from(predicted));
  return { mae: m.mae, rmse: m.rmse, mape: m.mape, r2: m.r2 };
}

/** Metrics per segment value (sorted), over positions into the kept rows. */
function bySegment<M>(keep: number[], segmentOf: (row: number) => string, compute: (rows: number[]) => M) {
  const positions = new Map<string, number[]>();
  keep.forEach((row, k) => {
    const key = segmentOf(row);
    const list = positions.get(key);
    if (list) list.push(k);
    else positions.set(key, [k]);
  });
  return Object.fromEntries(
    [...positions.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, rows]) => [key, { n: rows.length, metrics: compute(rows) }]),
  );
}

function groupReader(table: Table, name: string | undefined): ((row: number) => string) | null {
  if (name === undefined) return null;
  const column = table.columns.find((c) => c.name === name)!;
  return (row) => (isMissing(column, row) ? MISSING_GROUP : textValue(column, row));
}

function isMissing(column: Column, row: number): boolean {
  if (column.kind === 'numeric') return Number.isNaN(column.values[row]);
  return column.values[row] === null;
}

function textValue(column: Column, row: number): string {
  return column.kind === 'numeric' ? String(column.values[row]) : column.values[row]!;
}

/** 0 or 1 for 0/1 numbers and 0/1/true/false texts (any case); undefined otherwise. */
function binaryValue(column: Column, row: number): 0 | 1 | undefined {
  if (column.kind === 'numeric') {
    const v = column.values[row];
    return v === 0 ? 0 : v === 1 ? 1 : undefined;
  }
  switch (column.values[row]?.toLowerCase()) {
    case '0':
    case 'false':
      return 0;
    case '1':
    case 'true':
      return 1;
    default:
      return undefined;
  }
}

function isBinaryColumn(column: Column, keep: number[]): boolean {
  return keep.every((row) => binaryValue(column, row) !== undefined);
}

function binaryValues(file: string, column: Column, keep: number[], why: string): Uint8Array {
  const values = new Uint8Array(keep.length);
  keep.forEach((row, k) => {
    const value = binaryValue(column, row);
    if (value === undefined) {
      throw invalidInput(
        `${file}: column '${column.name}' must be binary (0/1 or true/false) ${why}, but data row ${row + 1} has '${textValue(column, row)}'`,
        column.name,
      );
    }
    values[k] = value;
  });
  return values;
}

function probabilityValues(file: string, column: Column, keep: number[]): Float64Array {
  if (column.kind !== 'numeric') throw new Error(`column '${column.name}' was not read as numeric`);
  const values = Float64Array.from(keep, (row) => column.values[row]!);
  values.forEach((value, k) => {
    if (!(value >= 0 && value <= 1)) {
      throw invalidInput(
        `${file}: column '${column.name}' must hold probabilities in [0, 1], but data row ${keep[k]! + 1} has ${String(value)}`,
        column.name,
      );
    }
  });
  return values;
}

function finiteValues(file: string, column: Column, keep: number[]): Float64Array {
  if (column.kind !== 'numeric') throw new Error(`column '${column.name}' was not read as numeric`);
  const values = Float64Array.from(keep, (row) => column.values[row]!);
  values.forEach((value, k) => {
    if (!Number.isFinite(value)) {
      throw invalidInput(
        `${file}: column '${column.name}' must be finite, but data row ${keep[k]! + 1} has ${String(value)}`,
        column.name,
      );
    }
  });
  return values;
}

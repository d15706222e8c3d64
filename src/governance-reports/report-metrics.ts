import type { PerformanceTotals } from './report.facts.js';

/** Classification metrics from exact counts; null where the denominator is zero. */
export function metricsOf(t: PerformanceTotals): Record<string, number | null> {
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  const precision = ratio(t.tp, t.tp + t.fp);
  const recall = ratio(t.tp, t.tp + t.fn);
  return {
    accuracy: ratio(t.correct, t.labelled),
    precision,
    recall,
    f1:
      precision !== null && recall !== null && precision + recall > 0
        ? (2 * precision * recall) / (precision + recall)
        : null,
    brier: ratio(t.brierSum, t.brierN),
    errorRate: ratio(t.errors, t.records),
  };
}

/**
 * Per-class figures of a binary classifier from its confusion counts: support (true count),
 * predicted count, precision, recall and F1 of each class.
 */
export function perClass(t: PerformanceTotals): Array<{
  cls: string;
  support: number;
  predicted: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}> {
  const row = (cls: string, tp: number, fp: number, fn: number) => {
    const precision = tp + fp > 0 ? tp / (tp + fp) : null;
    const recall = tp + fn > 0 ? tp / (tp + fn) : null;
    const f1 =
      precision !== null && recall !== null && precision + recall > 0
        ? (2 * precision * recall) / (precision + recall)
        : null;
    return { cls, support: tp + fn, predicted: tp + fp, precision, recall, f1 };
  };
  return [row('1 (positive)', t.tp, t.fp, t.fn), row('0 (negative)', t.tn, t.fn, t.fp)];
}

/** Minutes between two ISO times, or null when the second is absent. */
export function minutesBetween(from: string, to: string | null): number | null {
  return to === null ? null : Math.round((Date.parse(to) - Date.parse(from)) / 60_000);
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

import { checkNonEmpty, checkSameLength } from './input-checks.js';

/** Precision, recall and F1 of one class, one-vs-rest. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of rows whose true label is this class. */
  support: number;
}

/** An averaged precision/recall/F1 triple. */
export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
}

export interface MulticlassMetrics {
  n: number;
  /** Class order of `perClass` and of the confusion matrix's rows and columns. */
  labels: string[];
  accuracy: number;
  /** Unweighted mean over classes of the per-class values (F1 is the mean of per-class F1s). */
  macro: AveragedMetrics;
  /** Mean over classes weighted by support. */
  weighted: AveragedMetrics;
  perClass: ClassMetrics[];
  /** confusion[i][j]: rows whose true label is labels[i] and predicted label is labels[j]. */
  confusion: number[][];
}

export interface EvaluateMulticlassOptions {
  /**
   * Class order. Default: every label seen in either input, sorted by UTF-16 code units
   * (scikit-learn's `unique_labels` order for ASCII labels). Rows with labels outside an
   * explicit list are rejected.
   */
  labels?: readonly string[];
}

/**
 * Evaluates a multiclass classifier from string labels, as scikit-learn's
 * `precision_recall_fscore_support` with average None / "macro" / "weighted". Every class in
 * the label order counts toward the macro average, including one that is only ever predicted
 * (its recall is 0). Zero-division returns 0, scikit-learn's default.
 */
export function evaluateMulticlass(
  labels: readonly string[],
  predictions: readonly string[],
  options: EvaluateMulticlassOptions = {},
): MulticlassMetrics {
  const fn = 'evaluateMulticlass';
  checkSameLength(fn, labels, 'labels', predictions, 'predictions');
  checkNonEmpty(fn, labels.length);

  const order = options.labels ? [...options.labels] : [...new Set([...labels, ...predictions])].sort();
  const indexOf = new Map<string, number>();
  order.forEach((label, i) => indexOf.set(label, i));
  if (indexOf.size !== order.length) throw new RangeError(`${fn}: options.labels contains duplicates`);

  const k = order.length;
  const confusion: number[][] = order.map(() => new Array<number>(k).fill(0));
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    const t = indexOf.get(labels[r] as string);
    const p = indexOf.get(predictions[r] as string);
    if (t === undefined)
      throw new RangeError(`${fn}: labels[${r}] is ${JSON.stringify(labels[r])}, not in options.labels`);
    if (p === undefined) {
      throw new RangeError(
        `${fn}: predictions[${r}] is ${JSON.stringify(predictions[r])}, not in options.labels`,
      );
    }
    const row = confusion[t] as number[];
    row[p] = (row[p] as number) + 1;
    if (t === p) correct++;
  }

  const n = labels.length;
  const perClass: ClassMetrics[] = [];
  const macro: AveragedMetrics = { precision: 0, recall: 0, f1: 0 };
  const weighted: AveragedMetrics = { precision: 0, recall: 0, f1: 0 };
  for (let c = 0; c < k; c++) {
    const tp = (confusion[c] as number[])[c] as number;
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += (confusion[c] as number[])[j] as number;
      predicted += (confusion[j] as number[])[c] as number;
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass.push({ label: order[c] as string, precision, recall, f1, support });
    macro.precision += precision;
    macro.recall += recall;
    macro.f1 += f1;
    weighted.precision += precision * support;
    weighted.recall += recall * support;
    weighted.f1 += f1 * support;
  }
  for (const key of ['precision', 'recall', 'f1'] as const) {
    macro[key] /= k;
    weighted[key] /= n;
  }
  return { n, labels: order, accuracy: correct / n, macro, weighted, perClass, confusion };
}

import type { Command } from 'commander';
import { Option } from 'commander';
import { invalidInput } from '../core/errors.js';
import { readTable } from '../io/index.js';
import { renderEvaluationHtml, renderEvaluationText } from './evaluate-report.render.js';
import { buildEvaluation, type EvaluationRequest } from './evaluation.report.js';
import { printReport, sourceName, writeHtmlReport } from './report-output.js';

interface EvaluateOptions {
  data: string;
  label: string;
  score?: string;
  prediction?: string;
  threshold: string;
  task: 'classification' | 'regression';
  segment?: string;
  sensitive?: string;
  json?: boolean;
  html?: string;
}

/** Runs `warden evaluate`: reads the file, evaluates, prints, and writes the HTML report when asked. */
async function runEvaluate(options: EvaluateOptions): Promise<void> {
  if ((options.score === undefined) === (options.prediction === undefined)) {
    throw invalidInput('give exactly one of --score COL or --prediction COL', '--score');
  }
  const threshold = Number(options.threshold);
  if (options.threshold.trim() === '' || !Number.isFinite(threshold)) {
    throw invalidInput(`--threshold must be a number, got '${options.threshold}'`, '--threshold');
  }
  if (threshold < 0 || threshold > 1) {
    throw invalidInput(`--threshold must be a probability in [0, 1], got ${threshold}`, '--threshold');
  }
  const request: EvaluationRequest = {
    label: options.label,
    threshold,
    task: options.task,
    ...(options.score !== undefined ? { score: options.score } : {}),
    ...(options.prediction !== undefined ? { prediction: options.prediction } : {}),
    ...(options.segment !== undefined ? { segment: options.segment } : {}),
    ...(options.sensitive !== undefined ? { sensitive: options.sensitive } : {}),
  };
  const output = (request.score ?? request.prediction)!;
  const columns = [request.label, output, request.segment, request.sensitive].filter(
    (c): c is string => c !== undefined,
  );
  const numeric =
    request.task === 'regression'
      ? [request.label, output]
      : request.score !== undefined
        ? [request.score]
        : [];
  const table = await readTable(options.data, { columns: [...new Set(columns)], numeric, progress: true });
  const { report, data } = buildEvaluation(table, request);
  const source = sourceName(options.data);
  printReport(options.json === true, report, () => renderEvaluationText(report, source));
  if (options.html !== undefined)
    await writeHtmlReport(options.html, renderEvaluationHtml(report, data, source), options.json === true);
}

/** Registers `warden evaluate`. */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('Evaluate predictions against labels from a CSV, NDJSON or Parquet file (no server needed)')
    .requiredOption('--data <file>', 'data file (.csv, .tsv, .ndjson/.jsonl, .parquet)')
    .requiredOption(
      '--label <column>',
      'true label (0/1 or true/false for binary; any values for multiclass; numbers for regression)',
    )
    .option('--score <column>', 'positive-class probability in [0, 1] (binary classification)')
    .option('--prediction <column>', 'hard prediction (classification) or predicted value (regression)')
    .option('--threshold <t>', 'predict positive when score >= t', '0.5')
    .addOption(
      new Option('--task <task>', 'kind of model')
        .choices(['classification', 'regression'])
        .default('classification'),
    )
    .option('--segment <column>', 'also report metrics per value of this column')
    .option('--sensitive <column>', 'report group fairness across values of this column')
    .option('--json', 'print the exact JSON report')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action((options: EvaluateOptions) => runEvaluate(options));
}

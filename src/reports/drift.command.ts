import type { Command } from 'commander';
import { invalidInput } from '../core/errors.js';
import { readTables } from '../io/index.js';
import type { DriftMethod } from '../stats/types.js';
import { parseAssignments, parseColumnList, parseFiniteNumber } from './cli-options.parse.js';
import { renderDriftHtml, renderDriftText } from './drift-report.render.js';
import { DRIFT_METHODS, buildDriftReport } from './drift.report.js';
import { printReport, sourceName, writeHtmlReport } from './report-output.js';

interface DriftOptions {
  reference: string;
  current: string;
  columns?: string;
  columnMethod?: string[];
  threshold?: string[];
  driftShare?: string;
  json?: boolean;
  html?: string;
}

/** Runs `warden drift`: reads both files, compares them, prints, and writes the HTML report when asked. */
async function runDrift(options: DriftOptions): Promise<void> {
  const columns = parseColumnList('--columns', options.columns);
  const methods = parseAssignments('--column-method', options.columnMethod, (value) => {
    if (!DRIFT_METHODS.includes(value as DriftMethod)) {
      throw invalidInput(
        `--column-method: unknown method '${value}' (methods: ${DRIFT_METHODS.join(', ')})`,
        '--column-method',
      );
    }
    return value as DriftMethod;
  });
  const thresholds = parseAssignments('--threshold', options.threshold, (value) =>
    parseFiniteNumber('--threshold', value),
  );
  const driftShare =
    options.driftShare === undefined ? undefined : parseFiniteNumber('--drift-share', options.driftShare);
  if (driftShare !== undefined && (driftShare < 0 || driftShare > 1))
    throw invalidInput('--drift-share must be in [0, 1]', '--drift-share');

  const readOptions = columns ? { columns } : {};
  const [reference, current] = await readTables(
    [
      { path: options.reference, options: readOptions },
      { path: options.current, options: readOptions },
    ],
    { progress: true },
  );
  const { report, compared } = buildDriftReport(reference!, current!, {
    ...(columns ? { columns } : {}),
    methods,
    thresholds,
    ...(driftShare !== undefined ? { driftShare } : {}),
  });
  const referenceName = sourceName(options.reference);
  const currentName = sourceName(options.current);
  printReport(options.json === true, report, () => renderDriftText(report, referenceName, currentName));
  if (options.html !== undefined) {
    await writeHtmlReport(
      options.html,
      renderDriftHtml(report, compared, referenceName, currentName),
      options.json === true,
    );
  }
}

/** Registers `warden drift`. */
export function registerDriftCommand(program: Command): void {
  program
    .command('drift')
    .description('Compare two datasets column by column for data drift (no server needed)')
    .requiredOption('--reference <file>', 'reference data (.csv, .tsv, .ndjson/.jsonl, .parquet)')
    .requiredOption('--current <file>', 'current data, same formats')
    .option('--columns <list>', 'comma-separated columns to compare (default: all columns in both files)')
    .option('--column-method <column=method...>', `drift method for a column (${DRIFT_METHODS.join(', ')})`)
    .option('--threshold <column=value...>', 'threshold for a column: p-value for tests, score for distances')
    .option('--drift-share <share>', 'share of drifted columns at which the dataset drifts (default 0.5)')
    .option('--json', 'print the exact JSON report')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action((options: DriftOptions) => runDrift(options));
}

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { invalidInput } from '../core/errors.js';
import { detectTableFormat, readTables, type Table } from '../io/index.js';
import type { DriftMethod } from '../stats/types.js';
import { parseAssignments, parseColumnList, parseFiniteNumber } from './cli-options.parse.js';
import { buildDriftReportOnThreads } from './drift-groups.threads.js';
import { buildSketchDriftReport, renderSketchNotes } from './drift-sketch.report.js';
import { DEFAULT_CATEGORY_CAP, DEFAULT_SKETCH_ACCURACY } from '../stats/sketch/index.js';
import { columnCharts, renderDriftHtml, renderDriftText, type ColumnChart } from './drift-report.render.js';
import { DRIFT_METHODS, buildDriftReport, type DriftReport, type DriftRequest } from './drift.report.js';
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
  memoryLimit?: string;
  sketch?: boolean;
  sketchAccuracy?: string;
}

/** Default of `--memory-limit`. */
const DEFAULT_MEMORY_LIMIT = 1024 ** 3;
/** Memory kept aside from the limit for the program itself, the readers and the report. */
const RESERVED_BYTES = 160 * 1024 ** 2;
/**
 * Memory of a file read whole, per byte of file: a CSV number of about 8 bytes becomes an
 * 8-byte float, and a column grows by doubling; Parquet is compressed.
 */
const MEMORY_PER_FILE_BYTE = { csv: 3, tsv: 3, ndjson: 2, parquet: 12 } as const;
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** Reads a size such as `1GiB`, `512MiB`, `300MB` or a number of bytes. */
export function parseByteSize(option: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined)
    throw invalidInput(`${option} must be a size such as 1GiB, 512MiB or 300MB, got '${text}'`, option);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes <= 0) throw invalidInput(`${option} must be more than zero, got '${text}'`, option);
  return bytes;
}

/**
 * A temporary directory removed when `run` ends, fails, or the process is interrupted
 * (Ctrl-C, SIGTERM): removed first, then the process ends as the signal would end it.
 */
async function withTemporaryDirectory<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-drift-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(dir);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    remove();
  }
}

/**
 * The exact report. Files small enough for the memory limit are read whole; larger ones are
 * read once into one temporary file per column, and the columns compared a group at a time.
 */
async function exactReport(
  options: DriftOptions,
  request: DriftRequest,
  memoryLimit: number,
): Promise<{ report: DriftReport; charts: ColumnChart[] }> {
  const readOptions = request.columns ? { columns: request.columns } : {};
  const paths = [options.reference, options.current];
  const sizes = await Promise.all(
    paths.map((path) =>
      stat(path).then(
        (info) => info.size,
        () => 0,
      ),
    ),
  );
  const estimate = paths.reduce(
    (total, path, i) => total + sizes[i]! * MEMORY_PER_FILE_BYTE[detectTableFormat(path)],
    0,
  );
  const budget = Math.max(memoryLimit - RESERVED_BYTES, 1);
  if (estimate <= budget) {
    const [reference, current] = await readTables(
      paths.map((path) => ({ path, options: readOptions })),
      { progress: true },
    );
    const { report, compared } = buildDriftReport(reference!, current!, request);
    return { report, charts: options.html !== undefined ? columnCharts(compared) : [] };
  }
  return withTemporaryDirectory(async (dir) => {
    const spillDirs = ['reference', 'current'].map((side) => {
      const path = join(dir, side);
      mkdirSync(path);
      return path;
    });
    const [reference, current] = (await readTables(
      paths.map((path, i) => ({ path, options: { ...readOptions, spillTo: spillDirs[i]! } })),
      { progress: true },
    )) as [Table, Table];
    return buildDriftReportOnThreads(reference, current, request, {
      budget,
      charts: options.html !== undefined,
    });
  });
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

  const memoryLimit =
    options.memoryLimit === undefined
      ? DEFAULT_MEMORY_LIMIT
      : parseByteSize('--memory-limit', options.memoryLimit);
  const request: DriftRequest = {
    ...(columns ? { columns } : {}),
    methods,
    thresholds,
    ...(driftShare !== undefined ? { driftShare } : {}),
  };
  if (options.sketch === true) {
    if (options.html !== undefined)
      throw invalidInput('--html needs the exact mode (without --sketch)', '--html');
    const relativeAccuracy =
      options.sketchAccuracy === undefined
        ? DEFAULT_SKETCH_ACCURACY
        : parseFiniteNumber('--sketch-accuracy', options.sketchAccuracy);
    if (!(relativeAccuracy > 0 && relativeAccuracy < 0.5))
      throw invalidInput('--sketch-accuracy must be in (0, 0.5)', '--sketch-accuracy');
    const settings = { relativeAccuracy, categoryCap: DEFAULT_CATEGORY_CAP };
    const readOptions = {
      ...(request.columns ? { columns: request.columns } : {}),
      sketch: settings,
    };
    const [reference, current] = (await readTables(
      [options.reference, options.current].map((path) => ({ path, options: readOptions })),
      { progress: true },
    )) as [Table, Table];
    const report = buildSketchDriftReport(reference, current, request, settings);
    printReport(
      options.json === true,
      report,
      () =>
        renderDriftText(report, sourceName(options.reference), sourceName(options.current)) +
        renderSketchNotes(report),
    );
    return;
  }
  const { report, charts } = await exactReport(options, request, memoryLimit);
  const referenceName = sourceName(options.reference);
  const currentName = sourceName(options.current);
  printReport(options.json === true, report, () => renderDriftText(report, referenceName, currentName));
  if (options.html !== undefined) {
    await writeHtmlReport(
      options.html,
      renderDriftHtml(report, charts, referenceName, currentName),
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
    .option(
      '--memory-limit <size>',
      'memory for column data (default 1GiB); larger files are compared a group of columns at a time',
    )
    .option(
      '--sketch',
      'one pass in bounded memory: approximate statistics from sketches, each with its error bound',
    )
    .option(
      '--sketch-accuracy <alpha>',
      `relative accuracy of the quantile sketches (default ${DEFAULT_SKETCH_ACCURACY})`,
    )
    .action((options: DriftOptions) => runDrift(options));
}

import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import { readTable } from '../io/index.js';
import type { Column } from '../stats/types.js';
import type { CheckResult, ValidationRun, Waiver } from './validation.schema.js';

type Cell = number | string | boolean | null;

const cellOf = (column: Column, i: number): Cell => {
  if (column.kind === 'numeric') {
    const v = column.values[i]!;
    return Number.isNaN(v) ? null : v;
  }
  return column.values[i] ?? null;
};

function labelOf(v: Cell): number | boolean | string | null {
  if (v === 1 || v === 0 || v === '1' || v === '0') return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return v; // the server names the record if this is not binary
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function numberOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw invalidInput(`${flag} must be a number, got "${value}"`, flag);
  return n;
}

interface ValidateOptions extends ClientOptions {
  data: string;
  label: string;
  score?: string;
  prediction?: string;
  segment?: string[];
  sensitive?: string[];
  feature?: string[];
  championScore?: string;
  championPrediction?: string;
  reference?: string;
  latencyP95?: string;
  latencyP99?: string;
  peakMemoryMb?: string;
  memoryLimitMb?: string;
  level?: string;
  threshold?: string;
}

/** Builds the JSON request of a validation run from a local table file. */
export async function buildValidationRequest(o: ValidateOptions): Promise<Record<string, unknown>> {
  if (!o.score && !o.prediction)
    throw invalidInput('give --score COL or --prediction COL (or both)', 'score');
  const table = await readTable(o.data);
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const need = (name: string, flag: string): Column => {
    const column = byName.get(name);
    if (!column)
      throw invalidInput(
        `${flag}: column "${name}" is not in ${o.data} (columns: ${[...byName.keys()].join(', ')})`,
        flag,
      );
    return column;
  };
  const label = need(o.label, '--label');
  const score = o.score ? need(o.score, '--score') : undefined;
  const prediction = o.prediction ? need(o.prediction, '--prediction') : undefined;
  const segments = (o.segment ?? []).map((s) => need(s, '--segment'));
  const sensitive = (o.sensitive ?? []).map((s) => need(s, '--sensitive'));
  const championScore = o.championScore ? need(o.championScore, '--champion-score') : undefined;
  const championPrediction = o.championPrediction
    ? need(o.championPrediction, '--champion-prediction')
    : undefined;
  const reserved = new Set([o.label, o.score, o.prediction, o.championScore, o.championPrediction]);
  const features = o.feature?.length
    ? o.feature.map((f) => need(f, '--feature'))
    : table.columns.filter((c) => !reserved.has(c.name));

  const records = [];
  for (let i = 0; i < table.rows; i++) {
    const record: Record<string, unknown> = { label: labelOf(cellOf(label, i)) };
    if (score) record.score = cellOf(score, i);
    if (prediction) record.prediction = labelOf(cellOf(prediction, i));
    if (segments.length) record.segment = Object.fromEntries(segments.map((c) => [c.name, cellOf(c, i)]));
    if (sensitive.length) record.sensitive = Object.fromEntries(sensitive.map((c) => [c.name, cellOf(c, i)]));
    if (features.length) record.features = Object.fromEntries(features.map((c) => [c.name, cellOf(c, i)]));
    records.push(record);
  }
  const body: Record<string, unknown> = { records };
  if (championScore || championPrediction) {
    const champion: Record<string, unknown[]> = {};
    if (championScore)
      champion.scores = Array.from({ length: table.rows }, (_, i) => cellOf(championScore, i));
    if (championPrediction)
      champion.predictions = Array.from({ length: table.rows }, (_, i) =>
        labelOf(cellOf(championPrediction, i)),
      );
    body.champion = champion;
  }
  if (o.reference) {
    const ref = await readTable(o.reference);
    const names = new Set(features.map((f) => f.name));
    const columns = ref.columns.filter((c) => names.has(c.name));
    body.reference = {
      features: Array.from({ length: ref.rows }, (_, i) =>
        Object.fromEntries(columns.map((c) => [c.name, cellOf(c, i)])),
      ),
    };
  }
  const evidence = {
    latencyP95Ms: numberOption(o.latencyP95, '--latency-p95'),
    latencyP99Ms: numberOption(o.latencyP99, '--latency-p99'),
    peakMemoryMb: numberOption(o.peakMemoryMb, '--peak-memory-mb'),
    memoryLimitMb: numberOption(o.memoryLimitMb, '--memory-limit-mb'),
  };
  if (Object.values(evidence).some((v) => v !== undefined))
    body.evidence = JSON.parse(JSON.stringify(evidence));
  if (o.level) body.level = o.level;
  const threshold = numberOption(o.threshold, '--threshold');
  if (threshold !== undefined) body.threshold = threshold;
  return body;
}

function printChecks(checks: CheckResult[]): void {
  printTable(
    checks.map((c) => ({
      ...c,
      detail: c.detail && c.detail.length > 100 ? `${c.detail.slice(0, 97)}...` : c.detail,
    })),
    ['name', 'status', 'value', 'threshold', 'rule', 'detail'],
  );
}

function printRun(run: ValidationRun): void {
  process.stdout.write(
    `validation ${run.id}: ${run.model} ${run.version} level ${run.level} (policy v${run.policyVersion}) — ${run.passed ? 'PASSED' : 'FAILED'}\n`,
  );
  printChecks(run.checks);
}

export function registerValidationCommands(program: Command): void {
  withClientOptions(program.command('validate'))
    .description(
      'run the validation suite on a version from a local CSV, TSV, NDJSON or Parquet file; exits 1 when it fails',
    )
    .argument('<model>')
    .argument('<version>')
    .requiredOption('--data <file>', 'evaluation data')
    .requiredOption('--label <col>', 'true label column (0/1)')
    .option('--score <col>', 'candidate score column (probability of the positive class)')
    .option('--prediction <col>', 'candidate 0/1 prediction column')
    .option('--segment <col>', 'segment attribute column (repeatable)', collect)
    .option('--sensitive <col>', 'sensitive attribute column for fairness (repeatable)', collect)
    .option(
      '--feature <col>',
      'feature column checked against the input schema (repeatable; default: all other columns)',
      collect,
    )
    .option('--champion-score <col>', "the production champion's score on the same rows")
    .option('--champion-prediction <col>', "the production champion's prediction on the same rows")
    .option('--reference <file>', 'training reference sample for drift (PSI)')
    .option('--latency-p95 <ms>', 'measured p95 latency')
    .option('--latency-p99 <ms>', 'measured p99 latency')
    .option('--peak-memory-mb <mb>', 'measured peak memory')
    .option('--memory-limit-mb <mb>', 'memory limit the peak is judged against')
    .option('--level <level>', 'full | regression | smoke (default: what the policy requires)')
    .option('--threshold <t>', 'decision threshold for scores (default 0.5)')
    .action(async (model: string, version: string, o: ValidateOptions) => {
      const body = await buildValidationRequest(o);
      const run = await new ApiClient(o).request<ValidationRun>(
        'POST',
        `/api/v1/models/${seg(model)}/versions/${seg(version)}/validations`,
        body,
      );
      if (o.json) printJson(run);
      else printRun(run);
      if (!run.passed) process.exitCode = 1;
    });

  const validations = program.command('validations').description('stored validation reports and waivers');

  withClientOptions(validations.command('list'))
    .description('validation reports of a version, newest first')
    .argument('<model>')
    .argument('<version>')
    .action(async (model: string, version: string, o: ClientOptions) => {
      const page = await new ApiClient(o).get<{ items: ValidationRun[] }>(
        `/api/v1/models/${seg(model)}/versions/${seg(version)}/validations`,
      );
      if (o.json) return printJson(page);
      printTable(page.items, ['id', 'level', 'passed', 'policyVersion', 'createdBy', 'createdAt']);
    });

  withClientOptions(validations.command('show'))
    .description('one validation report')
    .argument('<id>')
    .action(async (id: string, o: ClientOptions) => {
      const run = await new ApiClient(o).get<ValidationRun>(`/api/v1/validations/${seg(id)}`);
      if (o.json) return printJson(run);
      printRun(run);
    });

  withClientOptions(validations.command('waive'))
    .description('ask for a waiver of a failed check (compliance approves)')
    .argument('<id>', 'validation run id')
    .requiredOption('--check <name>')
    .requiredOption('--reason <text>')
    .requiredOption('--until <date>', 'ISO-8601 date the waiver expires')
    .action(async (id: string, o: ClientOptions & { check: string; reason: string; until: string }) => {
      const waiver = await new ApiClient(o).request<Waiver>(
        'POST',
        `/api/v1/validations/${seg(id)}/waivers`,
        {
          check: o.check,
          reason: o.reason,
          until: o.until,
        },
      );
      if (o.json) return printJson(waiver);
      process.stdout.write(`waiver ${waiver.id} pending for ${waiver.check} until ${waiver.until}\n`);
    });

  withClientOptions(validations.command('approve-waiver'))
    .description('approve a pending waiver (compliance)')
    .argument('<waiverId>')
    .action(async (waiverId: string, o: ClientOptions) => {
      const waiver = await new ApiClient(o).request<Waiver>(
        'POST',
        `/api/v1/waivers/${seg(waiverId)}/approve`,
      );
      if (o.json) return printJson(waiver);
      process.stdout.write(`waiver ${waiver.id} approved by ${waiver.approvedBy ?? ''}\n`);
    });
}

import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import { readTable } from '../io/index.js';
import { tableToReferenceRows, tableToValidationRecords } from './table-request.js';
import type { CheckResult, ValidationRun, Waiver } from './validation.schema.js';

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
  const table = await readTable(o.data);
  const flags: Record<string, string> = {
    label: '--label',
    score: '--score',
    prediction: '--prediction',
    segment: '--segment',
    sensitive: '--sensitive',
    feature: '--feature',
    championScore: '--champion-score',
    championPrediction: '--champion-prediction',
  };
  const { records, champion, featureColumns } = tableToValidationRecords(
    table,
    o,
    (name) => flags[name] ?? name,
  );
  const body: Record<string, unknown> = { records };
  if (champion) body.champion = champion;
  if (o.reference)
    body.reference = { features: tableToReferenceRows(await readTable(o.reference), featureColumns) };
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
  // The table cuts details short; what to supply must be readable in full.
  const notRun = run.checks.filter((c) => c.missing !== undefined && c.status === 'fail');
  if (notRun.length > 0) {
    process.stdout.write('not run for lack of input (each counts as failed):\n');
    for (const c of notRun) process.stdout.write(`  ${c.name}: ${c.detail ?? `no ${c.missing}`}\n`);
  }
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
      const client = new ApiClient(o);
      const run = await client.get<ValidationRun>(`/api/v1/validations/${seg(id)}`);
      if (o.json) return printJson(run);
      // The stored report never changes; waivers in force are shown from the evidence view.
      const now = await client.get<{ passed: boolean; checks: CheckResult[] }>(
        `/api/v1/validations/${seg(id)}/evidence`,
      );
      const waived = now.checks.filter((c) => c.status === 'waived');
      if (waived.length === 0) return printRun(run);
      printRun({ ...run, checks: now.checks });
      process.stdout.write(
        `as evidence now: ${now.passed ? 'PASSED' : 'FAILED'} (the stored report is unchanged; waived checks read "waived")\n`,
      );
      for (const c of waived)
        if (c.waiver)
          process.stdout.write(
            `waived: ${c.name} by ${c.waiver.approvedBy} until ${c.waiver.until} — ${c.waiver.reason} (${c.waiver.id})\n`,
          );
    });

  withClientOptions(validations.command('waive'))
    .description('ask for a waiver of a failed check (compliance approves)')
    .argument('<id>', 'validation run id')
    .requiredOption('--check <name>', 'the failed check to waive, e.g. infrastructure.latency')
    .requiredOption('--reason <text>', 'why the failure is acceptable for now')
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

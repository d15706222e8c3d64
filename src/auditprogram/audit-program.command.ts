import fs from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';

type Opts = ClientOptions & Record<string, string | string[] | undefined>;
type Program = Record<string, unknown> & {
  scope: string[];
  selection: {
    tier1: Array<{ model: string }>;
    tier2: { population: number; sample: Array<{ model: string }> };
  };
};
type Finding = Record<string, unknown>;

const FINDING_COLUMNS = ['id', 'area', 'model', 'severity', 'owner', 'dueDate', 'status', 'title'];
const list = (v: string | string[] | undefined): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
const collect = (value: string, previous: string[] = []) => [...previous, value];
const num = (v: string | string[] | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (String(v).trim() === '' || !Number.isFinite(n)) throw invalidInput(`${flag} must be a number`, flag);
  return n;
};
const programRow = (p: Program) => ({
  ...p,
  scope: p.scope.join(','),
  tier1: p.selection.tier1.length,
  tier2Sample: `${p.selection.tier2.sample.length}/${p.selection.tier2.population}`,
});

/**
 * `warden audit-programs create|list|show|report` and `warden audit-findings
 * record|list|show|respond|close`: the annual audit program.
 */
export function registerAuditProgramCommands(program: Command): void {
  const programs = program.command('audit-programs').description('the annual model audit program');

  withClientOptions(programs.command('create'))
    .description('open the audit program of a year: all tier-1 models, a seeded sample of tier-2 models')
    .requiredOption('--year <year>')
    .requiredOption('--scope <areas>', 'audit areas, comma-separated (repeatable)', collect)
    .option('--sample-pct <pct>', 'share of tier-2 models sampled (default 20)')
    .option('--decisions-per-quarter <n>', 'decisions of each kind sampled per quarter (default 5)')
    .option('--seed <seed>', 'seed of the samples (drawn when absent)')
    .action(async (o: Opts) => {
      const body = {
        year: num(o.year, '--year'),
        scope: list(o.scope),
        ...(o.samplePct !== undefined ? { tier2SamplePct: num(o.samplePct, '--sample-pct') } : {}),
        ...(o.decisionsPerQuarter !== undefined
          ? { decisionsPerQuarter: num(o.decisionsPerQuarter, '--decisions-per-quarter') }
          : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
      };
      const p = await new ApiClient(o).request<Program>('POST', '/api/v1/audit-programs', body);
      if (o.json) return printJson(p);
      printRecord(programRow(p), ['id', 'year', 'scope', 'seed', 'tier1', 'tier2Sample']);
      process.stdout.write(
        `tier 1: ${p.selection.tier1.map((m) => m.model).join(', ') || '—'}\n` +
          `tier 2 sample: ${p.selection.tier2.sample.map((m) => m.model).join(', ') || '—'}\n`,
      );
    });

  withClientOptions(programs.command('list'))
    .description('audit programs, newest first')
    .option('--year <year>')
    .action(async (o: Opts) => {
      const page = await new ApiClient(o).get<{ items: Program[] }>('/api/v1/audit-programs', {
        year: o.year as string | undefined,
      });
      if (o.json) return printJson(page);
      printTable(page.items.map(programRow), [
        'id',
        'year',
        'scope',
        'seed',
        'tier1',
        'tier2Sample',
        'createdAt',
      ]);
    });

  withClientOptions(programs.command('show <id>'))
    .description('an audit program: scope, selection and decision samples')
    .action(async (id: string, o: Opts) => {
      const p = await new ApiClient(o).get<Program>(`/api/v1/audit-programs/${seg(id)}`);
      if (o.json) return printJson(p);
      printRecord(programRow(p), [
        'id',
        'year',
        'scope',
        'seed',
        'tier2SamplePct',
        'tier1',
        'tier2Sample',
        'createdBy',
        'createdAt',
      ]);
      process.stdout.write(
        `tier 1: ${p.selection.tier1.map((m) => m.model).join(', ') || '—'}\n` +
          `tier 2 sample: ${p.selection.tier2.sample.map((m) => m.model).join(', ') || '—'}\n`,
      );
    });

  withClientOptions(programs.command('report <id>'))
    .description('the program report (Markdown on the terminal, or --format html|md|json with --out)')
    .option('--format <format>', 'html, md or json', 'md')
    .option('--out <file>')
    .action(async (id: string, o: Opts) => {
      const format = String(o.format);
      if (!['html', 'md', 'json'].includes(format))
        throw invalidInput('--format must be html, md or json', '--format');
      const response = await new ApiClient(o).raw(
        'GET',
        `/api/v1/audit-programs/${seg(id)}/report?format=${format}`,
      );
      const bytes = Buffer.from(await response.arrayBuffer());
      if (typeof o.out === 'string') {
        fs.writeFileSync(o.out, bytes);
        process.stdout.write(`wrote ${o.out}: audit program ${id} report (${bytes.length} bytes)\n`);
      } else process.stdout.write(bytes);
    });

  const findings = program.command('audit-findings').description('findings of the annual audit program');

  withClientOptions(findings.command('record <program>'))
    .description('record a finding (auditor role, independent of model development and operations)')
    .requiredOption('--area <area>', 'one of the program’s audit areas')
    .requiredOption('--title <text>')
    .requiredOption('--severity <severity>', 'critical, high, medium, low or informational')
    .requiredOption('--owner <principal>', 'who remediates')
    .requiredOption('--due <date>', 'remediation due date, YYYY-MM-DD')
    .option('--model <name>')
    .option('--detail <text>')
    .option('--evidence <link>', 'evidence link (repeatable)', collect)
    .action(async (programId: string, o: Opts) => {
      const f = await new ApiClient(o).request<Finding>(
        'POST',
        `/api/v1/audit-programs/${seg(programId)}/findings`,
        {
          area: o.area,
          title: o.title,
          severity: o.severity,
          owner: o.owner,
          dueDate: o.due,
          ...(o.model !== undefined ? { model: o.model } : {}),
          ...(o.detail !== undefined ? { detail: o.detail } : {}),
          evidence: list(o.evidence),
        },
      );
      if (o.json) return printJson(f);
      printRecord(f, FINDING_COLUMNS);
    });

  withClientOptions(findings.command('list <program>'))
    .description('the findings of a program')
    .option('--status <status>', 'open, in-progress, remediated or closed')
    .option('--area <area>')
    .action(async (programId: string, o: Opts) => {
      const page = await new ApiClient(o).get<{ items: Finding[] }>(
        `/api/v1/audit-programs/${seg(programId)}/findings`,
        { status: o.status as string | undefined, area: o.area as string | undefined },
      );
      if (o.json) return printJson(page);
      printTable(page.items, FINDING_COLUMNS);
    });

  withClientOptions(findings.command('show <id>'))
    .description('a finding with its response and closure')
    .action(async (id: string, o: Opts) => {
      const f = await new ApiClient(o).get<Finding>(`/api/v1/audit-findings/${seg(id)}`);
      if (o.json) return printJson(f);
      printRecord({ ...f, evidence: ((f.evidence as string[]) ?? []).join(' ') }, [
        ...FINDING_COLUMNS,
        'detail',
        'evidence',
        'recordedBy',
        'response',
        'respondedBy',
        'closedBy',
        'closingNote',
      ]);
    });

  withClientOptions(findings.command('respond <id>'))
    .description('answer a finding you own: in-progress or remediated')
    .requiredOption('--response <text>')
    .option('--status <status>', 'in-progress or remediated', 'in-progress')
    .option('--evidence <link>', 'evidence link (repeatable)', collect)
    .action(async (id: string, o: Opts) => {
      const f = await new ApiClient(o).request<Finding>(
        'POST',
        `/api/v1/audit-findings/${seg(id)}/response`,
        {
          response: o.response,
          status: o.status,
          evidence: list(o.evidence),
        },
      );
      if (o.json) return printJson(f);
      printRecord(f, [...FINDING_COLUMNS, 'response']);
    });

  withClientOptions(findings.command('close <id>'))
    .description('close a finding (auditor role)')
    .requiredOption('--note <text>')
    .action(async (id: string, o: Opts) => {
      const f = await new ApiClient(o).request<Finding>('POST', `/api/v1/audit-findings/${seg(id)}/close`, {
        note: o.note,
      });
      if (o.json) return printJson(f);
      printRecord(f, [...FINDING_COLUMNS, 'closedBy', 'closingNote']);
    });
}

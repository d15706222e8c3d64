import fs from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import { canonicalPolicyYaml, parsePolicyDocument } from './policy.parse.js';
import { diffLines, formatDiff } from './policy-diff.js';
import type { PolicyDocument } from './policy.schema.js';
import type { PolicyVersion, PolicyVersionSummary } from './policy.service.js';

/** Reads a policy file; `.json` files are JSON, anything else YAML. */
export function readPolicyFile(file: string): { text: string; format: 'yaml' | 'json' } {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw invalidInput(`cannot read ${file}: ${(error as Error).message}`, 'file');
  }
  return { text, format: file.toLowerCase().endsWith('.json') ? 'json' : 'yaml' };
}

async function loadDocument(client: ApiClient, ref: string): Promise<PolicyDocument> {
  if (/^\d+$/.test(ref)) return (await client.get<PolicyVersion>(`/api/v1/policy/versions/${ref}`)).document;
  if (ref === 'active') return (await client.get<PolicyVersion>('/api/v1/policy')).document;
  const { text, format } = readPolicyFile(ref);
  return parsePolicyDocument(text, format);
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('the governance policy (policy as code)');

  withClientOptions(policy.command('show'))
    .description('print the policy in force, or one version')
    .option('--version <n>', 'a stored version (0 = built-in default)')
    .option('--yaml', 'print the document as YAML')
    .action(async (o: ClientOptions & { version?: string; yaml?: boolean }) => {
      const client = new ApiClient(o);
      const found = await client.get<PolicyVersion>(
        o.version !== undefined
          ? `/api/v1/policy/versions/${encodeURIComponent(o.version)}`
          : '/api/v1/policy',
      );
      if (o.json) return printJson(found);
      if (o.yaml) {
        process.stdout.write(canonicalPolicyYaml(found.document));
        return;
      }
      process.stdout.write(`policy version ${found.version} (by ${found.createdBy}, ${found.createdAt})\n`);
      const rows = (['1', '2', '3', '4'] as const).map((tier) => {
        const t = found.document.tiers[tier];
        return {
          tier: `${tier} ${t.label}`,
          promotion: (t.approvals['staging->approved'] ?? [])
            .map((r) => `${r.role}×${r.count}${r.of ? `/${r.of}` : ''}`)
            .join(' + '),
          noRegressionPct: t.validation.noRegressionPct,
          maxPsi: t.validation.maxPsi,
          fairness: t.validation.fairness.required,
          auditYears: t.retention.auditYears,
        };
      });
      printTable(rows, ['tier', 'promotion', 'noRegressionPct', 'maxPsi', 'fairness', 'auditYears']);
    });

  withClientOptions(policy.command('versions'))
    .description('list the policy history, newest first')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>')
    .action(async (o: ClientOptions & { limit: string; pageToken?: string }) => {
      const page = await new ApiClient(o).get<{ items: PolicyVersionSummary[]; nextPageToken?: string }>(
        '/api/v1/policy/versions',
        { limit: o.limit, pageToken: o.pageToken },
      );
      if (o.json) return printJson(page);
      printTable(page.items as unknown as Array<Record<string, unknown>>, [
        'version',
        'createdAt',
        'createdBy',
        'reason',
      ]);
      if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
    });

  withClientOptions(policy.command('diff'))
    .description(
      'line diff of the canonical YAML of two policies (a version number, "active", or a local file)',
    )
    .argument('<a>')
    .argument('<b>')
    .action(async (a: string, b: string, o: ClientOptions) => {
      const client = new ApiClient(o);
      const [before, after] = await Promise.all([loadDocument(client, a), loadDocument(client, b)]);
      const lines = diffLines(canonicalPolicyYaml(before), canonicalPolicyYaml(after));
      if (o.json) return printJson({ equal: lines.every((l) => l.op === ' '), lines });
      const text = formatDiff(lines);
      process.stdout.write(text === '' ? 'no differences\n' : `--- ${a}\n+++ ${b}\n${text}`);
    });

  withClientOptions(policy.command('validate'))
    .description('check a policy file against the schema on the server, without saving it')
    .argument('<file>', 'YAML or JSON (by extension); - for stdin')
    .action(async (file: string, o: ClientOptions) => {
      const { text, format } = readPolicyFile(file);
      const result = await new ApiClient(o).request<{ valid: boolean }>('POST', '/api/v1/policy/validate', {
        document: text,
        format,
      });
      if (o.json) return printJson(result);
      process.stdout.write(`${file}: valid\n`);
    });
}

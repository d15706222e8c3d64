import fs from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import type { ActiveDeployment } from '../deployments/index.js';
import type { ChangeRequest, Minutes, TransitionPreview } from './change-request.schema.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const REQUEST_COLUMNS = [
  'id',
  'kind',
  'model',
  'version',
  'from',
  'to',
  'status',
  'requestedBy',
  'createdAt',
];

function printRequest(cr: ChangeRequest): void {
  printRecord(cr, [
    'id',
    'kind',
    'model',
    'version',
    'from',
    'to',
    'status',
    'requestedBy',
    'reason',
    'evidence',
    'requiredValidationLevel',
    'policyVersion',
    'createdAt',
    'expiresAt',
    'executedAt',
  ]);
  process.stdout.write('approvals:\n');
  for (const r of cr.required)
    process.stdout.write(
      `  ${r.satisfied ? '✓' : '·'} ${r.role} ${r.approvals}/${r.count}${r.approvedBy.length ? ` (${r.approvedBy.join(', ')})` : ''}\n`,
    );
  if (cr.required.length === 0) process.stdout.write('  none required\n');
  for (const m of cr.missingEvidence) process.stdout.write(`missing evidence: ${m.message}\n`);
  for (const d of cr.decisions)
    process.stdout.write(
      `decision: ${d.principal} ${d.decision}d as ${d.role}${d.comment ? ` — ${d.comment}` : ''}\n`,
    );
}

function printPreview(p: TransitionPreview): void {
  const state = p.openRequest
    ? `is requested in change request ${p.openRequest.id} (${p.openRequest.status})`
    : p.allowed && p.blockers.length === 0
      ? 'can be requested'
      : 'is blocked';
  process.stdout.write(`${p.model}@${p.version}: ${p.from} → ${p.to} ${state}\n`);
  for (const b of p.blockers) process.stdout.write(`  blocked: ${b}\n`);
  for (const r of p.required)
    process.stdout.write(
      p.openRequest
        ? `  ${r.satisfied ? 'has approval' : 'needs approval'}: ${r.role} ${r.approvals}/${r.count}${r.approvedBy.length ? ` (${r.approvedBy.join(', ')})` : ''}\n`
        : `  needs approval: ${r.role} ×${r.count}\n`,
    );
  if (p.requiredValidationLevel)
    process.stdout.write(
      `  needs a passing ${p.requiredValidationLevel} validation (${p.bump} bump over champion ${p.champion ?? 'none'})\n`,
    );
  for (const m of p.missingEvidence) process.stdout.write(`  missing evidence: ${m.message}\n`);
  if (p.openRequest?.status === 'approved' && p.missingEvidence.length === 0)
    process.stdout.write(
      `  nothing missing now: offer the evidence again (warden requests evidence ${p.openRequest.id} <runId>) to execute it\n`,
    );
}

/** `warden promote`, `warden requests …`, `warden rollback`, `warden retire`. */
export function registerWorkflowCommands(program: Command): void {
  withClientOptions(program.command('promote <model> <version>'))
    .description('ask to move a version to another stage (opens a change request)')
    .option('--to <stage>', 'target stage', 'production')
    .option('--reason <text>', 'why (required unless --dry-run)')
    .option('--evidence <runId>', 'validation run id offered as evidence (repeatable)', collect)
    .option('--dry-run', 'only show what the move would need')
    .action(
      async (
        model: string,
        version: string,
        o: ClientOptions & { to: string; reason?: string; evidence?: string[]; dryRun?: boolean },
      ) => {
        const client = new ApiClient(o);
        const base = `/api/v1/models/${seg(model)}/versions/${seg(version)}/transitions`;
        if (o.dryRun) {
          const preview = await client.get<TransitionPreview>(`${base}/preview`, {
            to: o.to,
            evidence: o.evidence?.join(','),
          });
          return o.json ? printJson(preview) : printPreview(preview);
        }
        if (!o.reason) throw invalidInput('--reason is required', '--reason');
        const cr = await client.request<ChangeRequest>('POST', base, {
          to: o.to,
          reason: o.reason,
          ...(o.evidence ? { evidence: o.evidence } : {}),
        });
        if (o.json) return printJson(cr);
        process.stdout.write(`change request ${cr.id}: ${cr.status}\n`);
        printRequest(cr);
      },
    );

  const requests = program
    .command('requests')
    .alias('change-requests')
    .description('change requests and the approval queue');

  withClientOptions(requests.command('list'))
    .description('the approval queue, oldest first')
    .option(
      '--status <status>',
      'requested | in_review | approved | rejected | executed | withdrawn | expired',
    )
    .option('--model <name>')
    .option('--kind <kind>', 'transition | policy | retirement | rollback_review | governance_change')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>')
    .action(async (o: ClientOptions & Record<string, string | undefined>) => {
      const page = await new ApiClient(o).get<{ items: ChangeRequest[]; nextPageToken?: string }>(
        '/api/v1/change-requests',
        { status: o.status, model: o.model, kind: o.kind, limit: o.limit, pageToken: o.pageToken },
      );
      if (o.json) return printJson(page);
      printTable(page.items, REQUEST_COLUMNS);
      if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
    });

  withClientOptions(requests.command('show <id>'))
    .description('show a change request')
    .action(async (id: string, o: ClientOptions) => {
      const cr = await new ApiClient(o).get<ChangeRequest>(`/api/v1/change-requests/${seg(id)}`);
      return o.json ? printJson(cr) : printRequest(cr);
    });

  withClientOptions(requests.command('minutes <id>'))
    .description(
      'the decision record: policy version, votes with comments, tally, dissent, outcome (Markdown; --json for JSON)',
    )
    .action(async (id: string, o: ClientOptions) => {
      const client = new ApiClient(o);
      const path = `/api/v1/change-requests/${seg(id)}/minutes`;
      if (o.json) return printJson(await client.get<Minutes>(path));
      const response = await client.raw('GET', path, { headers: { accept: 'text/markdown' } });
      process.stdout.write(await response.text());
    });

  for (const decision of ['approve', 'reject'] as const) {
    withClientOptions(requests.command(`${decision} <id>`))
      .description(`${decision} a change request as one of its required roles`)
      .requiredOption('--role <role>', 'the role you decide as (your token must hold it)')
      .option('--comment <text>', 'a note recorded with the decision')
      .action(async (id: string, o: ClientOptions & { role: string; comment?: string }) => {
        const cr = await new ApiClient(o).request<ChangeRequest>(
          'POST',
          `/api/v1/change-requests/${seg(id)}/decisions`,
          { decision, role: o.role, ...(o.comment !== undefined ? { comment: o.comment } : {}) },
        );
        if (o.json) return printJson(cr);
        process.stdout.write(
          `${decision === 'approve' ? 'approved' : 'rejected'} as ${o.role}; request is ${cr.status}\n`,
        );
      });
  }

  withClientOptions(requests.command('withdraw <id>'))
    .description('withdraw a change request you opened')
    .action(async (id: string, o: ClientOptions) => {
      const cr = await new ApiClient(o).request<ChangeRequest>(
        'POST',
        `/api/v1/change-requests/${seg(id)}/withdraw`,
      );
      if (o.json) return printJson(cr);
      process.stdout.write(`change request ${cr.id} withdrawn\n`);
    });

  withClientOptions(requests.command('evidence <id> <validationRunId>'))
    .description('offer a validation run as evidence for a change request')
    .action(async (id: string, runId: string, o: ClientOptions) => {
      const cr = await new ApiClient(o).request<ChangeRequest>(
        'POST',
        `/api/v1/change-requests/${seg(id)}/evidence`,
        {
          validationRunId: runId,
        },
      );
      if (o.json) return printJson(cr);
      process.stdout.write(`evidence added; request is ${cr.status}\n`);
    });

  withClientOptions(program.command('rollback <model>'))
    .description('restore the previous champion now (mlops or operations)')
    .requiredOption('--reason <text>', 'why (required; recorded in the audit trail)')
    .action(async (model: string, o: ClientOptions & { reason: string }) => {
      const r = await new ApiClient(o).request<{
        rolledBackVersion: string | null;
        restoredVersion: string;
        reviewRequest: ChangeRequest | null;
      }>('POST', `/api/v1/models/${seg(model)}/rollback`, { reason: o.reason });
      if (o.json) return printJson(r);
      process.stdout.write(
        `${model}: rolled back ${r.rolledBackVersion ?? '(none)'} → restored ${r.restoredVersion}\n`,
      );
      if (r.reviewRequest)
        process.stdout.write(`review after the fact: change request ${r.reviewRequest.id}\n`);
    });

  withClientOptions(program.command('retire <model> [version]'))
    .description('retire a version (or every version in service of a model)')
    .requiredOption('--reason <text>', 'why (required; sent to consumers and audited)')
    .option(
      '--replacement <version>',
      'the version consumers should move to (one in staging, approved or production)',
    )
    .action(
      async (
        model: string,
        version: string | undefined,
        o: ClientOptions & { reason: string; replacement?: string },
      ) => {
        const path = version
          ? `/api/v1/models/${seg(model)}/versions/${seg(version)}/retire`
          : `/api/v1/models/${seg(model)}/retire`;
        const r = await new ApiClient(o).request<{
          status: string;
          impact: Record<string, unknown>;
          changeRequest: ChangeRequest | null;
        }>('POST', path, {
          reason: o.reason,
          ...(o.replacement ? { replacementVersion: o.replacement } : {}),
        });
        if (o.json) return printJson(r);
        process.stdout.write(
          `retirement ${r.status}${r.changeRequest ? ` (change request ${r.changeRequest.id})` : ''}\n`,
        );
        const deployments = (r.impact.deployments as { items?: ActiveDeployment[] } | undefined)?.items ?? [];
        printRecord(
          {
            ...r.impact,
            deployments:
              deployments
                .map((d) => `${d.environment} / ${d.target} ${d.trafficPercent}% (${d.id})`)
                .join(', ') || 'none active',
          },
          [
            'model',
            'versions',
            'consumers',
            'deployments',
            'featuresUsedOnlyHere',
            'replacementVersion',
            'graceDays',
            'archiveAfter',
          ],
        );
      },
    );
}

/**
 * Adds `propose FILE --reason` to the `policy` command (creating the command if no other module has).
 * Call after the policy commands are registered.
 */
export function registerPolicyProposalCommand(program: Command): void {
  const policy =
    program.commands.find((c) => c.name() === 'policy') ??
    program.command('policy').description('the governance policy (policy as code)');
  withClientOptions(policy.command('propose <file>'))
    .description(
      'propose a new policy document (YAML or JSON); it takes effect after admin and compliance approve',
    )
    .requiredOption('--reason <text>', 'why the policy changes (required)')
    .option('--format <format>', 'yaml | json (default: by file extension)')
    .action(async (file: string, o: ClientOptions & { reason: string; format?: string }) => {
      let text: string;
      try {
        text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (error) {
        throw invalidInput(`cannot read ${file}: ${(error as Error).message}`, 'file');
      }
      const format = o.format ?? (file.endsWith('.json') ? 'json' : 'yaml');
      const cr = await new ApiClient(o).request<ChangeRequest>('POST', '/api/v1/policy/proposals', {
        document: text,
        format,
        reason: o.reason,
      });
      if (o.json) return printJson(cr);
      process.stdout.write(`policy change request ${cr.id}: ${cr.status}\n`);
      printRequest(cr);
    });
}

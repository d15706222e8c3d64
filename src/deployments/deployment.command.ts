import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import type { Deployment } from './deployment.schema.js';

const DEPLOYMENT_COLUMNS = [
  'id',
  'model',
  'version',
  'environment',
  'target',
  'trafficPercent',
  'status',
  'deployedBy',
  'deployedAt',
  'endedAt',
];
const DEPLOYMENT_KEYS = [...DEPLOYMENT_COLUMNS, 'endedBy', 'endReason', 'note', 'piiFindings'];

function trafficOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw invalidInput(`--traffic expects a number from 0 to 100, got "${value}"`, '--traffic');
  return n;
}

/** `warden deployments list|show|create|end`: which version runs where. */
export function registerDeploymentCommands(program: Command): void {
  const deployments = program
    .command('deployments')
    .description('which version runs where: record, end and list deployments');

  withClientOptions(deployments.command('list'))
    .description('list deployments, newest first')
    .option('--model <name>')
    .option('--version <semver>', 'only this version (with --model)')
    .option('--environment <name>', 'e.g. production, staging, shadow')
    .option('--status <status>', 'active or ended')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>')
    .action(async (o: ClientOptions & Record<string, string | undefined>) => {
      const page = await new ApiClient(o).get<{ items: Deployment[]; nextPageToken?: string }>(
        '/api/v1/deployments',
        {
          model: o.model,
          version: o.version,
          environment: o.environment,
          status: o.status,
          limit: o.limit,
          pageToken: o.pageToken,
        },
      );
      if (o.json) return printJson(page);
      printTable(page.items, DEPLOYMENT_COLUMNS);
      if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
    });

  withClientOptions(deployments.command('show <id>'))
    .description('show a deployment')
    .action(async (id: string, o: ClientOptions) => {
      const d = await new ApiClient(o).get<Deployment>(`/api/v1/deployments/${seg(id)}`);
      return o.json ? printJson(d) : printRecord(d, DEPLOYMENT_KEYS);
    });

  withClientOptions(deployments.command('create <model> <version>'))
    .description('record that a version now runs in an environment')
    .requiredOption('--environment <name>', 'production, staging, shadow, … (lower case, URL-safe)')
    .requiredOption('--target <text>', 'endpoint, cluster or service it runs on')
    .option('--traffic <percent>', 'share of the target’s traffic, 0–100 (default 100)')
    .option('--note <text>')
    .action(
      async (
        model: string,
        version: string,
        o: ClientOptions & { environment: string; target: string; traffic?: string; note?: string },
      ) => {
        const traffic = trafficOf(o.traffic);
        const d = await new ApiClient(o).request<Deployment>(
          'POST',
          `/api/v1/models/${seg(model)}/versions/${seg(version)}/deployments`,
          {
            environment: o.environment,
            target: o.target,
            ...(traffic !== undefined ? { trafficPercent: traffic } : {}),
            ...(o.note !== undefined ? { note: o.note } : {}),
          },
        );
        if (o.json) return printJson(d);
        process.stdout.write(
          `deployment ${d.id}: ${d.model}@${d.version} active in ${d.environment} / ${d.target}\n`,
        );
        printRecord(d, DEPLOYMENT_KEYS);
      },
    );

  withClientOptions(deployments.command('end <id>'))
    .description('record that a deployment has ended')
    .requiredOption('--reason <text>', 'why it ended (rolled back, replaced, decommissioned, …)')
    .action(async (id: string, o: ClientOptions & { reason: string }) => {
      const d = await new ApiClient(o).request<Deployment>('POST', `/api/v1/deployments/${seg(id)}/end`, {
        reason: o.reason,
      });
      if (o.json) return printJson(d);
      process.stdout.write(`deployment ${d.id}: ended\n`);
      printRecord(d, DEPLOYMENT_KEYS);
    });
}

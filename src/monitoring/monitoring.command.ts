import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { readJsonFile } from '../registry/registry.command.js';
import { registerIngestCommands } from './ingest.command.js';
import type { MonitorCheck } from './monitoring.types.js';

const CHECK_COLUMNS = ['rule', 'feature', 'segment', 'status', 'value', 'threshold', 'policyRule', 'version'];

function rows(checks: MonitorCheck[]): Record<string, unknown>[] {
  return checks.map((c) => ({ ...c, feature: c.feature ?? '', segment: c.segment ?? '' }));
}

/**
 * `warden ingest` plus `warden monitoring run|results|config`: evaluate now, read the stored
 * results, show or replace a model's monitoring configuration.
 */
export function registerMonitoringCommands(program: Command): void {
  registerIngestCommands(program);
  const monitoring = program.command('monitoring').description('production monitoring of a model');

  withClientOptions(monitoring.command('run <model>'))
    .description('evaluate the model’s monitors now and print every check')
    .option('--rules <names>', 'comma-separated rule names (default: all)')
    .option('--problems', 'print only warnings, alerts and insufficient data')
    .action(async (model: string, o: ClientOptions & { rules?: string; problems?: boolean }) => {
      const query = o.rules ? `?rules=${encodeURIComponent(o.rules)}` : '';
      const result = await new ApiClient(o).request<{ checks: MonitorCheck[] }>(
        'POST',
        `/api/v1/models/${seg(model)}/monitoring/run${query}`,
      );
      if (o.json) return printJson(result);
      const checks = o.problems ? result.checks.filter((c) => c.status !== 'ok') : result.checks;
      printTable(rows(checks), CHECK_COLUMNS);
      const alerts = result.checks.filter((c) => c.status === 'alert').length;
      process.stdout.write(`${result.checks.length} checks, ${alerts} at alert\n`);
    });

  withClientOptions(monitoring.command('results <model>'))
    .description('stored monitoring results, newest first')
    .option('--rule <rule>')
    .option('--feature <feature>')
    .option('--segment <segment>', '`attribute=value`; "" for the whole population')
    .option('--status <status>')
    .option('--from <time>', 'ISO-8601')
    .option('--to <time>', 'ISO-8601')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>')
    .action(
      async (
        model: string,
        o: ClientOptions &
          Record<
            'rule' | 'feature' | 'segment' | 'status' | 'from' | 'to' | 'pageToken',
            string | undefined
          > & {
            limit: string;
          },
      ) => {
        const params = new URLSearchParams();
        for (const key of [
          'rule',
          'feature',
          'segment',
          'status',
          'from',
          'to',
          'limit',
          'pageToken',
        ] as const) {
          const value = o[key];
          if (value !== undefined) params.set(key, value);
        }
        const page = await new ApiClient(o).request<{
          items: (MonitorCheck & { evaluatedAt: string })[];
          nextPageToken?: string;
        }>('GET', `/api/v1/models/${seg(model)}/monitoring?${params.toString()}`);
        if (o.json) return printJson(page);
        printTable(rows(page.items), ['evaluatedAt', ...CHECK_COLUMNS]);
        if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
      },
    );

  withClientOptions(monitoring.command('config <model>'))
    .description('show the monitoring configuration in force, or replace it with --set FILE')
    .option('--set <file>', 'JSON configuration to store (- for stdin)')
    .action(async (model: string, o: ClientOptions & { set?: string }) => {
      const client = new ApiClient(o);
      const path = `/api/v1/models/${seg(model)}/monitoring/config`;
      const config = o.set
        ? await client.request<Record<string, unknown>>('PUT', path, readJsonFile(o.set, '--set'))
        : await client.request<Record<string, unknown>>('GET', path);
      if (config.kind === 'governance_change') {
        const required = config.required as Array<{ role: string; count: number }>;
        process.stderr.write(
          `governance change request ${String(config.id)} opened (${String(config.reason)}); it applies once approved by: ${required.map((r) => `${r.role} ×${r.count}`).join(', ')}\n`,
        );
      }
      printJson(config);
    });
}

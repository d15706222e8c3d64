import fs from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';

const COLUMNS = ['id', 'kind', 'model', 'version', 'from', 'to', 'trigger', 'generatedAt'];
type Row = Record<string, unknown> & { period: { from: string; to: string } };
const flat = (r: Row) => ({ ...r, from: r.period.from, to: r.period.to });

/** `warden reports list|generate|show|download`: stored periodic reports and post-implementation reviews. */
export function registerReportCommands(program: Command): void {
  const reports = program
    .command('reports')
    .description('periodic monitoring reports and post-implementation reviews');

  withClientOptions(reports.command('list'))
    .description('stored reports, newest first')
    .option('--model <name>')
    .option('--kind <kind>', 'periodic or post-implementation-review')
    .option('--limit <n>', 'page size', '50')
    .action(async (o: ClientOptions & Record<string, string | undefined>) => {
      const page = await new ApiClient(o).get<{ items: Row[] }>('/api/v1/reports', {
        model: o.model,
        kind: o.kind,
        limit: o.limit,
      });
      if (o.json) return printJson(page);
      printTable(page.items.map(flat), COLUMNS);
    });

  withClientOptions(reports.command('generate'))
    .description(
      'generate a report now: --model with --from/--to (periodic), or --deployment (post-implementation review)',
    )
    .option('--model <name>')
    .option('--from <time>', 'period start, ISO-8601')
    .option('--to <time>', 'period end, ISO-8601 (not in the future)')
    .option('--deployment <id>', 'the deployment a post-implementation review covers')
    .option('--days <n>', 'days of production the review covers (default: the tier’s)')
    .action(async (o: ClientOptions & Record<string, string | undefined>) => {
      let body: Record<string, unknown>;
      if (o.deployment)
        body = {
          kind: 'post-implementation-review',
          deploymentId: o.deployment,
          ...(o.days ? { days: Number(o.days) } : {}),
        };
      else if (o.model) body = { kind: 'periodic', model: o.model, from: o.from, to: o.to };
      else throw invalidInput('give --model with --from and --to, or --deployment', '--model');
      const report = await new ApiClient(o).request<Row>('POST', '/api/v1/reports', body);
      if (o.json) return printJson(report);
      printRecord(flat(report), [...COLUMNS, 'contentSha256']);
    });

  withClientOptions(reports.command('show <id>'))
    .description('a stored report as Markdown (or its JSON with --json)')
    .action(async (id: string, o: ClientOptions) => {
      const client = new ApiClient(o);
      if (o.json) return printJson(await client.get(`/api/v1/reports/${seg(id)}`));
      process.stdout.write(await (await client.raw('GET', `/api/v1/reports/${seg(id)}?format=md`)).text());
    });

  withClientOptions(reports.command('download <id>'))
    .description('save a stored report as HTML, Markdown or JSON')
    .option('--format <format>', 'html, md or json', 'html')
    .requiredOption('--out <file>')
    .action(async (id: string, o: ClientOptions & { format: string; out: string }) => {
      if (!['html', 'md', 'json'].includes(o.format))
        throw invalidInput('--format must be html, md or json', '--format');
      const response = await new ApiClient(o).raw('GET', `/api/v1/reports/${seg(id)}?format=${o.format}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      fs.writeFileSync(o.out, bytes);
      process.stdout.write(`wrote ${o.out}: report ${id} (${bytes.length} bytes)\n`);
    });
}

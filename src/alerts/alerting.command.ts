import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';
import type { Incident } from '../incidents/index.js';
import type { RetrainingLog, RetrainingRequest } from '../retraining/index.js';
import type { Alert } from './alert.schema.js';

type Page<T> = { items: T[]; nextPageToken?: string };
type ListOptions = ClientOptions & {
  model?: string;
  status?: string;
  severity?: string;
  signal?: string;
  limit: string;
  pageToken?: string;
};

function printMore(page: Page<unknown>): void {
  if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
}

function listCommand(parent: Command, description: string): Command {
  return withClientOptions(parent.command('list'))
    .description(description)
    .option('--model <name>')
    .option('--status <status>')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>');
}

/** Acknowledge and resolve, the same for alerts and incidents. */
function lifecycleCommands(parent: Command, noun: string, path: string, keys: string[]): void {
  for (const [verb, action] of [
    ['ack', 'acknowledge'],
    ['resolve', 'resolve'],
  ] as const) {
    withClientOptions(parent.command(`${verb} <id>`))
      .description(`${action} an ${noun} with a comment`)
      .requiredOption('-m, --comment <text>', 'what was found or done')
      .action(async (id: string, o: ClientOptions & { comment: string }) => {
        const item = await new ApiClient(o).request<Record<string, unknown>>(
          'POST',
          `${path}/${seg(id)}/${action}`,
          { comment: o.comment },
        );
        if (o.json) return printJson(item);
        printRecord(item, keys);
      });
  }
}

const ALERT_COLUMNS = [
  'id',
  'model',
  'rule',
  'feature',
  'segment',
  'severity',
  'status',
  'value',
  'threshold',
];
const ALERT_KEYS = [
  'id',
  'model',
  'version',
  'rule',
  'feature',
  'segment',
  'severity',
  'status',
  'value',
  'threshold',
  'openedAt',
  'lastSeenAt',
  'occurrences',
  'escalatedTo',
  'acknowledgedBy',
  'resolvedBy',
];
const INCIDENT_KEYS = [
  'id',
  'model',
  'signal',
  'segment',
  'status',
  'rate',
  'baselineRate',
  'pValue',
  'window',
  'exampleRecordIds',
  'acknowledgedBy',
  'resolvedBy',
];

/** `warden alerts`, `warden incidents` and `warden retraining`. */
export function registerAlertingCommands(program: Command): void {
  const alerts = program.command('alerts').description('monitoring alerts: list, acknowledge, resolve');
  listCommand(alerts, 'list alerts, newest first')
    .option('--severity <severity>', 'critical, high, medium or low')
    .action(async (o: ListOptions) => {
      const page = await new ApiClient(o).get<Page<Alert>>('/api/v1/alerts', {
        model: o.model,
        status: o.status,
        severity: o.severity,
        limit: o.limit,
        pageToken: o.pageToken,
      });
      if (o.json) return printJson(page);
      printTable(page.items, ALERT_COLUMNS);
      printMore(page);
    });
  withClientOptions(alerts.command('show <id>'))
    .description('show an alert')
    .action(async (id: string, o: ClientOptions) => {
      const alert = await new ApiClient(o).get<Alert>(`/api/v1/alerts/${seg(id)}`);
      if (o.json) return printJson(alert);
      printRecord(alert, [...ALERT_KEYS, 'comments']);
    });
  lifecycleCommands(alerts, 'alert', '/api/v1/alerts', ALERT_KEYS);

  const incidents = program.command('incidents').description('safety-signal and feedback incidents');
  listCommand(incidents, 'list incidents, newest first')
    .option('--signal <rule>', 'e.g. safety_signal:jailbreak_attempt')
    .action(async (o: ListOptions) => {
      const page = await new ApiClient(o).get<Page<Incident>>('/api/v1/incidents', {
        model: o.model,
        status: o.status,
        signal: o.signal,
        limit: o.limit,
        pageToken: o.pageToken,
      });
      if (o.json) return printJson(page);
      printTable(page.items, [
        'id',
        'model',
        'signal',
        'segment',
        'status',
        'rate',
        'baselineRate',
        'pValue',
      ]);
      printMore(page);
    });
  lifecycleCommands(incidents, 'incident', '/api/v1/incidents', INCIDENT_KEYS);

  const retraining = program.command('retraining').description('retraining requests and the decision log');
  listCommand(retraining, 'list retraining requests, newest first').action(async (o: ListOptions) => {
    const page = await new ApiClient(o).get<Page<RetrainingRequest>>('/api/v1/retraining-requests', {
      model: o.model,
      status: o.status,
      limit: o.limit,
      pageToken: o.pageToken,
    });
    if (o.json) return printJson(page);
    printTable(
      page.items.map((r) => ({
        ...r,
        reasons: r.reasons.map((x) => x.rule + (x.feature ? `:${x.feature}` : '')),
      })),
      ['id', 'model', 'version', 'status', 'reasons', 'createdAt', 'producedVersion', 'outcome'],
    );
    printMore(page);
  });
  withClientOptions(retraining.command('log <model>'))
    .description('the retraining decision log of a model: promoted, kept or failed, with metric changes')
    .action(async (model: string, o: ClientOptions) => {
      const log = await new ApiClient(o).get<RetrainingLog>(`/api/v1/models/${seg(model)}/retraining-log`);
      if (o.json) return printJson(log);
      printTable(
        log.entries.map((e) => ({
          ...e,
          reasons: e.reasons.map((r) => r.rule).join(','),
          outcome: e.outcome ?? e.status,
        })),
        [
          'requestedAt',
          'reasons',
          'outcome',
          'producedVersion',
          'metricChanges',
          'keptVersion',
          'cost',
          'note',
        ],
      );
      const s = log.summary;
      const money = (totals: Array<{ currency: string; amount: number }>) =>
        totals.map((t) => `${t.amount.toFixed(2)} ${t.currency}`).join(' + ') || '0';
      process.stdout.write(
        `${s.requests} requests: ${s.promoted} promoted, ${s.kept} kept, ${s.failed} failed, ${s.open} open\n` +
          `training cost ${money(s.costSpent)}; saved by skipped promotions ${money(s.costSaved)}\n`,
      );
    });
}

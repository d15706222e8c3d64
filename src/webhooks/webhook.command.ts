import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import type { Delivery, Webhook } from './webhook.schema.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `warden webhooks create|list|delete|deliveries`. */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('event subscriptions and their delivery log');

  withClientOptions(webhooks.command('create <target>'))
    .description('subscribe an http(s) URL to events (each delivery signed with --secret)')
    .requiredOption('--event <type>', 'event type or * (repeatable)', collect)
    .requiredOption('--secret <secret>', 'shared secret for X-Warden-Signature (16+ characters)')
    .option('--description <text>')
    .action(
      async (
        target: string,
        o: ClientOptions & { event: string[]; secret: string; description?: string },
      ) => {
        const hook = await new ApiClient(o).request<Webhook>('POST', '/api/v1/webhooks', {
          url: target,
          events: o.event,
          secret: o.secret,
          ...(o.description !== undefined ? { description: o.description } : {}),
        });
        if (o.json) return printJson(hook);
        process.stdout.write(`created webhook ${hook.id} → ${hook.url} (${hook.events.join(', ')})\n`);
      },
    );

  withClientOptions(webhooks.command('list'))
    .description('list subscriptions')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>')
    .action(async (o: ClientOptions & { limit?: string; pageToken?: string }) => {
      const page = await new ApiClient(o).get<{ items: Webhook[]; nextPageToken?: string }>(
        '/api/v1/webhooks',
        {
          limit: o.limit,
          pageToken: o.pageToken,
        },
      );
      if (o.json) return printJson(page);
      printTable(page.items, ['id', 'url', 'events', 'createdBy', 'createdAt']);
      if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
    });

  withClientOptions(webhooks.command('delete <id>'))
    .description('remove a subscription')
    .action(async (id: string, o: ClientOptions) => {
      const result = await new ApiClient(o).request<{ id: string }>('DELETE', `/api/v1/webhooks/${seg(id)}`);
      if (o.json) return printJson(result);
      process.stdout.write(`deleted webhook ${id}\n`);
    });

  withClientOptions(webhooks.command('deliveries <id>'))
    .description('the delivery log of a subscription, newest first')
    .option('--status <status>', 'pending | delivered | dead | cancelled')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>')
    .action(
      async (id: string, o: ClientOptions & { status?: string; limit?: string; pageToken?: string }) => {
        const page = await new ApiClient(o).get<{ items: Delivery[]; nextPageToken?: string }>(
          `/api/v1/webhooks/${seg(id)}/deliveries`,
          { status: o.status, limit: o.limit, pageToken: o.pageToken },
        );
        if (o.json) return printJson(page);
        printTable(page.items, [
          'id',
          'event',
          'subject',
          'status',
          'attempts',
          'lastStatusCode',
          'lastError',
          'createdAt',
        ]);
        if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
      },
    );
}

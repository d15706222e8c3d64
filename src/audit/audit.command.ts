import fs from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { loadConfig } from '../config/config.js';
import { invalidInput, WardenError } from '../core/errors.js';
import { openRowReader } from '../db/row-reader.js';
import type { SignedHead } from './audit-chain.js';
import { verifyAuditChain } from './audit-verify.js';

function readHeadFile(file: string): SignedHead {
  try {
    const head = JSON.parse(fs.readFileSync(file, 'utf8')) as SignedHead;
    if (
      typeof head.seq !== 'number' ||
      typeof head.hash !== 'string' ||
      typeof head.signature !== 'string' ||
      typeof head.publicKey !== 'string'
    ) {
      throw new Error('needs seq, hash, signature and publicKey');
    }
    return head;
  } catch (error) {
    throw invalidInput(
      `--expect-head: ${file} is not a signed head: ${(error as Error).message}`,
      '--expect-head',
    );
  }
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');

  withClientOptions(audit.command('list'))
    .description('list audit entries, newest first')
    .option('--subject <subject>', 'e.g. model:credit-default')
    .option('--actor <principal>')
    .option('--action <action>')
    .option('--from <iso>')
    .option('--to <iso>')
    .option('--limit <n>', 'page size', '50')
    .action(async (o: ClientOptions & Record<string, string | undefined>) => {
      const page = await new ApiClient(o).get<{ items: Array<Record<string, unknown>> }>('/api/v1/audit', {
        subject: o.subject,
        actor: o.actor,
        action: o.action,
        from: o.from,
        to: o.to,
        limit: o.limit,
      });
      if (o.json) return printJson(page);
      printTable(page.items, ['seq', 'at', 'actor', 'action', 'subject']);
    });

  withClientOptions(audit.command('head'))
    .description('print the latest signed head (JSON) for anchoring elsewhere')
    .action(async (o: ClientOptions) => {
      printJson(await new ApiClient(o).get('/api/v1/audit/head'));
    });

  audit
    .command('verify')
    .description('recompute the whole chain from the store (offline); exit 0 when intact')
    .option('--data-dir <dir>', 'embedded store folder (default ./warden-data)')
    .option('--database-url <url>', 'PostgreSQL URL')
    .option(
      '--expect-head <file>',
      'a signed head saved earlier (warden audit head > head.json); the log must still reach it',
    )
    .option('--json', 'print the report as JSON')
    .action(async (o: { dataDir?: string; databaseUrl?: string; expectHead?: string; json?: boolean }) => {
      const config = loadConfig(o);
      const expectHead = o.expectHead ? readHeadFile(o.expectHead) : undefined;
      // Opens an existing store read-only: verifying never creates, migrates or writes one.
      const store = await openRowReader(config);
      try {
        const started = process.hrtime.bigint();
        const report = await verifyAuditChain(store, {
          ...(expectHead ? { expectHead } : {}),
          parallel: {
            store: { dataDir: config.dataDir, databaseUrl: config.databaseUrl },
            workers: availableParallelism(),
          },
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (o.json) printJson({ ...report, seconds });
        else if (report.ok) process.stdout.write(`${report.message} (${seconds.toFixed(2)} s)\n`);
        if (!report.ok) throw new WardenError('integrity_failure', `audit chain broken: ${report.message}`);
      } finally {
        await store.close();
      }
    });
}

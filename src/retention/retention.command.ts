import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import type { RetentionRun } from './retention.service.js';

/** `warden retention run`: purge what the retention policy no longer keeps, now. */
export function registerRetentionCommands(program: Command): void {
  const retention = program.command('retention').description('raw-record retention and purges');
  withClientOptions(retention.command('run'))
    .description('run the retention task now (it also runs daily); each purge is audited')
    .action(async (o: ClientOptions) => {
      const run = await new ApiClient(o).request<RetentionRun>('POST', '/api/v1/retention/run', {});
      if (o.json) return printJson(run);
      printTable(
        run.purges.map((p) => ({ ...p })),
        ['model', 'tier', 'records', 'labels', 'feedback', 'pending', 'from', 'to', 'idsSha256'],
      );
      if (run.held.length > 0) process.stdout.write(`under legal hold, kept: ${run.held.join(', ')}\n`);
    });
}

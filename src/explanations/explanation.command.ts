import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';

interface Reasons {
  recordId: string;
  model: string;
  version: string;
  adverse: boolean;
  reasons: { rank: number; feature: string; attribution: number; reason: string }[];
}

/** `warden reasons RECORD_ID`: the principal reasons of an adverse decision; `--notice` prints the notice. */
export function registerExplanationCommands(program: Command): void {
  withClientOptions(program.command('reasons <recordId>'))
    .description('the principal reasons of an adverse decision, largest first (or its adverse-action notice)')
    .option('--model <name>', 'the model, when several use the record id')
    .option('--model-version <version>', 'the version, when several versions use the record id')
    .option('-n, --count <n>', 'how many reasons', '4')
    .option('--notice <format>', 'print the adverse-action notice instead: md or html')
    .action(
      async (
        recordId: string,
        o: ClientOptions & { model?: string; modelVersion?: string; count: string; notice?: string },
      ) => {
        const client = new ApiClient(o);
        const query = new URLSearchParams({ n: o.count });
        if (o.model !== undefined) query.set('model', o.model);
        if (o.modelVersion !== undefined) query.set('version', o.modelVersion);
        if (o.notice !== undefined) {
          query.set('format', o.notice);
          const response = await client.raw(
            'GET',
            `/api/v1/predictions/${seg(recordId)}/adverse-action-notice?${query.toString()}`,
          );
          return void process.stdout.write(await response.text());
        }
        const result = await client.get<Reasons>(
          `/api/v1/predictions/${seg(recordId)}/reasons?${query.toString()}`,
        );
        if (o.json) return printJson(result);
        process.stdout.write(
          `${result.model} ${result.version}, record ${result.recordId}: ${result.adverse ? 'adverse decision' : 'not an adverse decision'}\n`,
        );
        if (result.reasons.length > 0)
          printTable(result.reasons, ['rank', 'reason', 'feature', 'attribution']);
      },
    );
}

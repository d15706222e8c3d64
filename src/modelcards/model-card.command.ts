import fs from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import { HUMAN_SECTIONS } from './model-card.repository.js';

const FORMATS = ['md', 'html', 'json'];

/** `warden model-card NAME VERSION`: the generated card; `--set SECTION=FILE` writes a human section. */
export function registerModelCardCommands(program: Command): void {
  withClientOptions(program.command('model-card <model> <version>'))
    .description('the generated model card of a version (Markdown by default), or write its human sections')
    .option('--format <format>', 'md, html or json', 'md')
    .option('--out <file>', 'write the card to a file instead of stdout')
    .option(
      '--set <section=file>',
      `write a human section from a text file (${HUMAN_SECTIONS.join(', ')}); repeatable`,
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--history', 'list every revision of the human sections')
    .action(
      async (
        model: string,
        version: string,
        o: ClientOptions & { format: string; out?: string; set: string[]; history?: boolean },
      ) => {
        const client = new ApiClient(o);
        const base = `/api/v1/models/${seg(model)}/versions/${seg(version)}/model-card`;
        if (o.set.length) {
          for (const item of o.set) {
            const [section, file] = item.split('=', 2);
            if (!section || !file || !(HUMAN_SECTIONS as readonly string[]).includes(section))
              throw invalidInput(
                `--set expects SECTION=FILE with SECTION one of ${HUMAN_SECTIONS.join(', ')}`,
                '--set',
              );
            const revision = await client.request<Record<string, unknown>>(
              'PUT',
              `${base}/sections/${section}`,
              {
                text: fs.readFileSync(file, 'utf8'),
              },
            );
            if (o.json) printJson(revision);
            else
              process.stdout.write(
                `${section}: revision ${String(revision.revision)} written by ${String(revision.writtenBy)}\n`,
              );
          }
          return;
        }
        if (o.history) {
          const history = await client.get<{ items: Array<Record<string, unknown>> }>(`${base}/history`);
          if (o.json) return printJson(history);
          return printTable(history.items, ['section', 'revision', 'writtenBy', 'writtenAt']);
        }
        const format = o.json ? 'json' : o.format;
        if (!FORMATS.includes(format))
          throw invalidInput(`--format must be one of ${FORMATS.join(', ')}`, '--format');
        const response = await client.raw('GET', `${base}?format=${format}`);
        const text =
          format === 'json' ? `${JSON.stringify(await response.json(), null, 2)}\n` : await response.text();
        if (o.out === undefined) return void process.stdout.write(text);
        fs.writeFileSync(o.out, text);
        process.stdout.write(
          `wrote ${o.out}: model card of ${model} ${version} (${Buffer.byteLength(text)} bytes)\n`,
        );
      },
    );
}

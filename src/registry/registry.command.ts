import fs from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import type { Model } from './model.schema.js';
import type { ModelVersion } from './version.schema.js';

/** Reads a JSON document from a file path, or from stdin when the path is `-`. */
export function readJsonFile(file: string, flag: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw invalidInput(`${flag}: cannot read ${file}: ${(error as Error).message}`, flag);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw invalidInput(`${flag}: ${file} is not a JSON object: ${(error as Error).message}`, flag);
  }
}

function parsePairs(pairs: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw invalidInput(`${flag} expects key=value, got "${pair}"`, flag);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const MODEL_COLUMNS = ['name', 'riskTier', 'owner', 'team', 'championVersion', 'updatedAt'];
const VERSION_KEYS = [
  'model',
  'version',
  'stage',
  'framework',
  'artifact',
  'verified',
  'metrics',
  'features',
  'createdBy',
  'createdAt',
];

export function registerRegistryCommands(program: Command): void {
  const models = program.command('models').description('the model inventory');

  withClientOptions(models.command('list'))
    .description('list models, with filters')
    .option('--tier <n>', 'risk tier 1-4')
    .option('--owner <owner>')
    .option('--team <team>')
    .option('--tag <key[=value]>')
    .option('--stage <stage>', 'models with a version in this stage')
    .option('-q, --query <text>', 'text search')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>')
    .action(async (o: ClientOptions & Record<string, string | undefined>) => {
      const page = await new ApiClient(o).get<{ items: Model[]; nextPageToken?: string }>('/api/v1/models', {
        tier: o.tier,
        owner: o.owner,
        team: o.team,
        tag: o.tag,
        stage: o.stage,
        q: o.query,
        limit: o.limit,
        pageToken: o.pageToken,
      });
      if (o.json) return printJson(page);
      printTable(page.items as unknown as Array<Record<string, unknown>>, MODEL_COLUMNS);
      if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
    });

  withClientOptions(models.command('create'))
    .description('register a model (flags, or a JSON document with --file)')
    .option('--file <path>', 'JSON body as for POST /api/v1/models (- for stdin)')
    .option('--name <name>')
    .option('--owner <owner>')
    .option('--tier <n>', 'risk tier 1 (critical) to 4 (experimental)')
    .option('--team <team>')
    .option('--display-name <text>')
    .option('--description <text>')
    .option('--use-case <text>')
    .option('--intended-use <text>')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .action(async (o: ClientOptions & Record<string, string | string[] | undefined>) => {
      const body: Record<string, unknown> = o.file ? readJsonFile(o.file as string, '--file') : {};
      const set = (key: string, value: unknown) => {
        if (value !== undefined) body[key] = value;
      };
      set('name', o.name);
      set('owner', o.owner);
      set('riskTier', o.tier !== undefined ? Number(o.tier) : undefined);
      set('team', o.team);
      set('displayName', o.displayName);
      set('description', o.description);
      set('useCase', o.useCase);
      set('intendedUse', o.intendedUse);
      set('tags', parsePairs(o.tag as string[] | undefined, '--tag'));
      const model = await new ApiClient(o).request<Model>('POST', '/api/v1/models', body);
      if (o.json) return printJson(model);
      process.stdout.write(`registered model ${model.name} (tier ${model.riskTier}, owner ${model.owner})\n`);
    });

  withClientOptions(models.command('show <name>'))
    .description('show a model')
    .action(async (name: string, o: ClientOptions) => {
      const model = await new ApiClient(o).get<Model>(`/api/v1/models/${seg(name)}`);
      if (o.json) return printJson(model);
      printRecord(model as unknown as Record<string, unknown>, [
        'name',
        'displayName',
        'riskTier',
        'owner',
        'team',
        'useCase',
        'intendedUse',
        'tags',
        'consumers',
        'championVersion',
        'previousChampionVersion',
        'piiFindings',
        'createdAt',
        'updatedAt',
      ]);
    });

  const versions = program.command('versions').description('model versions');

  withClientOptions(versions.command('create <model>'))
    .description('register a version from a JSON document (see POST /api/v1/models/{name}/versions)')
    .requiredOption('--file <path>', 'JSON body with version, lineage, metrics… (- for stdin)')
    .option('--version <semver>', 'overrides "version" in the file')
    .action(async (model: string, o: ClientOptions & { file: string; version?: string }) => {
      const body = readJsonFile(o.file, '--file');
      if (o.version) body.version = o.version;
      const created = await new ApiClient(o).request<ModelVersion>(
        'POST',
        `/api/v1/models/${seg(model)}/versions`,
        body,
      );
      if (o.json) return printJson(created);
      process.stdout.write(`registered ${created.model} ${created.version} (stage ${created.stage})\n`);
    });

  withClientOptions(versions.command('list <model>'))
    .description('list a model’s versions')
    .option('--stage <stage>')
    .action(async (model: string, o: ClientOptions & { stage?: string }) => {
      const page = await new ApiClient(o).get<{ items: ModelVersion[] }>(
        `/api/v1/models/${seg(model)}/versions`,
        {
          stage: o.stage,
          limit: 1000,
        },
      );
      if (o.json) return printJson(page);
      printTable(
        page.items.map((v) => ({ ...v, artifact: v.artifact?.sha256.slice(0, 12) ?? null })),
        ['version', 'stage', 'framework', 'artifact', 'verified', 'createdBy', 'createdAt'],
      );
    });

  withClientOptions(versions.command('show <model> <version>'))
    .description('show a version')
    .action(async (model: string, version: string, o: ClientOptions) => {
      const v = await new ApiClient(o).get<ModelVersion>(
        `/api/v1/models/${seg(model)}/versions/${seg(version)}`,
      );
      if (o.json) return printJson(v);
      printRecord(v as unknown as Record<string, unknown>, VERSION_KEYS);
    });
}

import fs from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import type { Feature } from './feature.schema.js';

type Options = ClientOptions & Record<string, string | boolean | undefined>;

const FEATURE_COLUMNS = ['name', 'type', 'version', 'status', 'owner', 'refreshCadence', 'updatedAt'];
const FEATURE_KEYS = [
  'name',
  'type',
  'version',
  'status',
  'deprecatedAt',
  'owner',
  'description',
  'source',
  'refreshCadence',
  'sla',
  'piiFindings',
  'createdBy',
  'createdAt',
  'updatedAt',
];

function readBodyFile(file: string): Record<string, unknown> {
  try {
    const value = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw invalidInput(`--file: ${file}: ${(error as Error).message}`, '--file');
  }
}

function toNumber(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw invalidInput(`${flag} expects a number, got "${value}"`, flag);
  return n;
}

/** Shared flags of `create` and `update`, turned into a request body. */
function bodyFromFlags(o: Options, base: Record<string, unknown>): Record<string, unknown> {
  const body = { ...base };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) body[key] = value;
  };
  set('owner', o.owner);
  set('type', o.type);
  set('description', o.description);
  set('source', o.source);
  set('refreshCadence', o.refreshCadence);
  set('version', o.version);
  set('status', o.status);
  set('deprecatedAt', o.deprecatedAt);
  const freshness = typeof o.freshness === 'string' ? o.freshness : undefined;
  const completeness = toNumber(o.completeness, '--completeness');
  if (freshness !== undefined || completeness !== undefined) {
    body.sla = {
      ...(body.sla ?? {}),
      ...(freshness !== undefined ? { freshness } : {}),
      ...(completeness !== undefined ? { completeness } : {}),
    };
  }
  return body;
}

function withFeatureFlags(cmd: Command): Command {
  return cmd
    .option('--file <path>', 'JSON body (- for stdin); flags override its fields')
    .option('--owner <owner>')
    .option('--type <type>', 'numeric|categorical|boolean|text|embedding|timestamp')
    .option('--description <text>')
    .option('--source <text>', 'where the feature comes from (stored as text)')
    .option('--refresh-cadence <text>', 'e.g. hourly, daily')
    .option('--freshness <duration>', 'freshness SLA, e.g. 65m, 25h')
    .option('--completeness <share>', 'completeness SLA, 0–1')
    .option('--version <semver>', 'semantic version of the feature definition')
    .option('--status <status>', 'active|deprecated')
    .option('--deprecated-at <iso-time>');
}

/** `warden features list|create|show|update|models|of-model`. */
export function registerFeatureCommands(program: Command): void {
  const features = program.command('features').description('the feature catalog');

  withClientOptions(features.command('list'))
    .description('list features, with filters')
    .option('--owner <owner>')
    .option('--status <status>', 'active|deprecated')
    .option('--type <type>')
    .option('-q, --query <text>', 'text search in name, description and source')
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>')
    .action(async (o: Options) => {
      const page = await new ApiClient(o).get<{ items: Feature[]; nextPageToken?: string }>(
        '/api/v1/features',
        {
          owner: o.owner as string | undefined,
          status: o.status as string | undefined,
          type: o.type as string | undefined,
          q: o.query as string | undefined,
          limit: o.limit as string | undefined,
          pageToken: o.pageToken as string | undefined,
        },
      );
      if (o.json) return printJson(page);
      printTable(page.items, FEATURE_COLUMNS);
      if (page.nextPageToken) process.stdout.write(`more: --page-token ${page.nextPageToken}\n`);
    });

  withFeatureFlags(withClientOptions(features.command('create [name]')))
    .description('add a feature to the catalog (flags, or a JSON document with --file)')
    .action(async (name: string | undefined, o: Options) => {
      const body = bodyFromFlags(o, typeof o.file === 'string' ? readBodyFile(o.file) : {});
      if (name !== undefined) body.name = name;
      const feature = await new ApiClient(o).request<Feature>('POST', '/api/v1/features', body);
      if (o.json) return printJson(feature);
      process.stdout.write(
        `catalogued feature ${feature.name} ${feature.version} (${feature.type}, ${feature.status})\n`,
      );
    });

  withClientOptions(features.command('show <name>'))
    .description('show a feature')
    .action(async (name: string, o: Options) => {
      const feature = await new ApiClient(o).get<Feature>(`/api/v1/features/${seg(name)}`);
      if (o.json) return printJson(feature);
      printRecord(feature, FEATURE_KEYS);
    });

  withFeatureFlags(withClientOptions(features.command('update <name>')))
    .description('change a feature; --version must increase; --status deprecated records the date')
    .action(async (name: string, o: Options) => {
      const body = bodyFromFlags(o, typeof o.file === 'string' ? readBodyFile(o.file) : {});
      if (Object.keys(body).length === 0)
        throw invalidInput('nothing to change: give at least one flag', 'flags');
      const feature = await new ApiClient(o).request<Feature>('PATCH', `/api/v1/features/${seg(name)}`, body);
      if (o.json) return printJson(feature);
      process.stdout.write(`updated feature ${feature.name}: ${feature.version}, ${feature.status}\n`);
    });

  withClientOptions(features.command('models <name>'))
    .description('models and versions that consume a feature')
    .action(async (name: string, o: Options) => {
      const page = await new ApiClient(o).get<{
        items: Array<{ model: string; versions: Array<{ version: string; stage: string }> }>;
      }>(`/api/v1/features/${seg(name)}/models`);
      if (o.json) return printJson(page);
      printTable(
        page.items.flatMap((m) =>
          m.versions.map((v) => ({ model: m.model, version: v.version, stage: v.stage })),
        ),
        ['model', 'version', 'stage'],
      );
    });

  withClientOptions(features.command('of-model <model>'))
    .description('features consumed by any version of a model')
    .action(async (model: string, o: Options) => {
      const page = await new ApiClient(o).get<{ items: Array<Feature & { usedByVersions: string[] }> }>(
        `/api/v1/models/${seg(model)}/features`,
      );
      if (o.json) return printJson(page);
      printTable(
        page.items.map((f) => ({ ...f, usedByVersions: f.usedByVersions.join(', ') })),
        ['name', 'type', 'version', 'status', 'usedByVersions'],
      );
    });
}

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord, printTable } from '../cli/output.js';
import { invalidInput, isErrorCode, WardenError } from '../core/errors.js';
import { signDigest } from '../keys/index.js';
import type { AttachmentResult } from './attachment.schema.js';
import type { ArtifactSignature } from './signature.schema.js';
import type { Model } from './model.schema.js';
import type { ModelVersion } from './version.schema.js';

/** A PATCH that loosens a control answers with the change request holding it. */
interface GovernanceChangeReply {
  id: string;
  kind: string;
  reason: string;
  required: Array<{ role: string; count: number }>;
}

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

/**
 * `--consumer NAME[,contact=TEXT][,webhook=URL]`: who uses the model, told when it is retired
 * (a webhook to the URL when there is one, and an audit entry either way).
 */
function parseConsumers(specs: string[] | undefined): Array<Record<string, string>> | undefined {
  if (!specs || specs.length === 0) return undefined;
  return specs.map((spec) => {
    const [name, ...rest] = spec.split(',');
    if (!name || name.includes('='))
      throw invalidInput(`--consumer expects NAME[,contact=TEXT][,webhook=URL], got "${spec}"`, '--consumer');
    const consumer: Record<string, string> = { name: name.trim() };
    for (const part of rest) {
      const i = part.indexOf('=');
      const key = part.slice(0, i).trim();
      if (i <= 0 || (key !== 'contact' && key !== 'webhook'))
        throw invalidInput(
          `--consumer "${spec}": "${part}" is not contact=TEXT or webhook=URL`,
          '--consumer',
        );
      consumer[key === 'webhook' ? 'webhookUrl' : 'contact'] = part.slice(i + 1).trim();
    }
    return consumer;
  });
}

const MODEL_COLUMNS = ['name', 'riskTier', 'owner', 'team', 'championVersion', 'updatedAt'];
const VERSION_KEYS = [
  'model',
  'version',
  'stage',
  'framework',
  'description',
  'lineage',
  'artifact',
  'verified',
  'integrity',
  'previousVersion',
  'declaredBump',
  'requiredBump',
  'bumpReasons',
  'signatures',
  'hasSbom',
  'hasModelCard',
  'piiFindings',
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
      printTable(page.items, MODEL_COLUMNS);
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
    .option(
      '--consumer <spec>',
      'a consumer told of retirement: NAME[,contact=TEXT][,webhook=URL] (repeatable)',
      collect,
    )
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
      set('consumers', parseConsumers(o.consumer as string[] | undefined));
      const model = await new ApiClient(o).request<Model>('POST', '/api/v1/models', body);
      if (o.json) return printJson(model);
      process.stdout.write(`registered model ${model.name} (tier ${model.riskTier}, owner ${model.owner})\n`);
    });

  withClientOptions(models.command('update <name>'))
    .description('change a model (see PATCH /api/v1/models/{name}); only the fields given change')
    .option('--file <path>', 'JSON body as for PATCH /api/v1/models/{name} (- for stdin)')
    .option('--owner <owner>')
    .option('--team <team>')
    .option('--display-name <text>')
    .option('--description <text>')
    .option('--use-case <text>')
    .option('--intended-use <text>')
    .option(
      '--consumer <spec>',
      'NAME[,contact=TEXT][,webhook=URL] (repeatable); replaces the list of consumers',
      collect,
    )
    .option('--no-consumers', 'clear the list of consumers')
    .action(
      async (name: string, o: ClientOptions & Record<string, string | string[] | boolean | undefined>) => {
        const body: Record<string, unknown> = o.file ? readJsonFile(o.file as string, '--file') : {};
        const set = (key: string, value: unknown) => {
          if (value !== undefined) body[key] = value;
        };
        set('owner', o.owner);
        set('team', o.team);
        set('displayName', o.displayName);
        set('description', o.description);
        set('useCase', o.useCase);
        set('intendedUse', o.intendedUse);
        set('consumers', o.consumers === false ? [] : parseConsumers(o.consumer as string[] | undefined));
        if (Object.keys(body).length === 0)
          throw invalidInput('nothing to change: give --file or at least one field option', '--file');
        const model = await new ApiClient(o).request<Model | GovernanceChangeReply>(
          'PATCH',
          `/api/v1/models/${seg(name)}`,
          body,
        );
        if (o.json) return printJson(model);
        if ('kind' in model) {
          process.stdout.write(
            `governance change request ${model.id} opened (${model.reason}); it applies once approved by: ${model.required.map((r) => `${r.role} ×${r.count}`).join(', ')}\n`,
          );
          return;
        }
        process.stdout.write(`updated model ${model.name}\n`);
        printRecord(model, ['name', 'owner', 'riskTier', 'team', 'consumers', 'updatedAt']);
      },
    );

  withClientOptions(models.command('show <name>'))
    .description('show a model')
    .action(async (name: string, o: ClientOptions) => {
      const model = await new ApiClient(o).get<Model>(`/api/v1/models/${seg(name)}`);
      if (o.json) return printJson(model);
      printRecord(model, [
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
      printRecord(v, VERSION_KEYS);
    });

  registerArtifactCommands(versions);
}

/**
 * PUTs a file as application/octet-stream over node:http(s), read only as fast as the socket
 * drains (fetch would queue the whole file in memory), and answers the JSON the server sent.
 */
function putFile(
  client: ApiClient,
  options: ClientOptions,
  urlPath: string,
  file: string,
  onChunk: (chunk: Buffer) => void,
): Promise<{ sha256: string; size: number }> {
  const url = new URL(client.baseUrl + urlPath);
  const token = options.token ?? process.env.WARDEN_TOKEN;
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'PUT',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'content-type': 'application/octet-stream',
          'content-length': String(fs.statSync(file).size),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: { error?: { code?: unknown; message?: string; field?: string } } & Record<
            string,
            unknown
          >;
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            body = {};
          }
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300)
            return resolve(body as unknown as { sha256: string; size: number });
          const code = body.error?.code;
          reject(
            new WardenError(
              isErrorCode(code) ? code : 'internal',
              body.error?.message ?? `${status} ${response.statusMessage ?? ''}`.trim(),
              body.error?.field,
            ),
          );
        });
      },
    );
    request.on('error', (error) =>
      reject(new WardenError('unavailable', `cannot reach Warden at ${client.baseUrl}: ${error.message}`)),
    );
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        onChunk(chunk);
        done(null, chunk);
      },
    });
    // A server that answers early (409, 413) stops reading; its answer, not the broken pipe, is the outcome.
    pipeline(fs.createReadStream(file), hashing, request).catch(() => undefined);
  });
}

/** A pass-through that hashes what flows through it. */
function hashingStream(): { stream: Transform; result: () => { sha256: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ sha256: hash.digest('hex'), size }) };
}

const versionPath = (model: string, version: string) =>
  `/api/v1/models/${seg(model)}/versions/${seg(version)}`;

/** `versions upload|download|sign|attach|attachment`. */
function registerArtifactCommands(versions: Command): void {
  withClientOptions(versions.command('upload <model> <version> <file>'))
    .description('stream a file as the version’s artifact; checks the server stored the same digest')
    .action(async (model: string, version: string, file: string, o: ClientOptions) => {
      if (!fs.existsSync(file) || !fs.statSync(file).isFile())
        throw invalidInput(`${file} is not a readable file`, 'file');
      const hash = createHash('sha256');
      let size = 0;
      const stored = await putFile(
        new ApiClient(o),
        o,
        `${versionPath(model, version)}/artifact`,
        file,
        (chunk) => {
          hash.update(chunk);
          size += chunk.length;
        },
      );
      const local = { sha256: hash.digest('hex'), size };
      if (stored.sha256 !== local.sha256 || stored.size !== local.size) {
        throw new WardenError(
          'integrity_failure',
          `the server stored sha256 ${stored.sha256} (${stored.size} bytes) but the file hashes to ${local.sha256} (${local.size} bytes)`,
        );
      }
      if (o.json) return printJson(stored);
      process.stdout.write(`uploaded ${model} ${version}: sha256 ${stored.sha256} (${stored.size} bytes)\n`);
    });

  withClientOptions(versions.command('verify <model> <version>'))
    .description('re-hash the stored artifact on the server; exits 6 when its bytes no longer match')
    .action(async (model: string, version: string, o: ClientOptions) => {
      const result = await new ApiClient(o).request<{
        intact: boolean;
        verified: boolean;
        expected: { sha256: string; size: number };
        observed: { sha256?: string; size?: number; missing?: true };
      }>('POST', `${versionPath(model, version)}/artifact/verify`, {});
      if (o.json) printJson(result);
      if (!result.intact)
        throw new WardenError(
          'integrity_failure',
          result.observed.missing
            ? `${model} ${version}: the stored artifact is missing (expected sha256 ${result.expected.sha256}); verified is now false`
            : `${model} ${version}: the stored artifact hashes to ${result.observed.sha256} (${result.observed.size} bytes), expected ${result.expected.sha256} (${result.expected.size} bytes); verified is now false`,
        );
      if (!o.json)
        process.stdout.write(
          `${model} ${version}: artifact intact (sha256 ${result.expected.sha256}), verified ${result.verified}\n`,
        );
    });

  withClientOptions(versions.command('download <model> <version>'))
    .description('stream the version’s artifact to a file and verify its digest (a bad file is removed)')
    .requiredOption('--out <file>', 'where to write the artifact')
    .action(async (model: string, version: string, o: ClientOptions & { out: string }) => {
      const response = await new ApiClient(o).raw('GET', `${versionPath(model, version)}/artifact`);
      const expected = response.headers.get('x-warden-sha256') ?? '';
      if (!response.body) throw new WardenError('integrity_failure', 'the server sent no artifact body');
      const hashing = hashingStream();
      try {
        await pipeline(
          Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
          hashing.stream,
          fs.createWriteStream(o.out),
        );
      } catch (error) {
        fs.rmSync(o.out, { force: true });
        throw new WardenError(
          'integrity_failure',
          `download interrupted; ${o.out} removed: ${(error as Error).message}`,
        );
      }
      const local = hashing.result();
      if (local.sha256 !== expected) {
        fs.rmSync(o.out, { force: true });
        throw new WardenError(
          'integrity_failure',
          `downloaded bytes hash to ${local.sha256}, the server announced ${expected || 'no digest'}; ${o.out} removed`,
        );
      }
      if (o.json) return printJson({ file: o.out, ...local });
      process.stdout.write(`wrote ${o.out}: sha256 ${local.sha256} (${local.size} bytes), verified\n`);
    });

  withClientOptions(versions.command('sign <model> <version>'))
    .description(
      'attach a signature of the artifact digest (give --signature, or --key to sign the server’s digest)',
    )
    .requiredOption('--key-name <name>', 'registered signing key the signature belongs to')
    .option('--signature <base64>', 'signature made with `warden sign`')
    .option('--key <file>', 'PKCS#8 PEM private key: sign the digest the server holds for this version')
    .action(
      async (
        model: string,
        version: string,
        o: ClientOptions & { keyName: string; signature?: string; key?: string },
      ) => {
        if ((o.signature === undefined) === (o.key === undefined))
          throw invalidInput('give exactly one of --signature or --key', '--signature');
        const client = new ApiClient(o);
        let signature = o.signature;
        if (o.key !== undefined) {
          const target = await client.get<ModelVersion>(versionPath(model, version));
          if (!target.artifact) throw invalidInput(`${model} ${version} has no artifact to sign`, 'artifact');
          signature = signDigest(fs.readFileSync(o.key, 'utf8'), target.artifact.sha256);
        }
        const created = await client.request<ArtifactSignature>(
          'POST',
          `${versionPath(model, version)}/signatures`,
          {
            keyName: o.keyName,
            signature,
          },
        );
        if (o.json) return printJson(created);
        process.stdout.write(
          `signed ${model} ${version} (sha256 ${created.sha256}) with key ${created.keyName}: verified\n`,
        );
      },
    );

  withClientOptions(versions.command('attach <model> <version>'))
    .description('attach or replace the SBOM (CycloneDX JSON) and/or the model card (Markdown)')
    .option('--sbom <file>', 'CycloneDX JSON file')
    .option('--model-card <file>', 'Markdown file')
    .action(
      async (model: string, version: string, o: ClientOptions & { sbom?: string; modelCard?: string }) => {
        if (o.sbom === undefined && o.modelCard === undefined)
          throw invalidInput('give --sbom and/or --model-card', '--sbom');
        const client = new ApiClient(o);
        const results: AttachmentResult[] = [];
        if (o.sbom !== undefined) {
          const sbom = readJsonFile(o.sbom, '--sbom');
          results.push(
            await client.request<AttachmentResult>('PUT', `${versionPath(model, version)}/sbom`, sbom),
          );
        }
        if (o.modelCard !== undefined) {
          const text = fs.readFileSync(o.modelCard, 'utf8');
          const response = await client.raw('PUT', `${versionPath(model, version)}/model-card`, {
            body: text,
            headers: { 'content-type': 'text/markdown' },
          });
          results.push((await response.json()) as AttachmentResult);
        }
        if (o.json) return printJson(results.length === 1 ? results[0] : results);
        for (const r of results) {
          const pii =
            r.piiFindings.length > 0
              ? `; PII findings: ${r.piiFindings.map((f) => `${f.kind} in ${f.field}`).join(', ')}`
              : '';
          process.stdout.write(
            `${r.replaced ? 'replaced' : 'attached'} ${r.kind} of ${model} ${version} (${r.size} bytes)${pii}\n`,
          );
        }
      },
    );

  withClientOptions(versions.command('attachment <model> <version> <kind>'))
    .description('print a stored attachment: kind sbom or model-card')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (model: string, version: string, kind: string, o: ClientOptions & { out?: string }) => {
      if (kind !== 'sbom' && kind !== 'model-card')
        throw invalidInput('kind must be sbom or model-card', 'kind');
      const path = kind === 'sbom' ? 'sbom' : 'model-card/source';
      const response = await new ApiClient(o).raw('GET', `${versionPath(model, version)}/${path}`);
      const text =
        kind === 'sbom' ? JSON.stringify(await response.json(), null, 2) + '\n' : await response.text();
      if (o.out === undefined) return void process.stdout.write(text);
      fs.writeFileSync(o.out, text);
      process.stdout.write(
        `wrote ${o.out}: ${kind} of ${model} ${version} (${Buffer.byteLength(text)} bytes)\n`,
      );
    });
}

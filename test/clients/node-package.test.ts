import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerMonitoredModel } from '../../src/monitoring/monitoring.test-helper.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { describeEachBackend } from '../support/stores.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The package as published: the client compiled with the build's own compiler options
 * (tsconfig.build.json, declarations on), the real package.json (its `exports` and `files`),
 * `npm pack`, then `npm ci --offline` of the tarball in a fresh folder. Its dependencies come
 * from npm's cache through a lockfile listing the repository's locked production packages, so
 * nothing is fetched and the shared node_modules is never touched.
 */
async function installPackedClient(tmp: string): Promise<{ app: string; files: string[] }> {
  const staging = path.join(tmp, 'package');
  fs.mkdirSync(staging);
  fs.writeFileSync(
    path.join(staging, 'tsconfig.json'),
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.build.json'),
      compilerOptions: {
        rootDir: path.join(ROOT, 'src'),
        outDir: path.join(staging, 'dist'),
        typeRoots: [path.join(ROOT, 'node_modules/@types')],
      },
      include: [],
      files: [path.join(ROOT, 'src/client/index.ts')],
    }),
  );
  await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', staging]);
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(staging, 'package.json'));
  fs.copyFileSync(path.join(ROOT, 'README.md'), path.join(staging, 'README.md'));
  const npmEnv = {
    ...process.env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
    cwd: staging,
    env: npmEnv,
  });
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const tarball = path.join(tmp, info.filename);

  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  const spec = `file:${path.relative(app, tarball)}`;
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { modelwarden: spec } },
    'node_modules/modelwarden': {
      version: pkg.version,
      resolved: spec,
      dependencies: pkg.dependencies,
      optionalDependencies: pkg.optionalDependencies,
    },
  };
  for (const [key, entry] of Object.entries(
    lock.packages as Record<string, { dev?: boolean; link?: boolean }>,
  )) {
    if (key !== '' && !entry.dev && !entry.link) packages[key] = entry;
  }
  fs.writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { modelwarden: spec } }),
  );
  fs.writeFileSync(
    path.join(app, 'package-lock.json'),
    JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }),
  );
  await run('npm', ['ci', '--offline', '--ignore-scripts'], { cwd: app, env: npmEnv });
  return { app, files: info.files.map((f) => f.path).sort() };
}

const MAIN = `
import { WardenClient } from 'modelwarden/client';
const refused = [];
const client = new WardenClient({
  url: process.env.WARDEN_URL, token: process.env.WARDEN_TOKEN, model: 'fraud', version: '1.0.0',
  onRefused: (r) => refused.push(...r.map(({ id, field }) => ({ id, field }))),
});
for (let i = 0; i < 20; i++)
  client.log({ id: 'p' + i, features: { amount: i === 7 ? -1 : i, country: 'de' }, prediction: i % 2 });
client.logLabels([{ id: 'p1', label: 1 }]);
await client.close();
let deep;
try { await import('modelwarden/dist/cli/main.js'); deep = 'imported'; } catch (error) { deep = error.code; }
console.log(JSON.stringify({ stats: client.stats(), refused, deep }));
`;

const CHECK = `
import { WardenClient, type RefusedRecord, type WardenClientStats } from 'modelwarden/client';
const client = new WardenClient({ url: 'http://127.0.0.1:1', token: 't', model: 'm', version: '1.0.0' });
client.logLabels({ id: 'x', label: 1 });
client.logSignals([{ id: 'x', signals: { refusal: true } }]);
// @ts-expect-error a rating is "up" or "down"
client.logFeedback({ id: 'x', rating: 'meh' });
const stats: WardenClientStats = client.stats();
const dropped: number = stats.dropped;
const onRefused = (r: RefusedRecord[]): string => r.map((x) => x.field).join();
export { dropped, onRefused };
`;

// Packed and installed once; each backend's block runs it against its own server.
let tmp: string;
let installed: { app: string; files: string[] };
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-pack-'));
  installed = await installPackedClient(tmp);
}, 180_000);
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describeEachBackend('the packed Node client (modelwarden/client)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
    await registerMonitoredModel(server, 'fraud');
  });
  afterAll(async () => {
    await server.close();
  });

  it('ships the client with its declarations and no source maps', () => {
    expect(installed.files).toEqual(
      expect.arrayContaining([
        'dist/client/index.d.ts',
        'dist/client/index.js',
        'dist/client/warden-client.d.ts',
        'dist/client/warden-client.js',
        'package.json',
      ]),
    );
    expect(installed.files.filter((f) => f.endsWith('.map') || f.startsWith('src/'))).toEqual([]);
  });

  it('is imported as modelwarden/client from a fresh folder and logs to a real server', async () => {
    fs.writeFileSync(path.join(installed.app, 'main.mjs'), MAIN);
    const token = await server.tokenFor('packed', ['mlops']);
    const out = await run(process.execPath, ['main.mjs'], {
      cwd: installed.app,
      env: { PATH: process.env.PATH ?? '', WARDEN_URL: server.url, WARDEN_TOKEN: token },
    });
    const result = JSON.parse(out.stdout);
    expect(result.refused).toEqual([{ id: 'p7', field: 'features.amount' }]);
    expect(result.stats).toMatchObject({ sent: 21, accepted: 20, refused: 1, dropped: 0, buffered: 0 });
    // Only the exported subpaths can be imported.
    expect(result.deep).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    const rows = await server.ctx.db.selectFrom('inference_records').select(['record_id', 'label']).execute();
    expect(rows).toHaveLength(19);
    expect(rows.find((r) => r.record_id === 'p1')!.label).toBe('1');
  });

  it('gives TypeScript users its declarations through the exports map', async () => {
    fs.writeFileSync(path.join(installed.app, 'check.ts'), CHECK);
    fs.writeFileSync(
      path.join(installed.app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023'],
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    // Fails on a missing declaration (implicit any in strict mode) and on an unused @ts-expect-error.
    await expect(
      run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', installed.app]),
    ).resolves.toBeDefined();
  });
});

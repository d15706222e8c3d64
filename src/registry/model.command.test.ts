import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import {
  ensureBuilt,
  runWardenAsync as warden,
  type AsyncCliRun,
} from '../reports/offline-cli.test-helper.js';

describe('warden models create --consumer and models update', () => {
  let server: TestServer;
  let run: (args: string[]) => Promise<AsyncCliRun>;

  beforeAll(async () => {
    ensureBuilt();
    server = await startTestServer('sqlite');
    run = (args) => warden(args, { WARDEN_URL: server.url, WARDEN_TOKEN: server.adminToken });
  }, 600_000);
  afterAll(() => server.close());

  const consumersOf = async (name: string) =>
    (await server.api('GET', `/api/v1/models/${name}`)).body.consumers as unknown[];

  it('records the consumers retirement notifies, and replaces or clears them later', async () => {
    const created = await run([
      'models',
      'create',
      '--name',
      'autocomplete',
      '--owner',
      'dana',
      '--tier',
      '3',
      '--consumer',
      'search-frontend,contact=search team,webhook=https://hooks.example.com/search',
      '--consumer',
      'mobile-app',
    ]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(await consumersOf('autocomplete')).toEqual([
      { name: 'search-frontend', contact: 'search team', webhookUrl: 'https://hooks.example.com/search' },
      { name: 'mobile-app' },
    ]);

    const updated = await run([
      'models',
      'update',
      'autocomplete',
      '--consumer',
      'search-frontend,contact=search team,webhook=https://hooks.example.com/search',
      '--consumer',
      'mobile-app',
      '--consumer',
      'billing,contact=ops desk',
    ]);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('updated model autocomplete');
    expect((await consumersOf('autocomplete')).map((c) => (c as { name: string }).name)).toEqual([
      'search-frontend',
      'mobile-app',
      'billing',
    ]);

    // Removing consumers loosens a control: it waits for approval in a governance change request.
    const cleared = await run(['models', 'update', 'autocomplete', '--no-consumers']);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/governance change request cr_\S+ opened/);
    expect(await consumersOf('autocomplete')).toHaveLength(3);
  });

  it('refuses a consumer it cannot read, and an update with nothing to change, changing nothing', async () => {
    await server.api('POST', '/api/v1/models', { body: { name: 'ranker', owner: 'dana', riskTier: 3 } });
    const bad = await run(['models', 'update', 'ranker', '--consumer', 'app,phone=123']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'warden: --consumer "app,phone=123": "phone=123" is not contact=TEXT or webhook=URL (field: --consumer)\n',
    );
    const badUrl = await run(['models', 'update', 'ranker', '--consumer', 'app,webhook=ftp://x']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('consumers.0.webhookUrl');
    const nothing = await run(['models', 'update', 'ranker']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to change');
    expect(await consumersOf('ranker')).toEqual([]);
  });
});

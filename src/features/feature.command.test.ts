import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { ensureBuilt, runWardenAsync as warden } from '../reports/offline-cli.test-helper.js';

describe('warden features', () => {
  let server: TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    if (process.env.WARDEN_CLI_PATH === undefined) ensureBuilt();
    server = await startTestServer('sqlite');
    env = { WARDEN_URL: server.url, WARDEN_TOKEN: server.adminToken };
  }, 600_000);
  afterAll(() => server.close());

  it('creates, lists, shows, updates and links features', async () => {
    const created = await warden(
      [
        'features',
        'create',
        'txn_amount_7d',
        '--owner',
        'payments-data',
        '--type',
        'numeric',
        '--version',
        '1.0.0',
        '--freshness',
        '65m',
        '--completeness',
        '0.99',
        '--json',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'txn_amount_7d',
      version: '1.0.0',
      sla: { freshness: '65m', completeness: 0.99 },
    });

    const list = await warden(['features', 'list', '--type', 'numeric'], env);
    expect(list.stdout).toMatch(/^NAME\s+TYPE\s+VERSION\s+STATUS/);
    expect(list.stdout).toMatch(/txn_amount_7d\s+numeric\s+1\.0\.0\s+active/);

    const down = await warden(['features', 'update', 'txn_amount_7d', '--version', '0.9.0'], env);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('field: version');

    const deprecated = await warden(
      ['features', 'update', 'txn_amount_7d', '--status', 'deprecated', '--json'],
      env,
    );
    expect(JSON.parse(deprecated.stdout).deprecatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const shown = await warden(['features', 'show', 'txn_amount_7d'], env);
    expect(shown.stdout).toMatch(/status\s+deprecated/);

    await server.api('POST', '/api/v1/models', { body: { name: 'fraud', owner: 'risk', riskTier: 1 } });
    await server.api('POST', '/api/v1/models/fraud/versions', {
      body: versionBody('1.0.0', { features: ['txn_amount_7d'] }),
    });
    const models = await warden(['features', 'models', 'txn_amount_7d'], env);
    expect(models.stdout).toMatch(/fraud\s+1\.0\.0\s+development/);
    const ofModel = await warden(['features', 'of-model', 'fraud', '--json'], env);
    expect(JSON.parse(ofModel.stdout).items[0]).toMatchObject({
      name: 'txn_amount_7d',
      usedByVersions: ['1.0.0'],
    });

    const missing = await warden(['features', 'show', 'nope'], env);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe('warden: feature "nope" does not exist\n');
  });
});

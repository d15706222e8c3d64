import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { promoteToProduction } from '../../test/support/governance.js';
import { registerAlertingCommands } from './alerting.command.js';
import { check, process as processChecks, registerModel } from './alerting.test-helper.js';

const warden = (args: string[], env: Record<string, string>) =>
  runCommandsInProcess(registerAlertingCommands, args, env);

describe('warden alerts, incidents and retraining', () => {
  let server: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    env = { WARDEN_URL: server.url, WARDEN_TOKEN: await server.tokenFor('olga', ['operations', 'mlops']) };
    const model = await registerModel(server, 'cli-model', 1);
    await processChecks(server, model, [
      check('data_drift', 'alert', 60, { feature: 'amount' }),
      check('error_rate', 'warning', 60),
    ]);
  }, 300_000);
  afterAll(() => server.close());

  it('lists, acknowledges and resolves alerts', async () => {
    const list = await warden(['alerts', 'list', '--model', 'cli-model', '--severity', 'critical'], env);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+MODEL\s+RULE\s+FEATURE/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/cli-model\s+data_drift\s+amount\s+-\s+critical\s+open/);
    const id = lines[1]!.split(/\s+/)[0]!;

    const ack = await warden(['alerts', 'ack', id, '-m', 'on it'], env);
    expect(ack.code).toBe(0);
    expect(ack.stdout).toMatch(/status\s+acknowledged/);
    expect(ack.stdout).toMatch(/acknowledgedBy\s+olga/);
    const again = await warden(['alerts', 'ack', id, '-m', 'twice'], env);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/only an open alert can be acknowledged/);
    const resolved = await warden(['alerts', 'resolve', id, '-m', 'fixed', '--json'], env);
    expect(resolved.code).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ id, status: 'resolved', resolvedBy: 'olga' });
    const missing = await warden(['alerts', 'resolve', 'alr_nope', '-m', 'x'], env);
    expect(missing.code).toBe(4);
  });

  it('lists retraining requests and shows the decision log', async () => {
    const list = await warden(['retraining', 'list', '--model', 'cli-model', '--json'], env);
    expect(list.code).toBe(0);
    const [request] = JSON.parse(list.stdout).items;
    expect(request.reasons[0]).toMatchObject({ rule: 'data_drift', feature: 'amount' });
    await server.api('POST', '/api/v1/models/cli-model/versions', { body: versionBody('1.1.0') });
    await promoteToProduction(server, 'cli-model', '1.1.0');
    await server.api('POST', `/api/v1/retraining-requests/${request.id}/result`, {
      body: {
        status: 'completed',
        producedVersion: '1.1.0',
        outcome: 'promoted',
        metricChanges: { accuracy: 0.002 },
      },
    });
    const unknown = await warden(['retraining', 'list', '--model', 'no-such-model'], env);
    expect(unknown.code).toBe(4);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe('warden: model "no-such-model" does not exist\n');
    const log = await warden(['retraining', 'log', 'cli-model'], env);
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(/data_drift\s+promoted\s+1\.1\.0\s+\{"accuracy":0\.002\}/);
    expect(log.stdout).toContain('1 requests: 1 promoted, 0 kept, 0 failed, 0 open');
    expect(log.stdout).toContain('training cost 0; saved by skipped promotions 0');
  });

  it('lists incidents', async () => {
    const list = await warden(['incidents', 'list', '--model', 'cli-model'], env);
    expect(list.code).toBe(0);
    expect(list.stdout.trim()).toMatch(/^ID\s+MODEL\s+SIGNAL/);
  });
});

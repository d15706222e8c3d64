import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  runWardenAsync as warden,
  type AsyncCliRun,
} from '../reports/offline-cli.test-helper.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';

describe('warden deployments', () => {
  let h: WorkflowHarness;
  let run: (args: string[], token?: string) => Promise<AsyncCliRun>;

  beforeAll(async () => {
    ensureBuilt();
    h = await startWorkflowHarness('sqlite');
    run = (args, token = h.s.adminToken) => warden(args, { WARDEN_URL: h.s.url, WARDEN_TOKEN: token });
    await h.createModel('cli-dep', 3);
    await h.createVersion('cli-dep', '1.0.0');
    await h.s.ctx.db.updateTable('model_versions').set({ stage: 'production' }).execute();
  }, 300_000);
  afterAll(() => h.s.close());

  it('creates, lists and ends a deployment, with tables by default and exact JSON on request', async () => {
    const mo = await h.as('mo', ['mlops']);
    const created = await run(
      [
        'deployments',
        'create',
        'cli-dep',
        '1.0.0',
        '--environment',
        'production',
        '--target',
        'api/eu',
        '--traffic',
        '25',
        '--json',
      ],
      mo,
    );
    expect(created.code, created.stderr).toBe(0);
    const d = JSON.parse(created.stdout) as { id: string; trafficPercent: number; status: string };
    expect([d.trafficPercent, d.status]).toEqual([25, 'active']);

    const table = await run(['deployments', 'list', '--model', 'cli-dep'], mo);
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+MODEL\s+VERSION\s+ENVIRONMENT\s+TARGET\s+TRAFFIC PERCENT\s+STATUS/);
    expect(row).toMatch(
      new RegExp(`^${d.id}\\s+cli-dep\\s+1\\.0\\.0\\s+production\\s+api/eu\\s+25\\s+active`),
    );

    const duplicate = await run(
      ['deployments', 'create', 'cli-dep', '1.0.0', '--environment', 'production', '--target', 'api/eu'],
      mo,
    );
    expect(duplicate.code).toBe(5);
    expect(duplicate.stderr.trim()).toMatch(new RegExp(`^warden: .*already deployed.*${d.id}`));
    const badTraffic = await run(
      [
        'deployments',
        'create',
        'cli-dep',
        '1.0.0',
        '--environment',
        'shadow',
        '--target',
        'x',
        '--traffic',
        'lots',
      ],
      mo,
    );
    expect(badTraffic.code).toBe(2);
    expect(badTraffic.stderr).toContain('--traffic');
    const unknown = await run(['deployments', 'list', '--model', 'no-such-model'], mo);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr.trim()).toBe('warden: model "no-such-model" does not exist');
    const viewer = await run(['deployments', 'end', d.id, '--reason', 'x'], await h.as('vic', ['viewer']));
    expect(viewer.code).toBe(3);

    const ended = await run(['deployments', 'end', d.id, '--reason', 'rolled back'], mo);
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`deployment ${d.id}: ended`);
    const json = await run(['deployments', 'list', '--model', 'cli-dep', '--status', 'ended', '--json'], mo);
    const page = JSON.parse(json.stdout) as { items: Array<{ id: string; endReason: string }> };
    expect(page.items.map((i) => [i.id, i.endReason])).toEqual([[d.id, 'rolled back']]);
  });
});

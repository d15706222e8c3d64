import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  runWardenAsync as warden,
  type AsyncCliRun,
} from '../reports/offline-cli.test-helper.js';
import { startWorkflowHarness, type WorkflowHarness } from './workflow.test-helper.js';

describe('warden promote, requests, rollback, retire, webhooks and policy propose', () => {
  let h: WorkflowHarness;
  let run: (args: string[], token?: string) => Promise<AsyncCliRun>;

  beforeAll(async () => {
    ensureBuilt();
    h = await startWorkflowHarness('sqlite');
    run = (args, token = h.s.adminToken) => warden(args, { WARDEN_URL: h.s.url, WARDEN_TOKEN: token });
    await h.createModel('cli-model', 3, { consumers: [{ name: 'reports' }] });
    await h.createVersion('cli-model', '1.0.0');
  }, 300_000);
  afterAll(() => h.s.close());

  it('promotes a tier-3 version through the CLI with two approvals', async () => {
    const dana = await h.as('dana', ['data-scientist']);
    const pete = await h.as('pete', ['data-scientist']);
    const eve = await h.as('eve', ['ml-engineer']);

    const staged = await run(
      ['promote', 'cli-model', '1.0.0', '--to', 'staging', '--reason', 'review', '--json'],
      dana,
    );
    expect(staged.code).toBe(0);
    const stagingId = (JSON.parse(staged.stdout) as { id: string }).id;
    expect(
      (await run(['requests', 'approve', stagingId, '--role', 'data-scientist'], pete)).stdout,
    ).toContain('request is executed');

    const dry = await run(['promote', 'cli-model', '1.0.0', '--dry-run'], dana);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('needs approval: data-scientist ×1');
    expect(dry.stdout).toContain('needs approval: ml-engineer ×1');
    expect(dry.stdout).toContain('needs a passing full validation');

    const evidence = await h.storeRun('cli-model', '1.0.0', 'full', true);
    const opened = await run(
      ['promote', 'cli-model', '1.0.0', '--reason', 'first release', '--evidence', evidence, '--json'],
      dana,
    );
    expect(opened.code).toBe(0);
    const cr = JSON.parse(opened.stdout) as { id: string; status: string; to: string };
    expect(cr).toMatchObject({ status: 'requested', to: 'production' });

    const queue = await run(['requests', 'list', '--status', 'requested', '--model', 'cli-model'], eve);
    expect(queue.stdout).toContain(cr.id);

    const self = await run(['requests', 'approve', cr.id, '--role', 'data-scientist'], dana);
    expect(self.code).toBe(3);
    expect(self.stderr).toContain('opened this change request');
    const wrongRole = await run(['requests', 'approve', cr.id, '--role', 'compliance'], pete);
    expect(wrongRole.code).toBe(2);

    expect(
      (await run(['requests', 'approve', cr.id, '--role', 'data-scientist', '--comment', 'ok'], pete)).stdout,
    ).toContain('request is in_review');
    const pending = await run(['promote', 'cli-model', '1.0.0', '--dry-run'], dana);
    expect(pending.stdout).toContain(`is requested in change request ${cr.id} (in_review)`);
    expect(pending.stdout).toContain('has approval: data-scientist 1/1 (pete)');
    expect(pending.stdout).toContain('needs approval: ml-engineer 0/1');
    expect(pending.stdout).not.toContain('blocked');
    const last = await run(['requests', 'approve', cr.id, '--role', 'ml-engineer'], eve);
    expect(last.stdout).toContain('request is executed');
    const shown = await run(['requests', 'show', cr.id], eve);
    expect(shown.stdout).toContain('✓ ml-engineer 1/1 (eve)');
    expect(shown.stdout).toContain('decision: pete approved as data-scientist — ok');
    const minutes = await run(['change-requests', 'minutes', cr.id], eve);
    expect(minutes.code).toBe(0);
    expect(minutes.stdout).toContain('Outcome: **executed**');
    expect(minutes.stdout).toMatch(/\| pete \| data-scientist \| approve \| ok \|/);
    const minutesJson = JSON.parse((await run(['requests', 'minutes', cr.id, '--json'], eve)).stdout) as {
      outcome: string;
      votes: Array<{ principal: string }>;
      dissent: unknown[];
    };
    expect(minutesJson.outcome).toBe('executed');
    expect(minutesJson.votes.map((v) => v.principal)).toEqual(['pete', 'eve']);
    expect(minutesJson.dissent).toEqual([]);

    const again = await run(
      ['requests', 'approve', cr.id, '--role', 'ml-engineer'],
      await h.as('ed', ['ml-engineer']),
    );
    expect(again.code).toBe(5);
  });

  it('rolls back, retires, manages webhooks and proposes a policy', async () => {
    const mo = await h.as('mo', ['mlops']);
    const noPrevious = await run(['rollback', 'cli-model', '--reason', 'test'], mo);
    expect(noPrevious.code).toBe(5);
    expect(noPrevious.stderr).toContain('no previous champion');

    const created = await run(
      [
        'webhooks',
        'create',
        'http://127.0.0.1:9/hook',
        '--event',
        'retirement.announced',
        '--secret',
        'sixteen-chars-secret',
        '--json',
      ],
      mo,
    );
    expect(created.code, created.stderr).toBe(0);
    const hook = JSON.parse(created.stdout) as { id: string };
    expect(created.stdout).not.toContain('sixteen-chars-secret');
    expect((await run(['webhooks', 'list'], mo)).stdout).toContain(hook.id);

    const retired = await run(['retire', 'cli-model', '1.0.0', '--reason', 'superseded by a rules engine']);
    expect(retired.code).toBe(0);
    expect(retired.stdout).toContain('retirement announced');
    expect(retired.stdout).toContain('reports');
    expect(retired.stdout).toMatch(/^deployments\s+none active$/m);
    const log = await run(['webhooks', 'deliveries', hook.id, '--json'], mo);
    const deliveries = JSON.parse(log.stdout) as { items: Array<{ event: string; status: string }> };
    expect(deliveries.items).toMatchObject([{ event: 'retirement.announced', status: 'pending' }]);
    expect((await run(['webhooks', 'delete', hook.id], mo)).code).toBe(0);

    const current = (await h.s.api('GET', '/api/v1/policy')).body as { document: Record<string, unknown> };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-policy-'));
    const file = path.join(dir, 'policy.json');
    fs.writeFileSync(file, JSON.stringify({ ...current.document, description: 'proposed from the CLI' }));
    const proposed = await run(['policy', 'propose', file, '--reason', 'reword the description']);
    expect(proposed.code).toBe(0);
    expect(proposed.stdout).toMatch(/policy change request cr_\S+: requested/);
    expect(proposed.stdout).toContain('· admin 0/1');
    expect(proposed.stdout).toContain('· compliance 0/1');
    fs.writeFileSync(file, '{"schemaVersion": 1}');
    const invalid = await run(['policy', 'propose', file, '--reason', 'broken']);
    expect(invalid.code).toBe(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

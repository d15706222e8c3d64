import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  advance,
  championAndApprovedCandidate,
  ingest,
  rolloutOf,
  traffic,
} from '../rollouts/rollout.test-helper.js';
import { runDueRollouts } from '../rollouts/rollout.task.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';

/** The rollouts pages in Chromium: a live canary's step, weights and analysis per variant, and its controls. */
describeInChromium('rollouts in the dashboard', (backend, b) => {
  let h: WorkflowHarness;
  let id: string;

  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    h.clock.now = new Date(); // the browser's cookies expire by its own clock
    await championAndApprovedCandidate(h, 'fraud-canary');
    const started = await h.s.api('POST', '/api/v1/models/fraud-canary/rollouts', {
      token: await h.as('mo', ['mlops']),
      body: {
        candidate: '1.1.0',
        strategy: 'canary',
        analysis: { intervalSeconds: 60, stepSeconds: 1800, minSamplesPerVariant: 200, maxWaitSeconds: 3600 },
      },
    });
    expect(started.status).toBe(201);
    id = started.body.id as string;
    advance(h, 10);
    await ingest(h, 'fraud-canary', '1.0.0', traffic('c', 900));
    await ingest(h, 'fraud-canary', '1.1.0', traffic('k', 300));
    advance(h, 50);
    expect(await runDueRollouts(h.s.ctx)).toBe(1);
  });
  afterAll(async () => {
    await h?.s.close();
  });

  const as = async (principal: string, roles: Parameters<WorkflowHarness['as']>[1], path: string) =>
    b.signedIn(h.s.url, await h.as(principal, roles), path);

  it('lists the live canary and shows its step, weights and analysis per metric and variant', async () => {
    const r = await rolloutOf(h, 'fraud-canary', id);
    expect([r.status, r.step, r.weights]).toEqual(['progressing', 0, { champion: 90, candidate: 10 }]);
    const errorRate = r.analysis.find((m: { metric: string }) => m.metric === 'error_rate');
    expect(errorRate.counts).toEqual({ champion: 900, candidate: 300 });

    const mo = await as('mo', ['mlops'], '/rollouts');
    const row = mo.getByRole('row', { name: /fraud-canary/ });
    await row.waitFor();
    expect(await row.innerText()).toMatch(
      /fraud-canary\s+canary\s+progressing\s+1\.1\.0 vs 1\.0\.0\s+1 of 4\s+10 % \/ 90 %\s+pass/,
    );
    await expectAccessible(mo, 'rollouts');
    await b.shot(mo, 'rollouts');
    await row.getByRole('link', { name: 'fraud-canary' }).click();
    await mo.waitForURL(`**/rollouts/fraud-canary/${id}`);
    const steps = mo.getByRole('region', { name: 'Steps' }).getByRole('listitem');
    await steps.first().waitFor(); // the page renders the rollout after its request answers
    expect(await steps.allInnerTexts()).toEqual([
      '10 % to the candidate · live',
      '25 % to the candidate',
      '50 % to the candidate',
      '100 % to the candidate',
    ]);
    await mo.getByText('champion 90 % · candidate 10 %').waitFor();
    const analysis = mo.getByRole('region', { name: 'Analysis per metric and variant' });
    expect(await analysis.getByRole('row', { name: /^error_rate/ }).innerText()).toMatch(
      /error_rate\s+0\s+0\s+[\d.]+\s+900 \/ 300\s+.*pass/,
    );
    expect(await analysis.getByRole('row').count()).toBe(1 + r.analysis.length);
    await expectAccessible(mo, 'rollout');
    await b.shot(mo, 'rollout');

    await mo.getByLabel('Reason').fill('Holding for the evening peak');
    await mo.getByRole('button', { name: 'Pause' }).click();
    await mo.getByRole('heading', { name: /Rollout of fraud-canary 1\.1\.0 paused/ }).waitFor();
    await mo.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await rolloutOf(h, 'fraud-canary', id)).status).toBe('paused');
  });

  it('shows a viewer and an ml-engineer no controls', async () => {
    const vic = await as('vic', ['viewer'], `/rollouts/fraud-canary/${id}`);
    await vic.getByRole('region', { name: 'Steps' }).waitFor();
    expect(await vic.getByRole('button', { name: /Pause|Resume|Abort|step/ }).count()).toBe(0);
    // An ml-engineer sees none either: steering is for mlops and operations.
    const eve = await as('eve', ['ml-engineer'], `/rollouts/fraud-canary/${id}`);
    await eve.getByRole('region', { name: 'Steps' }).waitFor();
    expect(await eve.getByRole('button', { name: /Resume/ }).count()).toBe(0);
  });

  it('reads at 390 pixels wide in the dark', async () => {
    const narrow = await b.signedIn(h.s.url, await h.as('mo', ['mlops']), `/rollouts/fraud-canary/${id}`, {
      width: 390,
      height: 800,
      colorScheme: 'dark',
    });
    await narrow.getByRole('region', { name: 'Steps' }).getByRole('listitem').first().waitFor();
    expect(
      await narrow.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
            .documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(390);
    await expectAccessible(narrow, 'rollout dark 390');
    await b.shot(narrow, 'rollout-390-dark');
    const list = await b.signedIn(h.s.url, await h.as('mo', ['mlops']), '/rollouts', {
      width: 390,
      height: 800,
      colorScheme: 'dark',
    });
    await list.getByRole('row', { name: /fraud-canary/ }).waitFor();
    await expectAccessible(list, 'rollouts dark 390');
    await b.shot(list, 'rollouts-390-dark');
  });
});

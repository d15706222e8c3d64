import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { championAndApprovedCandidate } from '../rollouts/rollout.test-helper.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { WardenRouter } from './warden-router.js';

describeEachBackend('the in-process router', (backend) => {
  let h: WorkflowHarness;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
  });
  afterAll(() => h.s.close());

  it('answers as the server does, refreshes with ETag, and keeps the last table when Warden is gone', async () => {
    await championAndApprovedCandidate(h, 'router-model');
    const mlops = await h.as('mo', ['mlops']);
    const started = await h.s.api('POST', '/api/v1/models/router-model/rollouts', {
      token: mlops,
      body: { candidate: '1.1.0', strategy: 'canary', steps: [30, 100] },
    });
    expect(started.status).toBe(201);
    const errors: Error[] = [];
    const router = new WardenRouter({
      url: h.s.url,
      token: h.s.adminToken,
      fallbackChampions: { other: '3.0.0' },
      onError: (e) => errors.push(e),
    });
    expect(router.route('router-model', 'k').version).toBeNull(); // no table yet, no fallback for it
    await router.refresh();
    const keys = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    let candidates = 0;
    for (const key of keys) {
      const remote = (await h.s.api('GET', `/api/v1/models/router-model/route?key=${key}`)).body as unknown;
      const local = router.route('router-model', key);
      expect(local).toEqual(remote);
      if (local.variant === 'candidate') candidates++;
    }
    expect(candidates).toBeGreaterThan(5);
    expect(router.route('other', 'k')).toEqual({ version: '3.0.0', variant: 'champion' });

    // An unchanged table is a 304.
    const table = await h.s.api('GET', '/api/v1/routing');
    const etag = table.headers.get('etag')!;
    const again = await fetch(`${h.s.url}/api/v1/routing`, {
      headers: { authorization: `Bearer ${h.s.adminToken}`, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);

    const before = keys.map((k) => router.route('router-model', k));
    await h.s.close();
    await router.refresh();
    expect(errors.length).toBeGreaterThan(0);
    expect(keys.map((k) => router.route('router-model', k))).toEqual(before);
    // Reopen a harness so afterAll can close it.
    h = await startWorkflowHarness(backend);
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { championAndApprovedCandidate, startWithApprovals } from '../rollouts/rollout.test-helper.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { OPT_OUT_SNAPSHOT_MAX } from '../rollouts/rollout-routing.service.js';
import { WardenRouter } from './warden-router.js';

describeEachBackend('the in-process router', (backend) => {
  let h: WorkflowHarness;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
  });
  afterAll(() => h.s.close());

  it('answers as the server does, refreshes with ETag, and keeps the last table when Warden is gone', async () => {
    await championAndApprovedCandidate(h, 'router-model');
    // Steps 30 → 100 skip the tier's 10, 25 and 50: the rollout starts once approved.
    const started = await startWithApprovals(h, 'router-model', {
      candidate: '1.1.0',
      strategy: 'canary',
      steps: [30, 100],
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

  it('sends opted-out subjects to human review in process, as the route API does', async () => {
    await championAndApprovedCandidate(h, 'optout-model');
    const router = new WardenRouter({ url: h.s.url, token: h.s.adminToken });
    await router.refresh();
    const before = await h.s.api('GET', '/api/v1/routing');
    const compliance = await h.as('cora', ['compliance']);
    // One subject opts out of this model only, another of every model.
    for (const body of [{ subjectKey: 'alice', model: 'optout-model' }, { subjectKey: 'bob' }]) {
      expect((await h.s.api('POST', '/api/v1/opt-outs', { token: compliance, body })).status).toBe(201);
    }
    const after = await h.s.api('GET', '/api/v1/routing');
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag')); // a changed table, not a 304
    const sha = (k: string) => createHash('sha256').update(k).digest('hex');
    expect(after.body.optOuts.complete).toBe(true);
    expect(after.body.optOuts.subjects).toEqual(
      expect.arrayContaining([
        { model: 'optout-model', subjectSha256: sha('alice') },
        { model: null, subjectSha256: sha('bob') },
      ]),
    );
    await router.refresh();
    const cases: [string, string][] = [
      ['optout-model', 'alice'],
      ['optout-model', 'bob'],
      ['optout-model', 'carol'],
      ['router-model', 'alice'],
      ['router-model', 'bob'],
    ];
    for (const [model, key] of cases) {
      const remote = (await h.s.api('GET', `/api/v1/models/${model}/route?key=${key}`)).body as unknown;
      expect(router.route(model, key)).toEqual(remote);
    }
    expect(router.route('optout-model', 'alice')).toEqual({ version: null, variant: 'human-review' });
    expect(router.route('router-model', 'bob')).toEqual({ version: null, variant: 'human-review' });
    expect(router.route('router-model', 'alice').variant).not.toBe('human-review');
    expect(router.route('optout-model', 'carol').variant).not.toBe('human-review');
  });

  it('past the opt-outs the table carries, routeChecked asks the route API', async () => {
    // More opt-outs than the table carries, written straight to the store as another server would.
    const rows = Array.from({ length: OPT_OUT_SNAPSHOT_MAX + 1 }, (_, i) => ({
      id: `opt_bulk_${i}`,
      subject_sha256: createHash('sha256').update(`bulk-${i}`).digest('hex'),
      model_name: 'router-model',
      created_at: '2026-01-01T00:00:00.000Z',
      created_by: 'loader',
    }));
    for (let i = 0; i < rows.length; i += 2_000)
      await h.s.ctx.db
        .insertInto('decision_opt_outs')
        .values(rows.slice(i, i + 2_000))
        .execute();
    await new Promise((resolve) => setTimeout(resolve, 300)); // past ROUTING_TABLE_MS
    const table = await h.s.api('GET', '/api/v1/routing');
    expect(table.body.optOuts).toEqual({ complete: false, subjects: [] });
    const router = new WardenRouter({ url: h.s.url, token: h.s.adminToken });
    await router.refresh();
    expect(router.optOutsComplete).toBe(false);
    expect((await h.s.api('GET', '/api/v1/models/router-model/route?key=bulk-20000')).body).toEqual({
      version: null,
      variant: 'human-review',
    });
    expect(await router.routeChecked('router-model', 'bulk-20000')).toEqual({
      version: null,
      variant: 'human-review',
    });
    const other = await router.routeChecked('router-model', 'not-opted-out');
    expect(other.variant).not.toBe('human-review');
  });
});

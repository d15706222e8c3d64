import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { claimRollout } from './rollout.repository.js';
import { runDueRollouts } from './rollout.task.js';
import {
  advance,
  championAndApprovedCandidate,
  ingest,
  rolloutOf,
  startWithApprovals,
  traffic,
} from './rollout.test-helper.js';

const STEP = 300;
const INTERVAL = 60;

describeEachBackend('rollouts with live analysis and automatic rollback', (backend) => {
  let h: WorkflowHarness;
  let mlops: string;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    mlops = await h.as('mo', ['mlops']);
    const hook = await h.s.api('POST', '/api/v1/webhooks', {
      body: { url: 'http://127.0.0.1:9/hook', events: ['*'], secret: 'a-test-secret-of-16+' },
    });
    expect(hook.status).toBe(201);
  });
  afterAll(() => h.s.close());

  // The tests' steps are shorter than tier 3's minStepMinutes: such a rollout starts once approved.
  const start = (model: string, body: Record<string, unknown>, token = mlops) =>
    startWithApprovals(h, model, body, token);
  const canary = (minSamples = 200) => ({
    candidate: '1.1.0',
    strategy: 'canary',
    analysis: {
      intervalSeconds: INTERVAL,
      stepSeconds: STEP,
      minSamplesPerVariant: minSamples,
      maxWaitSeconds: 3600,
    },
  });
  const outbox = async (type: string) =>
    (
      await h.s.ctx.db
        .selectFrom('webhook_deliveries')
        .select(['subject', 'body'])
        .where('event_type', '=', type)
        .execute()
    ).map((r) => ({ subject: r.subject, body: JSON.parse(r.body) }));

  it('refuses bad requests, naming the field, and stores nothing', async () => {
    await h.createModel('lonely', 3);
    await h.createVersion('lonely', '1.0.0');
    const noChampion = await start('lonely', { candidate: '1.0.0', strategy: 'canary' });
    expect(noChampion.status).toBe(409);
    await championAndApprovedCandidate(h, 'fraud-bad-input');
    const unknown = await start('fraud-bad-input', { candidate: '9.9.9', strategy: 'canary' });
    expect([unknown.status, unknown.body.error.field]).toEqual([400, 'candidate']);
    const decreasing = await start('fraud-bad-input', {
      candidate: '1.1.0',
      strategy: 'canary',
      steps: [10, 5, 100],
    });
    expect([decreasing.status, decreasing.body.error.field]).toEqual([400, 'steps.1']);
    const over = await start('fraud-bad-input', { candidate: '1.1.0', strategy: 'canary', steps: [10, 120] });
    expect([over.status, over.body.error.field]).toEqual([400, 'steps.1']);
    const strategy = await start('fraud-bad-input', { candidate: '1.1.0', strategy: 'sideways' });
    expect(strategy.status).toBe(400);
    const champion = await start('fraud-bad-input', { candidate: '1.0.0', strategy: 'canary' });
    expect([champion.status, champion.body.error.field]).toEqual([409, 'candidate']);
    const engineer = await h.as('eve', ['ml-engineer']);
    expect((await start('fraud-bad-input', canary(), engineer)).status).toBe(403);
    expect(await h.s.ctx.db.selectFrom('rollouts').select('id').execute()).toHaveLength(0);
    const first = await start('fraud-bad-input', canary());
    expect(first.status).toBe(201);
    const second = await start('fraud-bad-input', canary());
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/already has an active rollout/);
  });

  it('refuses a candidate whose production change request is not approved', async () => {
    await h.createModel('unapproved', 3);
    await h.createVersion('unapproved', '1.0.0');
    await h.createVersion('unapproved', '1.1.0');
    // 1.0.0 becomes champion through the policy-free path the harness offers: its own workflow.
    await championAndApprovedCandidate(h, 'unapproved-2');
    const res = await start('unapproved-2', { candidate: '1.1.0', strategy: 'canary' });
    expect(res.status).toBe(201);
    const other = await start('unapproved', { candidate: '1.1.0', strategy: 'canary' });
    expect(other.status).toBe(409);
  });

  it('aborts a candidate with 2 % errors at its first step, within one analysis interval, and rolls back', async () => {
    const cr = await championAndApprovedCandidate(h, 'fraud-2pct');
    const started = await start('fraud-2pct', canary());
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      status: 'progressing',
      step: 0,
      steps: [10, 25, 50, 100],
      weights: { champion: 90, candidate: 10 },
    });
    const id = started.body.id as string;

    advance(h, 10);
    await ingest(h, 'fraud-2pct', '1.0.0', traffic('c', 900, 1000)); // 0.1 % errors
    await ingest(h, 'fraud-2pct', '1.1.0', traffic('k', 100, 50)); // 2 % errors
    // Not yet due: the analysis runs once per interval.
    advance(h, INTERVAL - 11);
    expect(await runDueRollouts(h.s.ctx, 'server-a')).toBe(0);
    advance(h, 1); // one interval after the start, 50 s after the breach became observable
    await runDueRollouts(h.s.ctx, 'server-a');

    const r = await rolloutOf(h, 'fraud-2pct', id);
    expect(r).toMatchObject({
      status: 'aborted',
      step: 0,
      weights: { champion: 100, candidate: 0 },
      verdict: 'fail',
    });
    const errorRate = r.analysis.find((m: any) => m.metric === 'error_rate');
    expect(errorRate).toMatchObject({
      verdict: 'fail',
      counts: { champion: 900, candidate: 100 },
      value: { candidate: 0.02 },
    });
    expect(r.reason).toMatch(/error_rate/);
    // Every key goes to the champion now.
    for (const key of ['a', 'b', 'c', 'd', 'e']) {
      const route = await h.s.api('GET', `/api/v1/models/fraud-2pct/route?key=${key}`);
      expect(route.body).toMatchObject({ version: '1.0.0', variant: 'champion' });
    }
    const alerts = await h.s.api('GET', '/api/v1/alerts?model=fraud-2pct');
    expect(alerts.body.items.map((a: any) => a.rule)).toContain(`rollout:${id}`);
    expect(await h.auditCount('rollout.aborted', `rollout:${id}`)).toBe(1);
    expect((await outbox('rollout.aborted')).map((e) => e.subject)).toContain(`rollout:${id}`);
    const model = (await h.s.api('GET', '/api/v1/models/fraud-2pct')).body;
    expect(model.championVersion).toBe('1.0.0');
    expect((await h.s.api('GET', `/api/v1/change-requests/${cr}`)).body.status).toBe('approved');
  });

  it('walks a good candidate 10 → 25 → 50 → 100 and makes it champion', async () => {
    const cr = await championAndApprovedCandidate(h, 'fraud-good');
    const deployed = await h.s.api('POST', '/api/v1/models/fraud-good/versions/1.0.0/deployments', {
      token: mlops,
      body: { environment: 'production', target: 'gateway/eu-1', trafficPercent: 100 },
    });
    expect(deployed.status).toBe(201);
    const id = (await start('fraud-good', canary())).body.id as string;
    const onCandidate = async () => {
      const keys = Array.from({ length: 400 }, (_, i) => `user-${i}`);
      const out = new Set<string>();
      for (const key of keys) {
        const route = await h.s.api('GET', `/api/v1/models/fraud-good/route?key=${key}`);
        if (route.body.variant === 'candidate') out.add(key);
      }
      return out;
    };
    const shares: number[] = [];
    let previous = new Set<string>();
    for (const [step, weight] of [10, 25, 50, 100].entries()) {
      const r = await rolloutOf(h, 'fraud-good', id);
      expect([r.step, r.weights.candidate]).toEqual([step, weight]);
      if (weight < 100) {
        const now = await onCandidate();
        shares.push(now.size / 400);
        for (const key of previous) expect(now.has(key)).toBe(true); // sticky as the share grows
        previous = now;
      }
      // Enough records on each side for the step (200 on the smaller side).
      const candidateN = weight === 100 ? 400 : Math.max(200, Math.ceil((200 * weight) / (100 - weight)));
      const championN = weight === 100 ? 0 : Math.max(200, Math.ceil((200 * (100 - weight)) / weight));
      advance(h, 5);
      await ingest(h, 'fraud-good', '1.0.0', traffic(`c${step}`, championN));
      await ingest(h, 'fraud-good', '1.1.0', traffic(`k${step}`, candidateN));
      // Before the step's hold time it only holds.
      advance(h, INTERVAL);
      await runDueRollouts(h.s.ctx);
      expect((await rolloutOf(h, 'fraud-good', id)).step).toBe(step);
      advance(h, STEP);
      await runDueRollouts(h.s.ctx);
    }
    const done = await rolloutOf(h, 'fraud-good', id);
    expect(done).toMatchObject({ status: 'succeeded', weights: { champion: 0, candidate: 100 } });
    // 400 keys: within 4.5 binomial standard deviations of 10 % and 50 % (the rollout id seeds the hash).
    expect(shares[0]).toBeGreaterThan(0.032);
    expect(shares[0]).toBeLessThan(0.168);
    expect(shares[2]).toBeGreaterThan(0.387);
    expect(shares[2]).toBeLessThan(0.613);
    const model = (await h.s.api('GET', '/api/v1/models/fraud-good')).body;
    expect([model.championVersion, model.previousChampionVersion]).toEqual(['1.1.0', '1.0.0']);
    expect((await h.s.api('GET', `/api/v1/change-requests/${cr}`)).body.status).toBe('executed');
    expect(await h.auditCount('rollout.advanced', `rollout:${id}`)).toBe(3);
    expect(await h.auditCount('rollout.succeeded', `rollout:${id}`)).toBe(1);
    const route = await h.s.api('GET', '/api/v1/models/fraud-good/route?key=anyone');
    expect(route.body).toMatchObject({ version: '1.1.0', variant: 'champion' });
    // The champion's place now runs the candidate, with the place's whole share.
    const places = (await h.s.api('GET', '/api/v1/models/fraud-good/deployments')).body.items as any[];
    const byVersion = (v: string) => places.filter((d) => d.version === v);
    expect(byVersion('1.0.0')).toMatchObject([{ status: 'ended', endReason: expect.stringContaining(id) }]);
    expect(byVersion('1.1.0')).toMatchObject([
      { status: 'active', environment: 'production', target: 'gateway/eu-1', trafficPercent: 100 },
    ]);
  });

  it('keeps a low-traffic canary at insufficient_data, never advancing, then pauses and notifies', async () => {
    await championAndApprovedCandidate(h, 'fraud-quiet');
    const id = (await start('fraud-quiet', canary())).body.id as string;
    advance(h, 5);
    await ingest(h, 'fraud-quiet', '1.0.0', traffic('c', 150));
    await ingest(h, 'fraud-quiet', '1.1.0', traffic('k', 20));
    for (let i = 0; i < 10; i++) {
      advance(h, INTERVAL);
      await runDueRollouts(h.s.ctx);
    }
    const r = await rolloutOf(h, 'fraud-quiet', id);
    expect(r).toMatchObject({ status: 'progressing', step: 0, verdict: 'insufficient_data' });
    expect(r.analysis.find((m: any) => m.metric === 'error_rate').verdict).toBe('insufficient_data');
    advance(h, 3600);
    await runDueRollouts(h.s.ctx);
    const paused = await rolloutOf(h, 'fraud-quiet', id);
    expect(paused).toMatchObject({ status: 'paused', step: 0 });
    expect(paused.reason).toMatch(/insufficient data/);
    expect((await outbox('rollout.paused')).map((e) => e.subject)).toContain(`rollout:${id}`);
    // resume, then abort by hand: audited under the person.
    const resumed = await h.s.api('POST', `/api/v1/models/fraud-quiet/rollouts/${id}/resume`, {
      token: mlops,
      body: {},
    });
    expect(resumed.body.status).toBe('progressing');
    const aborted = await h.s.api('POST', `/api/v1/models/fraud-quiet/rollouts/${id}/abort`, {
      token: mlops,
      body: { reason: 'not enough traffic this week' },
    });
    expect(aborted.body).toMatchObject({ status: 'aborted', weights: { candidate: 0 } });
    const again = await h.s.api('POST', `/api/v1/models/fraud-quiet/rollouts/${id}/resume`, {
      token: mlops,
      body: {},
    });
    expect([again.status, again.body.error.field]).toEqual([400, 'status']);
    const list = await h.s.api('GET', '/api/v1/rollouts?status=aborted');
    expect(list.body.items.map((x: any) => x.id)).toContain(id);
  });

  it('lets one server at a time analyse a rollout; a lost server’s lease runs out and another takes over', async () => {
    await championAndApprovedCandidate(h, 'fraud-lease');
    const id = (await start('fraud-lease', canary())).body.id as string;
    advance(h, INTERVAL);
    const nowIso = h.clock.now.toISOString();
    // Server A claims the analysis and dies before finishing.
    expect(
      await claimRollout(
        h.s.ctx.db,
        id,
        'server-a',
        nowIso,
        new Date(h.clock.now.getTime() + 30_000).toISOString(),
      ),
    ).toBe(true);
    expect(await claimRollout(h.s.ctx.db, id, 'server-b', nowIso, nowIso)).toBe(false);
    await runDueRollouts(h.s.ctx, 'server-b');
    expect((await rolloutOf(h, 'fraud-lease', id)).analysis).toEqual([]);
    advance(h, 31);
    await runDueRollouts(h.s.ctx, 'server-b');
    const r = await rolloutOf(h, 'fraud-lease', id);
    expect(r.analysis.length).toBeGreaterThan(0);
    expect(Date.parse(r.nextAnalysisAt)).toBe(h.clock.now.getTime() + INTERVAL * 1000);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { registerRolloutCommands } from './rollout.command.js';
import { runDueRollouts } from './rollout.task.js';
import {
  advance,
  championAndApprovedCandidate,
  ingest,
  rolloutOf,
  startWithApprovals,
  traffic,
} from './rollout.test-helper.js';

const KEYS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];

describeEachBackend('blue-green rollouts and custom analysis metrics', (backend) => {
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

  // Short smoke phases and a raised errorRate are looser than tier 3's policy: started once approved.
  const start = (model: string, body: Record<string, unknown>) => startWithApprovals(h, model, body, mlops);
  const blueGreen = {
    candidate: '1.1.0',
    strategy: 'blue-green',
    analysis: {
      intervalSeconds: 10,
      stepSeconds: 30,
      minSamplesPerVariant: 100,
      maxWaitSeconds: 3600,
      thresholds: { errorRate: 0.01 },
    },
  };
  const routes = async (model: string) =>
    Promise.all(
      KEYS.map(
        async (key) =>
          (await h.s.api('GET', `/api/v1/models/${model}/route?key=${key}`)).body.version as string,
      ),
    );
  const outbox = async (type: string) =>
    (
      await h.s.ctx.db
        .selectFrom('webhook_deliveries')
        .select(['subject'])
        .where('event_type', '=', type)
        .execute()
    ).map((r) => r.subject);
  const metric = (r: any, name: string) => r.analysis.find((m: any) => m.metric === name);

  /** Starts a blue-green rollout and walks a healthy candidate through its smoke phase to the switch (t = 35 s). */
  async function switched(model: string): Promise<string> {
    await championAndApprovedCandidate(h, model);
    const started = await start(model, blueGreen);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      steps: [0, 100],
      step: 0,
      phase: 'smoke',
      weights: { champion: 100, candidate: 0 },
    });
    const id = started.body.id as string;
    // Smoke phase: live traffic stays on the champion; smoke requests reach the candidate directly.
    expect(await routes(model)).toEqual(KEYS.map(() => '1.0.0'));
    advance(h, 5);
    await ingest(h, model, '1.0.0', traffic('live', 400));
    await ingest(h, model, '1.1.0', traffic('smoke', 150));
    advance(h, 10);
    await runDueRollouts(h.s.ctx);
    let r = await rolloutOf(h, model, id);
    // Held: the smoke phase lasts its stepSeconds even when it passes.
    expect(r).toMatchObject({ status: 'progressing', step: 0, weights: { champion: 100, candidate: 0 } });
    expect(metric(r, 'error_rate')).toMatchObject({
      verdict: 'pass',
      counts: { champion: 400, candidate: 150 },
      value: { champion: 0, candidate: 0 },
    });
    // Smoke requests are not a sample of live traffic: no prediction-distribution comparison.
    expect(metric(r, 'prediction_psi')).toBeUndefined();
    expect(await routes(model)).toEqual(KEYS.map(() => '1.0.0'));
    advance(h, 20); // 35 s: the smoke phase held 30 s and passes
    await runDueRollouts(h.s.ctx);
    r = await rolloutOf(h, model, id);
    expect(r).toMatchObject({
      status: 'progressing',
      step: 1,
      phase: 'switched',
      weights: { champion: 0, candidate: 100 },
    });
    // One move: every key goes to the candidate at once.
    expect(await routes(model)).toEqual(KEYS.map(() => '1.1.0'));
    expect(await h.auditCount('rollout.advanced', `rollout:${id}`)).toBe(1);
    return id;
  }

  it('a good candidate passes its smoke analysis, then takes all traffic in one move and becomes champion', async () => {
    const id = await switched('bg-good');
    advance(h, 5);
    await ingest(h, 'bg-good', '1.1.0', traffic('after', 300));
    advance(h, 10); // 15 s after the switch: held
    await runDueRollouts(h.s.ctx);
    expect((await rolloutOf(h, 'bg-good', id)).status).toBe('progressing');
    advance(h, 20); // 35 s after the switch
    await runDueRollouts(h.s.ctx);
    const r = await rolloutOf(h, 'bg-good', id);
    expect(r.status).toBe('succeeded');
    // After the switch the champion's baseline is its records over as long a span before the switch
    // (35 s: its 400 live records at 5 s); the candidate's are the 300 served since.
    expect(metric(r, 'error_rate').counts).toEqual({ champion: 400, candidate: 300 });
    expect((await h.s.api('GET', '/api/v1/models/bg-good')).body.championVersion).toBe('1.1.0');
    expect(await outbox('rollout.succeeded')).toContain(`rollout:${id}`);
  });

  it('a candidate that fails its smoke analysis aborts and never receives live traffic', async () => {
    await championAndApprovedCandidate(h, 'bg-bad');
    const started = await start('bg-bad', blueGreen);
    const id = started.body.id as string;
    advance(h, 5);
    await ingest(h, 'bg-bad', '1.0.0', traffic('live', 400));
    await ingest(h, 'bg-bad', '1.1.0', traffic('smoke', 150, 10)); // every 10th fails: 15 of 150
    advance(h, 5); // the first analysis, one interval after the start
    await runDueRollouts(h.s.ctx);
    const r = await rolloutOf(h, 'bg-bad', id);
    expect(r).toMatchObject({
      status: 'aborted',
      step: 0,
      phase: 'smoke',
      weights: { champion: 100, candidate: 0 },
    });
    expect(metric(r, 'error_rate')).toMatchObject({ verdict: 'fail', value: { candidate: 0.1 } });
    expect(await h.auditCount('rollout.advanced', `rollout:${id}`)).toBe(0);
    expect(await routes('bg-bad')).toEqual(KEYS.map(() => '1.0.0'));
    const alerts = await h.s.api('GET', '/api/v1/alerts?model=bg-bad');
    expect(alerts.body.items.map((a: any) => a.rule)).toContain(`rollout:${id}`);
    expect(await h.auditCount('rollout.aborted', `rollout:${id}`)).toBe(1);
    expect(await outbox('rollout.aborted')).toContain(`rollout:${id}`);
    expect((await h.s.api('GET', '/api/v1/models/bg-bad')).body.championVersion).toBe('1.0.0');
  });

  it('a breach after the switch switches back to the champion within one analysis interval', async () => {
    const id = await switched('bg-breach');
    advance(h, 5); // 40 s: the candidate now fails 1 in 20 of all live requests
    await ingest(h, 'bg-breach', '1.1.0', traffic('after', 300, 20));
    advance(h, 5); // 45 s: the next analysis, 5 s after the breach became observable
    await runDueRollouts(h.s.ctx);
    const r = await rolloutOf(h, 'bg-breach', id);
    expect(r).toMatchObject({ status: 'aborted', weights: { champion: 100, candidate: 0 } });
    expect(metric(r, 'error_rate')).toMatchObject({
      verdict: 'fail',
      counts: { candidate: 300 },
      value: { candidate: 0.05 },
    });
    expect(await routes('bg-breach')).toEqual(KEYS.map(() => '1.0.0'));
    const alerts = await h.s.api('GET', '/api/v1/alerts?model=bg-breach');
    expect(alerts.body.items.map((a: any) => a.rule)).toContain(`rollout:${id}`);
    expect(await h.auditCount('rollout.aborted', `rollout:${id}`)).toBe(1);
    expect(await outbox('rollout.aborted')).toContain(`rollout:${id}`);
    expect((await h.s.api('GET', '/api/v1/models/bg-breach')).body.championVersion).toBe('1.0.0');
  });

  it('refuses bad custom metrics and smoke shares, naming the field, and stores nothing', async () => {
    await championAndApprovedCandidate(h, 'custom-bad');
    const custom = (m: Record<string, unknown>) => ({
      candidate: '1.1.0',
      strategy: 'canary',
      analysis: {
        custom: [{ name: 'toxicity', signal: 'signals.toxic', aggregate: 'rate', maxValue: 0.1, ...m }],
      },
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [custom({ aggregate: 'median' }), 'analysis.custom.0.aggregate'],
      [custom({ signal: 'score', aggregate: 'rate' }), 'analysis.custom.0.aggregate'],
      [custom({ aggregate: 'mean' }), 'analysis.custom.0.aggregate'],
      [custom({ signal: 'tokens' }), 'analysis.custom.0.signal'],
      [custom({ maxValue: undefined }), 'analysis.custom.0.maxValue'],
      [custom({ name: 'Toxicity!' }), 'analysis.custom.0.name'],
      [custom({ maxIncrease: -1 }), 'analysis.custom.0.maxIncrease'],
      [{ ...blueGreen, smokePct: 100 }, 'smokePct'],
      [{ candidate: '1.1.0', strategy: 'canary', smokePct: 5 }, 'smokePct'],
    ];
    for (const [body, field] of cases) {
      const res = await start('custom-bad', body);
      expect([res.status, res.body.error?.field], JSON.stringify(body)).toEqual([400, field]);
    }
    const twice = await start('custom-bad', {
      candidate: '1.1.0',
      strategy: 'canary',
      analysis: {
        custom: [
          { name: 'toxicity', signal: 'signals.toxic', aggregate: 'rate', maxValue: 0.1 },
          { name: 'toxicity', signal: 'score', aggregate: 'mean', maxValue: 0.1 },
        ],
      },
    });
    expect([twice.status, twice.body.error.field]).toEqual([400, 'analysis.custom.1.name']);
    const model = (await h.s.api('GET', '/api/v1/models/custom-bad')).body;
    const stored = await h.s.ctx.db
      .selectFrom('rollouts')
      .select('id')
      .where('model_id', '=', model.id)
      .execute();
    expect(stored).toEqual([]);
  });

  it('judges custom metrics per variant over the step, with their own failure limit', async () => {
    await championAndApprovedCandidate(h, 'custom-model');
    const started = await start('custom-model', {
      candidate: '1.1.0',
      strategy: 'canary',
      steps: [20, 100],
      analysis: {
        intervalSeconds: 10,
        stepSeconds: 600,
        minSamplesPerVariant: 100,
        maxWaitSeconds: 3600,
        custom: [
          {
            name: 'toxicity',
            signal: 'signals.toxic',
            aggregate: 'rate',
            maxIncrease: 0.03,
            failureLimit: 1,
          },
          { name: 'score_p95', signal: 'score', aggregate: 'p95', maxValue: 0.99 },
        ],
      },
    });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    advance(h, 5);
    // Champion: 400 records, every 25th flagged toxic (16/400 = 0.04), scores i/400 · 0.9.
    await ingest(
      h,
      'custom-model',
      '1.0.0',
      traffic('c', 400).map((r, i) => ({
        ...r,
        score: (i / 400) * 0.9,
        ...(i % 25 === 0 ? { signals: { toxic: true } } : i % 2 === 0 ? { signals: { toxic: false } } : {}),
      })),
    );
    // Candidate: 200 records, every 10th flagged (20/200 = 0.1), scores i/200.
    await ingest(
      h,
      'custom-model',
      '1.1.0',
      traffic('k', 200).map((r, i) => ({
        ...r,
        score: i / 200,
        ...(i % 10 === 0 ? { signals: { toxic: 'hate' } } : {}),
      })),
    );
    advance(h, 5);
    await runDueRollouts(h.s.ctx);
    let r = await rolloutOf(h, 'custom-model', id);
    // numpy: mean of the 0/1 flags; np.percentile(np.arange(200)/200, 95) = 0.94525,
    // np.percentile(np.arange(400)/400*0.9, 95) = 0.8528625.
    expect(metric(r, 'custom:toxicity')).toMatchObject({
      counts: { champion: 400, candidate: 200 },
      value: { champion: 0.04, candidate: 0.1 },
      verdict: 'fail',
      blocking: true,
      failures: 1,
      failureLimit: 1,
    });
    expect(metric(r, 'custom:toxicity').threshold).toBeCloseTo(0.07, 12);
    expect(metric(r, 'custom:score_p95')).toMatchObject({
      counts: { champion: 400, candidate: 200 },
      verdict: 'pass',
      threshold: 0.99,
    });
    expect(metric(r, 'custom:score_p95').value.candidate).toBeCloseTo(0.94525, 6);
    expect(metric(r, 'custom:score_p95').value.champion).toBeCloseTo(0.8528625, 6);
    // Within its failure limit the failure holds the step; the next failed analysis aborts.
    expect(r).toMatchObject({ status: 'progressing', step: 0 });
    advance(h, 10);
    await runDueRollouts(h.s.ctx);
    r = await rolloutOf(h, 'custom-model', id);
    expect(r).toMatchObject({ status: 'aborted', weights: { champion: 100, candidate: 0 } });
    expect(metric(r, 'custom:toxicity')).toMatchObject({ verdict: 'fail', failures: 2 });
    expect(r.reason).toMatch(/custom:toxicity/);
    expect(await h.auditCount('rollout.aborted', `rollout:${id}`)).toBe(1);
  });

  it('warden rollouts shows the smoke phase and each custom metric with its verdict', async () => {
    await championAndApprovedCandidate(h, 'bg-cli');
    const env = { WARDEN_URL: h.s.url, WARDEN_TOKEN: mlops };
    const warden = (args: string[]) => runCommandsInProcess(registerRolloutCommands, args, env);
    // A 30 s smoke step is shorter than tier 3's 30 minutes: held, the field and policy value shown.
    const held = await warden([
      'rollouts',
      'start',
      'bg-cli',
      '1.1.0',
      '--strategy',
      'blue-green',
      '--step-seconds',
      '30',
    ]);
    expect(held.code, held.stderr).toBe(0);
    expect(held.stdout).toMatch(
      /not started: the plan is looser than the tier's policy; held for approval in change request cr_/,
    );
    expect(held.stdout).toMatch(/analysis\.stepSeconds\s+30\s+1800\s+tiers\.3\.rollout\.minStepMinutes/);
    const queue = (await h.s.api('GET', '/api/v1/change-requests?model=bg-cli&kind=governance_change')).body;
    const heldId = queue.items[0].id as string;
    await h.s.api('POST', `/api/v1/change-requests/${heldId}/withdraw`, {
      token: mlops,
      body: { reason: 'within the policy' },
    });
    const started = await warden([
      'rollouts',
      'start',
      'bg-cli',
      '1.1.0',
      '--strategy',
      'blue-green',
      '--smoke-pct',
      '5',
      '--step-seconds',
      '1800',
    ]);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('(5 → 100), weights champion 95 % / candidate 5 %');
    expect(started.stdout).toContain('phase: smoke analysis');
    const status = await warden(['rollouts', 'status', 'custom-model']);
    expect(status.code, status.stderr).toBe(0);
    const row = status.stdout.split('\n').find((l) => l.trimStart().startsWith('custom:toxicity'))!;
    expect(row).toMatch(/0\.04\s.*400\s.*0\.1\s.*200\s.*0\.07\s.*fail \(2\/1 failures\)/);
  });
});

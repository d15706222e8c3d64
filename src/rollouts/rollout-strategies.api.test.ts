import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { runDueRollouts } from './rollout.task.js';
import {
  advance,
  championAndApprovedCandidate,
  ingest,
  rolloutOf,
  startWithApprovals,
  type SimRecord,
} from './rollout.test-helper.js';

describeEachBackend('shadow and A/B rollouts', (backend) => {
  let h: WorkflowHarness;
  let mlops: string;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    mlops = await h.as('mo', ['mlops']);
  });
  afterAll(() => h.s.close());

  it('shadow: agreement per segment from mirrored records matches an independent computation', async () => {
    await championAndApprovedCandidate(h, 'shadow-model');
    const started = await h.s.api('POST', '/api/v1/models/shadow-model/rollouts', {
      token: mlops,
      body: {
        candidate: '1.1.0',
        strategy: 'shadow',
        durationHours: 0.01,
        analysis: { intervalSeconds: 10, minSamplesPerVariant: 50, thresholds: { shadowAgreement: 0.8 } },
      },
    });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const route = await h.s.api('GET', '/api/v1/models/shadow-model/route?key=anyone');
    expect(route.body).toMatchObject({ version: '1.0.0', variant: 'champion', shadow: '1.1.0' });
    // Without mirrored records there is nothing to judge: promoting is refused, naming shadow.
    const early = await h.s.api('POST', `/api/v1/models/shadow-model/rollouts/${id}/promote`, {
      token: mlops,
      body: {},
    });
    expect([early.status, early.body.error.field]).toEqual([409, 'shadow']);
    expect((await rolloutOf(h, 'shadow-model', id)).status).toBe('progressing');
    // The same records as the pure test's: champion and mirrored candidate under the same ids.
    const classes = ['a', 'b', 'c'];
    const segments = ['de', 'fr', 'it'];
    const champion: SimRecord[] = [];
    const candidate: SimRecord[] = [];
    for (let i = 0; i < 300; i++) {
      const segment = { country: segments[i % 3]! };
      const k = classes[(Math.floor(i / 3) + Math.floor(i / 7)) % 3]!;
      let c = k;
      if (i % 10 === 0) c = classes[(classes.indexOf(k) + 1) % 3]!;
      if (segment.country === 'it' && i % 4 === 1) c = 'a';
      const id = `r${String(i).padStart(3, '0')}`;
      champion.push({ id, prediction: k, segment });
      candidate.push({ id, prediction: c, segment });
    }
    advance(h, 5);
    await ingest(h, 'shadow-model', '1.0.0', champion);
    await ingest(h, 'shadow-model', '1.1.0', candidate);
    advance(h, 10);
    await runDueRollouts(h.s.ctx);
    let r = await rolloutOf(h, 'shadow-model', id);
    expect(r.status).toBe('progressing'); // holds for its duration
    // numpy: po = trace(M)/n, pe = Σ row·col / n², κ = (po − pe)/(1 − pe), per segment.
    expect(r.shadow.agreementRate).toBeCloseTo(0.8433333333333334, 12);
    expect(r.shadow.kappa).toBeCloseTo(0.7650587353161709, 12);
    expect(r.shadow.perSegment['country=de'].kappa).toBeCloseTo(0.8499174546000301, 12);
    expect(r.shadow.perSegment['country=it'].kappa).toBeCloseTo(0.5954450104884627, 12);
    expect(r.shadow.perSegment['country=it'].agreementRate).toBeCloseTo(0.73, 12);
    advance(h, 40);
    await runDueRollouts(h.s.ctx);
    r = await rolloutOf(h, 'shadow-model', id);
    expect(r.status).toBe('succeeded');
    expect((await h.s.api('GET', '/api/v1/models/shadow-model')).body.championVersion).toBe('1.1.0');
  });

  it('A/B: sample size from the MDE up front; the result matches scipy on the same counts', async () => {
    await championAndApprovedCandidate(h, 'ab-model');
    // A 10 s step and a 50 % error rate are looser than tier 3's policy: started once approved.
    const started = await startWithApprovals(
      h,
      'ab-model',
      {
        candidate: '1.1.0',
        strategy: 'ab',
        ab: { metric: 'error_rate', baseline: 0.1, mde: 0.1 },
        analysis: {
          intervalSeconds: 10,
          stepSeconds: 10,
          minSamplesPerVariant: 50,
          thresholds: { errorRate: 0.5 },
        },
      },
      mlops,
    );
    expect(started.status).toBe(201);
    // ceil((norm.ppf(.975) + norm.ppf(.8))² · (0.1·0.9 + 0.2·0.8) / 0.1²)
    expect(started.body.plan.ab.samplesPerVariant).toBe(197);
    expect(started.body.weights).toEqual({ champion: 50, candidate: 50 });
    const id = started.body.id as string;
    const records = (prefix: string, errors: number): SimRecord[] =>
      Array.from({ length: 200 }, (_, i) => ({ id: `${prefix}${i}`, prediction: 'no', error: i < errors }));
    advance(h, 5);
    await ingest(h, 'ab-model', '1.0.0', records('c', 20));
    await ingest(h, 'ab-model', '1.1.0', records('k', 30));
    advance(h, 10);
    await runDueRollouts(h.s.ctx);
    const r = await rolloutOf(h, 'ab-model', id);
    expect(r.status).toBe('succeeded');
    // scipy: pooled z for 30/200 against 20/200, p = 2·norm.sf(|z|)
    expect(r.result.statistic).toBeCloseTo(1.5118578920369083, 12);
    expect(r.result.pValue).toBeCloseTo(0.13057001811573637, 12);
    expect(r.result.significant).toBe(false);
    // The result is the candidate's validation evidence: a run of level experiment.
    const runs = (await h.s.api('GET', '/api/v1/models/ab-model/versions/1.1.0/validations')).body;
    const experiment = (runs.items ?? runs).find((run: { level: string }) => run.level === 'experiment');
    expect(experiment).toMatchObject({ passed: true, summary: { rollout: id } });
    expect(experiment.checks[0].name).toBe('ab.error_rate');
    expect(experiment.checks[0].value.pValue).toBeCloseTo(0.13057001811573637, 12);
    expect(experiment.checks[0].detail).toContain('no significant difference');
    expect(await h.auditCount('validation.run_recorded', 'model:ab-model@1.1.0')).toBe(1);
  });
});

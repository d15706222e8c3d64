import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { features, post, registerMonitoredModel, seeded } from '../monitoring/monitoring.test-helper.js';
import { generateDueReports, lastCompletePeriod } from './report-schedule.task.js';

const V = '/api/v1/models/fraud/versions/1.0.0';
const PERIOD = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T10:30:00.000Z' };

type Section = {
  id: string;
  status: string;
  paragraphs: string[];
  tables: Array<{ caption: string; rows: string[][] }>;
};
const sectionOf = (content: { sections: Section[] }, id: string) =>
  content.sections.find((s) => s.id === id)!;

describeEachBackend('periodic reports and post-implementation reviews', (backend) => {
  let server: TestServer;
  const clock = { now: new Date('2026-03-01T00:00:00.000Z') };
  let deploymentId: string;
  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock.now });
    await server.api('POST', '/api/v1/webhooks', {
      body: { url: 'http://127.0.0.1:9/hook', events: ['report.ready'], secret: 'x'.repeat(20) },
    });
    await registerMonitoredModel(server, 'fraud', { riskTier: 1 });
    await server.api('POST', '/api/v1/models', { body: { name: 'quiet', owner: 'q', riskTier: 2 } });
    const dep = await server.api('POST', `${V}/deployments`, {
      body: { environment: 'shadow', target: 'scoring-api' },
    });
    expect(dep.status).toBe(201);
    deploymentId = dep.body.id;
    clock.now = new Date('2026-03-02T10:30:00.000Z');
    const rng = seeded(11);
    await post(
      server,
      `${V}/reference`,
      Array.from({ length: 2400 }, (_, i) => ({
        features: features(rng),
        prediction: i % 2,
        score: i % 2 ? 0.7 : 0.3,
        label: i % 2,
      })),
    );
    const live = seeded(23);
    await post(
      server,
      `${V}/inferences`,
      Array.from({ length: 2400 }, (_, i) => ({
        id: `r${i}`,
        timestamp: '2026-03-02T09:40:00Z',
        features: features(live),
        segment: { region: i % 2 === 0 ? 'eu' : 'us' },
        prediction: i % 2,
        score: i % 2 ? 0.7 : 0.3,
      })),
    );
    // 80 % of labels agree with the prediction: i % 10 in 0..7 agree, 8 and 9 disagree.
    await post(
      server,
      `${V}/labels`,
      Array.from({ length: 2400 }, (_, i) => ({ id: `r${i}`, label: i % 10 < 8 ? i % 2 : 1 - (i % 2) })),
    );
    expect(
      (await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=accuracy_decay')).status,
    ).toBe(200);
  });
  afterAll(() => server.close());

  it('generates a periodic report with KPIs, per-class figures, alerts and a verdict, stored with the audit head', async () => {
    const head = await server.api('GET', '/api/v1/audit/head');
    const res = await server.api('POST', '/api/v1/reports', {
      body: { kind: 'periodic', model: 'fraud', ...PERIOD },
    });
    expect(res.status).toBe(201);
    expect(res.body.auditHead).toEqual({ seq: head.body.seq, hash: head.body.hash });
    const got = await server.api('GET', `/api/v1/reports/${res.body.id}`);
    const content = got.body.content;
    expect(content.verdict).toBe('unsatisfactory'); // accuracy 0.8 against the validated 0.9, alert open
    const kpis = sectionOf(content, 'kpis');
    // Hand count: tp 960 (odd i, i%10 in 1,3,5,7), fp 240 (i%10 = 9), tn 960, fn 240 (i%10 = 8).
    expect(kpis.tables.find((t) => t.caption === 'Per class')!.rows).toEqual([
      ['1 (positive)', '1200', '1200', '0.8', '0.8', '0.8'],
      ['0 (negative)', '1200', '1200', '0.8', '0.8', '0.8'],
    ]);
    const accuracy = kpis.tables[0]!.rows.find((r) => r[0] === 'accuracy')!;
    expect(accuracy).toEqual(['accuracy', '0.8', '0.9', '0.9', '0.5 pts', 'below minimum']);
    expect(kpis.tables.find((t) => t.caption === 'Per segment')!.rows.map((r) => r.slice(0, 4))).toEqual([
      ['region=eu', '1200', '1200', '0.8'],
      ['region=us', '1200', '1200', '0.8'],
    ]);
    expect(sectionOf(content, 'alerts').tables[0]!.rows[0]!.slice(2, 4)).toEqual([
      'accuracy_decay (critical)',
      'open',
    ]);
    const entry = await server.api('GET', `/api/v1/audit?action=report.generated`);
    expect(entry.body.items[0].change.contentSha256).toBe(res.body.contentSha256);
    const outbox = await server.ctx.db.selectFrom('webhook_deliveries').select('event_type').execute();
    expect(outbox.map((r) => r.event_type)).toContain('report.ready');
  });

  it('gives byte-identical content when generated twice, apart from generation time', async () => {
    const a = await server.api('POST', '/api/v1/reports', {
      body: { kind: 'periodic', model: 'fraud', ...PERIOD },
    });
    clock.now = new Date('2026-03-02T11:00:00.000Z');
    const b = await server.api('POST', '/api/v1/reports', {
      body: { kind: 'periodic', model: 'fraud', ...PERIOD },
    });
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.generatedAt).not.toBe(a.body.generatedAt);
    expect(b.body.contentSha256).toBe(a.body.contentSha256);
  });

  it('says so per section for a model with no data instead of failing', async () => {
    const res = await server.api('POST', '/api/v1/reports', {
      body: { kind: 'periodic', model: 'quiet', ...PERIOD },
    });
    expect(res.status).toBe(201);
    const content = (await server.api('GET', `/api/v1/reports/${res.body.id}`)).body.content;
    expect(content.verdict).toBe('no-data');
    expect(sectionOf(content, 'monitors')).toMatchObject({
      status: 'no-data',
      paragraphs: ['No monitor evaluated this model in the period.'],
    });
    expect(sectionOf(content, 'kpis').status).toBe('no-data');
  });

  it('refuses a period in the future, a reversed period and unknown models, naming the field', async () => {
    const future = await server.api('POST', '/api/v1/reports', {
      body: { kind: 'periodic', model: 'fraud', from: PERIOD.from, to: '2027-01-01T00:00:00Z' },
    });
    expect(future.status).toBe(400);
    expect(future.body.error.field).toBe('to');
    const reversed = await server.api('POST', '/api/v1/reports', {
      body: { kind: 'periodic', model: 'fraud', from: PERIOD.to, to: PERIOD.from },
    });
    expect(reversed.body.error.field).toBe('from');
    const kind = await server.api('POST', '/api/v1/reports', { body: { kind: 'annual', model: 'fraud' } });
    expect(kind.status).toBe(400);
    expect(kind.body.error.field).toBe('kind');
    expect(
      (await server.api('POST', '/api/v1/reports', { body: { kind: 'periodic', model: 'ghost', ...PERIOD } }))
        .status,
    ).toBe(404);
    const viewer = await server.tokenFor('vera', ['viewer']);
    expect(
      (
        await server.api('POST', '/api/v1/reports', {
          token: viewer,
          body: { kind: 'periodic', model: 'fraud', ...PERIOD },
        })
      ).status,
    ).toBe(403);
  });

  it('reviews a deployment: validated promise against production, per metric and segment', async () => {
    const res = await server.api('POST', '/api/v1/reports', {
      body: { kind: 'post-implementation-review', deploymentId },
    });
    expect(res.status).toBe(201);
    expect(res.body.period).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T11:00:00.000Z' });
    const content = (await server.api('GET', `/api/v1/reports/${res.body.id}`)).body.content;
    expect(sectionOf(content, 'scope').paragraphs[0]).toContain(
      'only 1 have elapsed: this review is partial',
    );
    const compared = sectionOf(content, 'promised-vs-observed');
    expect(compared.tables[0]!.rows).toContainEqual([
      'accuracy',
      '0.9',
      '0.8',
      '-10.000 pts',
      '1 pts',
      'worse than promised',
    ]);
    // Brier by hand: (1 - 0.7)² = 0.3² = 0.09 for the 80 % that agree, 0.7² = 0.49 for the rest: 0.17.
    expect(compared.tables[0]!.rows).toContainEqual([
      'brier',
      '0.1',
      '0.17',
      '-7.000 pts',
      '1 pts',
      'worse than promised',
    ]);
    expect(
      (
        await server.api('POST', '/api/v1/reports', {
          body: { kind: 'post-implementation-review', deploymentId: 'dep_nope' },
        })
      ).status,
    ).toBe(404);
  });

  it('renders HTML with generation date, data period, per-class tables and inlined uPlot, and Markdown', async () => {
    const list = await server.api('GET', '/api/v1/reports?model=fraud&kind=periodic');
    const id = list.body.items[0].id;
    const html = await fetch(`${server.url}/api/v1/reports/${id}?format=html`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const page = await html.text();
    expect(page).toContain(
      '<dt>Data period</dt><dd>2026-03-01T00:00:00.000Z to 2026-03-02T10:30:00.000Z</dd>',
    );
    expect(page).toContain('<dt>Generated</dt>');
    expect(page).toContain('<caption>Per class</caption>');
    expect(page).toContain('uPlot');
    expect(page).not.toMatch(/<script[^>]+src=/);
    const md = await fetch(`${server.url}/api/v1/reports/${id}`, {
      headers: { authorization: `Bearer ${server.adminToken}`, accept: 'text/markdown' },
    });
    expect(await md.text()).toContain('| 1 (positive) | 1200 | 1200 | 0.8 | 0.8 | 0.8 |');
  });

  it('generates each production model’s report for its last complete period once, on the tier cadence', async () => {
    expect(lastCompletePeriod(new Date('2026-04-02T08:00:00Z'), 30)).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
    });
    expect(lastCompletePeriod(new Date('2026-05-15T08:00:00Z'), 90)).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
    });
    const v = await server.ctx.db
      .selectFrom('model_versions')
      .select('id')
      .where('version', '=', '1.0.0')
      .executeTakeFirstOrThrow();
    await server.ctx.db
      .updateTable('models')
      .set({ champion_version_id: v.id })
      .where('name', '=', 'fraud')
      .execute();
    clock.now = new Date('2026-04-02T08:00:00.000Z');
    expect(await generateDueReports(server.ctx)).toBe(1);
    expect(await generateDueReports(server.ctx)).toBe(0);
    const scheduled = (await server.api('GET', '/api/v1/reports?model=fraud')).body.items[0];
    expect(scheduled).toMatchObject({
      trigger: 'schedule',
      generatedBy: 'warden',
      period: { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' },
    });
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { check, process, registerModel } from '../alerts/alerting.test-helper.js';
import { parseExposition } from './exposition.test-helper.js';
import { recordIngestion } from './index.js';

describeEachBackend('GET /metrics', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  const scrape = async (token?: string | null) => {
    const response = await fetch(`${server.url}/metrics`, {
      headers: token === null ? {} : { authorization: `Bearer ${token ?? server.adminToken}` },
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };

  it('exposes open alerts by model and severity, incidents, retraining requests and ingestion counters', async () => {
    const critical = await registerModel(server, 'metrics-critical', 1);
    const standard = await registerModel(server, 'metrics-standard', 3);
    await process(server, critical, [
      check('data_drift', 'alert', 60, { feature: 'age' }),
      check('prediction_drift', 'alert', 60),
      check('error_rate', 'warning', 60),
    ]);
    await process(server, standard, [check('accuracy_decay', 'alert', 60)]);
    // The counters belong to the process, shared by both backends' blocks: one model name per block.
    recordIngestion(`ingest-${backend}`, 1000, 0);
    recordIngestion(`ingest-${backend}`, 500, 3);

    const scraped = await scrape(await server.tokenFor('prom', ['viewer']));
    expect(scraped.status).toBe(200);
    expect(scraped.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { types, samples } = parseExposition(scraped.text);
    const value = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;

    expect(types.get('warden_alerts_open')).toBe('gauge');
    expect(types.get('warden_ingested_records_total')).toBe('counter');
    // Only the inferences route reports to the counter; the HELP line must not promise more.
    expect(scraped.text).toContain(
      '# HELP warden_ingested_records_total Inference records accepted or rejected by this server process since it started (labels, feedback and reference records are not counted).',
    );
    expect(
      value('warden_alerts_open', { model: 'metrics-critical', severity: 'critical', status: 'open' }),
    ).toBe(2);
    expect(value('warden_alerts_open', { model: 'metrics-critical', severity: 'high', status: 'open' })).toBe(
      1,
    );
    expect(
      value('warden_alerts_open', { model: 'metrics-standard', severity: 'medium', status: 'open' }),
    ).toBe(1);
    expect(value('warden_retraining_requests_open', { model: 'metrics-critical' })).toBe(1);
    expect(value('warden_ingested_records_total', { model: `ingest-${backend}`, outcome: 'accepted' })).toBe(
      1500,
    );
    expect(value('warden_ingested_records_total', { model: `ingest-${backend}`, outcome: 'rejected' })).toBe(
      3,
    );

    // A resolved alert leaves the gauge.
    const [alert] = (await server.api('GET', '/api/v1/alerts?model=metrics-standard')).body.items;
    await server.api('POST', `/api/v1/alerts/${alert.id}/resolve`, { body: { comment: 'fixed' } });
    const after = parseExposition((await scrape()).text);
    expect(
      after.samples.some((s) => s.name === 'warden_alerts_open' && s.labels.model === 'metrics-standard'),
    ).toBe(false);
  });

  it('counts inference records accepted and rejected through the ingestion API', async () => {
    const name = `ingest-api-${backend}`;
    expect(
      (await server.api('POST', '/api/v1/models', { body: { name, owner: 'o', riskTier: 3 } })).status,
    ).toBe(201);
    expect(
      (await server.api('POST', `/api/v1/models/${name}/versions`, { body: versionBody('1.0.0') })).status,
    ).toBe(201);
    const records = [1, 2, 3].map((i) => ({ id: `r${i}`, features: { x: i }, prediction: 1 }));
    const ok = await server.api('POST', `/api/v1/models/${name}/versions/1.0.0/inferences`, {
      body: records,
    });
    expect(ok.status).toBe(200);
    const bad = await server.api('POST', `/api/v1/models/${name}/versions/1.0.0/inferences`, {
      body: [
        { id: 'r4', features: { x: 1 }, prediction: 1 },
        { features: { x: 2 }, prediction: 0 },
      ],
    });
    expect(bad.status).toBe(400);
    const { samples } = parseExposition((await scrape()).text);
    const count = (outcome: string) =>
      samples.find(
        (s) =>
          s.name === 'warden_ingested_records_total' &&
          s.labels.model === name &&
          s.labels.outcome === outcome,
      )?.value;
    expect(count('accepted')).toBe(3);
    expect(count('rejected')).toBe(2);
  });

  it('needs a token, and a role that reads operations data', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape(await server.tokenFor('dana', ['data-scientist']))).status).toBe(403);
    expect((await scrape(await server.tokenFor('ops', ['operations']))).status).toBe(200);
  });
});

import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';
import { approveAll } from '../../test/support/governance.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';

const V = '/api/v1/models/fraud-engine/versions/1.0.0';

/**
 * The real-time view of the monitoring page in Chromium, over one window of 2,000 records whose
 * figures are computed by hand, and the Reports page's evidence pack export.
 *
 * The version is validated at accuracy, precision and recall 0.9 and Brier score 0.1. Records
 * 0–999 are region eu, 1000–1999 region us; in each region the first 500 are labelled positive.
 * eu: 450 true positives and 50 false positives (precision 0.9, recall 0.9, F1 0.9);
 * us: 400 true positives and 25 false positives (precision 400/425 = 94.12 %, recall 80 %,
 * F1 2·0.9412·0.8/1.7412 = 86.49 %). Overall precision 850/925 = 91.89 %, recall 85 %,
 * accuracy 1775/2000 = 88.75 %. Score 0.8 when predicted positive, else 0.2: Brier
 * (850·0.04 + 75·0.64 + 150·0.64 + 925·0.04)/2000 = 0.1075.
 * Latency: 94 % of records at 10 ms, 4 % at 40 ms, 2 % at 200 ms, so p95 = 40 ms and p99 = 200 ms
 * (quantile sketches: 1 % relative accuracy). 6 errors in 2,000 = 0.3 %.
 * country: reference de/fr/it 50/25/25 %, window 30/35/35 %: PSI = −0.2·ln(0.6) + 2·0.1·ln(1.4)
 * = 0.1695.
 */
describeInChromium('monitoring real-time view and evidence pack in Chromium', (backend, b) => {
  let server: TestServer;
  const now = new Date();

  function record(i: number, at: string) {
    const region = i < 1000 ? 'eu' : 'us';
    const k = i % 1000;
    const label = k < 500 ? 1 : 0;
    const prediction =
      region === 'eu' ? (k < 450 || (k >= 500 && k < 550) ? 1 : 0) : k < 400 || (k >= 500 && k < 525) ? 1 : 0;
    const m = i % 50;
    return {
      id: `r${i}`,
      timestamp: at,
      segment: { region },
      prediction,
      score: prediction === 1 ? 0.8 : 0.2,
      label,
      latencyMs: m < 47 ? 10 : m < 49 ? 40 : 200,
      error: i < 6,
      country: i % 20 < 6 ? 'de' : i % 20 < 13 ? 'fr' : 'it',
    };
  }

  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => now });
    await registerMonitoredModel(server, 'fraud-engine', { riskTier: 2 });
    const config = await server.api('PUT', '/api/v1/models/fraud-engine/monitoring/config', {
      body: { thresholds: { latencyP95Ms: 50, latencyP99Ms: 100, errorRatePct: 0.5 } },
    });
    if (config.status === 202) expect((await approveAll(server, config.body)).body.status).toBe('executed');
    else expect(config.status).toBe(200);
    const reference = await server.api('POST', `${V}/reference`, {
      body: Array.from({ length: 2000 }, (_, i) => {
        const r = record(i, now.toISOString());
        return {
          features: { amount: 100, age: 40, country: i % 4 < 2 ? 'de' : i % 4 === 2 ? 'fr' : 'it' },
          segment: r.segment,
          prediction: r.prediction,
          score: r.score,
          label: r.label,
        };
      }),
    });
    expect(reference.status).toBeLessThan(300);
    const at = new Date(now.getTime() - 50 * 60_000).toISOString();
    const records = Array.from({ length: 2000 }, (_, i) => record(i, at));
    const sent = await server.api('POST', `${V}/inferences`, {
      body: records.map(({ label: _label, country, ...r }) => ({
        ...r,
        features: { amount: 100, age: 40, country },
      })),
    });
    expect(sent.status).toBe(200);
    const labels = await server.api('POST', `${V}/labels`, {
      body: records.map((r) => ({ id: r.id, label: r.label })),
    });
    expect(labels.status).toBe(200);
    const run = await server.api('POST', '/api/v1/models/fraud-engine/monitoring/run');
    expect(run.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  const rowsOf = async (region: Locator) =>
    (await region.getByRole('row').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim()));
  const within1pct = (cell: string, expected: number) => {
    const v = Number.parseFloat(cell);
    expect(Math.abs(v - expected) / expected).toBeLessThanOrEqual(0.01);
  };

  it('shows the seed’s real-time view with the figures computed by hand', async () => {
    const vic = await b.signedIn(
      server.url,
      await server.tokenFor('vic', ['viewer']),
      '/monitoring?model=fraud-engine&days=7',
    );
    const view = vic.getByRole('region', { name: 'Real-time view' });
    const infra = vic.getByRole('region', { name: 'Infrastructure metrics', exact: true });
    await infra.getByRole('row', { name: /^Inference latency/ }).waitFor();
    const infraRows = await rowsOf(infra);
    const latency = infraRows.find((r) => r[0] === 'Inference latency')!;
    expect(latency[1]).toBe('no data');
    within1pct(latency[2]!, 40);
    within1pct(latency[3]!, 200);
    expect(latency[4]).toBe('p95 < 50 ms, p99 < 100 ms');
    expect(latency[5]).toBe('alert'); // p99 200 ms is past 100 ms
    expect(infraRows.find((r) => r[0] === 'Request error rate')!.slice(1, 5)).toEqual([
      '0.3 %',
      'no data',
      'no data',
      '< 0.5 %',
    ]);

    const perf = await rowsOf(vic.getByRole('region', { name: 'Performance now against the baseline' }));
    const metric = (name: string) => perf.find((r) => r[0] === name)!.slice(1, 3);
    expect(metric('Accuracy')).toEqual(['88.75 %', '90 %']);
    expect(metric('Precision')).toEqual(['91.89 %', '90 %']);
    expect(metric('Recall')).toEqual(['85 %', '90 %']);
    expect(metric('F1')).toEqual(['88.31 %', '90 %']);

    const segments = await rowsOf(vic.getByRole('region', { name: 'Performance per segment' }));
    expect(segments.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ['region=eu', '90 %', '90 %', '90 %', '1,000'],
      ['region=us', '94.12 %', '80 %', '86.49 %', '1,000'],
    ]);

    const drift = await rowsOf(vic.getByRole('region', { name: 'PSI by feature group' }));
    expect(drift[1]!.map((c) => c.toLowerCase())).toEqual(['ungrouped']);
    const country = drift.find((r) => r[0] === 'country')!;
    expect(country[1]).toBe('0.1695');
    expect(country[4]).toMatch(/chi-square/);

    const calibration = await rowsOf(vic.getByRole('region', { name: 'Concept drift and calibration' }));
    expect(calibration.find((r) => r[0] === 'Calibration (Brier score)')!.slice(1, 3)).toEqual([
      '0.1075',
      '0.1',
    ]);

    // No cell reads 0 or NaN for a missing value.
    expect(await view.getByText('NaN').count()).toBe(0);
    await view.getByText(/^Alerts opened in the last 7 days/).waitFor();
    await expectAccessible(vic, 'monitoring real-time view');
    await b.shot(vic, 'monitoring-realtime');

    const dark = await b.signedIn(
      server.url,
      await server.tokenFor('vic', ['viewer']),
      '/monitoring?model=fraud-engine&days=7',
      { colorScheme: 'dark' },
    );
    await dark.getByRole('region', { name: 'Performance per segment' }).waitFor();
    await expectAccessible(dark, 'monitoring real-time view dark');
    await b.shot(dark, 'monitoring-realtime-dark');
  });

  it('exports an evidence pack of a model from the Reports page as a zip', async () => {
    const cora = await b.signedIn(server.url, await server.tokenFor('cora', ['compliance']), '/reports');
    await cora.getByLabel('Model', { exact: true }).fill('fraud-engine');
    const [download] = await Promise.all([
      cora.waitForEvent('download', { timeout: 60_000 }),
      cora.getByRole('button', { name: 'Export evidence pack' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('evidence-fraud-engine-eu-ai-act.zip');
    const files = unzipSync(readFileSync(await download.path()));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { model: string };
    expect(manifest.model).toBe('fraud-engine');
    expect(files['manifest.sig']).toBeDefined();
    await cora.getByText('Downloaded evidence-fraud-engine-eu-ai-act.zip.').waitFor();
    await expectAccessible(cora, 'reports with evidence export');
    await b.shot(cora, 'reports-evidence-export');

    // A viewer is not offered the export.
    const vic = await b.signedIn(server.url, await server.tokenFor('vic', ['viewer']), '/reports');
    await vic.getByText('Evidence packs are exported by the admin, compliance and auditor roles.').waitFor();
    expect(await vic.getByRole('button', { name: 'Export evidence pack' }).count()).toBe(0);
  });
});

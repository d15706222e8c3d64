import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';
import { approveAll } from '../../test/support/governance.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';

const DAY = 86_400_000;
const V = '/api/v1/models/loan-approval/versions/1.0.0';

/**
 * The monitoring page's real-time view in Chromium: checks grouped by topic, performance as
 * labels arrive late (a window evaluated before its labels says so), calibration, and fairness
 * per group of a sensitive attribute, over three daily evaluations of a classification model
 * validated at accuracy, precision and recall 0.9 and Brier score 0.1.
 *
 * Each day has 600 records in region eu and 600 in us, half of each labelled positive. The model
 * finds every eu positive and `usFound` of the 300 us positives, predicts every negative right,
 * and scores 0.8 when it predicts positive, 0.2 otherwise. On the last day (usFound = 240):
 * accuracy 1140/1200 = 0.95 (decay −5 points), precision 1 (−10), recall 540/600 = 0.9 (0),
 * Brier (1140·0.2² + 60·0.8²)/1200 = 0.07 (drift −0.03), recall per group eu 1 (−10), us 0.8
 * (+10), equal-opportunity difference 1 − 0.8 = 0.2. The middle day's labels never arrive.
 */
describeInChromium('monitoring views in Chromium', (backend, b) => {
  let server: TestServer;
  const clock = { now: new Date() };
  const today = Date.now();

  async function day(offsetDays: number, usFound: number, labelled: boolean) {
    clock.now = new Date(today - offsetDays * DAY);
    const at = new Date(clock.now.getTime() - 50 * 60_000).toISOString();
    const records = Array.from({ length: 1200 }, (_, i) => {
      const region = i < 600 ? 'eu' : 'us';
      const k = i % 600;
      const label = k < 300 ? 1 : 0;
      const prediction = label === 1 && (region === 'eu' || k < usFound) ? 1 : 0;
      return {
        id: `d${offsetDays}-${i}`,
        timestamp: at,
        features: { amount: 100, age: 40, country: 'de' },
        segment: { region },
        prediction,
        score: prediction === 1 ? 0.8 : 0.2,
        label,
      };
    });
    const sent = await server.api('POST', `${V}/inferences`, {
      body: records.map(({ label: _label, ...r }) => r),
    });
    expect(sent.status).toBe(200);
    if (labelled) {
      const labels = await server.api('POST', `${V}/labels`, {
        body: records.map((r) => ({ id: r.id, label: r.label })),
      });
      expect(labels.status).toBe(200);
    }
    const run = await server.api(
      'POST',
      '/api/v1/models/loan-approval/monitoring/run?rules=accuracy_decay,precision_decay,recall_decay,brier_drift,fairness',
    );
    expect(run.status).toBe(200);
  }

  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock.now });
    await registerMonitoredModel(server, 'loan-approval', { riskTier: 2 });
    const config = await server.api('PUT', '/api/v1/models/loan-approval/monitoring/config', {
      body: { sensitiveAttributes: ['region'] },
    });
    if (config.status === 202) expect((await approveAll(server, config.body)).body.status).toBe('executed');
    else expect(config.status).toBe(200);
    await day(2, 270, true);
    await day(1, 240, false);
    await day(0, 240, true);
    clock.now = new Date(); // sessions expire by the browser's clock
  });
  afterAll(async () => {
    clock.now = new Date();
    await server?.close();
  });

  it('groups the latest checks by topic and shows performance, calibration and fairness as computed by hand', async () => {
    const vic = await b.signedIn(
      server.url,
      await server.tokenFor('vic', ['viewer']),
      '/monitoring?model=loan-approval&days=7',
    );
    const latest = vic.getByRole('region', { name: 'Latest per check', exact: true }).last();
    await latest.getByRole('row', { name: /^fairness · region/ }).waitFor();
    const rows = await latest.getByRole('row').allInnerTexts();
    const cells = (row: string) => row.split('\t').slice(0, 2);
    expect(rows.filter((r) => !r.includes('\t')).map((r) => r.trim().toLowerCase())).toEqual([
      'performance with delayed labels',
      'calibration',
      'fairness per group',
    ]);
    const find = (check: string) => cells(rows.find((r) => r.startsWith(`${check}\t`))!);
    expect(find('accuracy_decay')).toEqual(['accuracy_decay', '-5']);
    expect(find('precision_decay')).toEqual(['precision_decay', '-10']);
    expect(find('recall_decay')).toEqual(['recall_decay', '0']);
    expect(find('brier_drift')).toEqual(['brier_drift', '-0.03']);
    expect(find('fairness · region')).toEqual(['fairness · region', '0.2']);

    // Labels per window, newest first: the middle day was evaluated before its labels arrived.
    const labels = vic.getByRole('region', { name: 'Labels per window', exact: true });
    const windows = (await labels.getByRole('row').allInnerTexts()).slice(1).map((r) => r.split('\t'));
    // Labelled of records: every record of the first and last days, none of the middle day when evaluated.
    expect(windows.map((w) => w[1])).toEqual([
      '1,200 labelled of 1,200',
      '0 labelled of 1,200',
      '1,200 labelled of 1,200',
    ]);
    expect(
      windows.map((w) => w.slice(2).map((c) => c.replace(/\s+(ok|alert|warning|insufficient data)$/, ''))),
    ).toEqual([
      ['-5', '-10', '0'],
      ['waiting for labels', 'waiting for labels', 'waiting for labels'],
      // The first day: us found 270 of 300, so accuracy 1170/1200 = 0.975 and recall 570/600 = 0.95.
      ['-7.5', '-10', '-5'],
    ]);
    await vic.getByText('1 of the last 3 windows were still waiting for labels.').waitFor();

    // Fairness per group: each region's recall against the validated 0.9.
    const groups = vic.getByRole('region', { name: 'Groups of region', exact: true });
    expect(
      (await groups.getByRole('row').allInnerTexts()).slice(1).map((r) => r.split('\t').slice(0, 2)),
    ).toEqual([
      ['eu', '-10'],
      ['us', '10'],
    ]);
    expect(
      await vic
        .getByRole('img', {
          name: /^Recall decay per region group: 3 points over time for region=eu, region=us$/,
        })
        .count(),
    ).toBe(1);

    // Alerts of the last seven days, as the alerts API counts them.
    const alerts = (await server.api('GET', '/api/v1/alerts?model=loan-approval&limit=200')).body.items as {
      severity: string;
    }[];
    expect(alerts.length).toBeGreaterThan(0);
    const count = (s: string) => alerts.filter((a) => a.severity === s).length;
    await vic
      .getByText(
        `Alerts opened in the last 7 days: ${count('critical')} critical, ${count('high')} high, ${count('medium')} medium, ${count('low')} low`,
      )
      .waitFor();
    await expectAccessible(vic, 'monitoring views');
    await b.shot(vic, 'monitoring-views');
  });

  it('reads at 390 pixels wide in the dark', async () => {
    const narrow = await b.signedIn(
      server.url,
      await server.tokenFor('vic', ['viewer']),
      '/monitoring?model=loan-approval&days=7',
      { width: 390, height: 800, colorScheme: 'dark' },
    );
    await narrow.getByRole('region', { name: 'Groups of region', exact: true }).waitFor();
    // Nothing but the scrollable tables is wider than the screen.
    expect(
      await narrow.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
            .documentElement.scrollWidth,
      ),
    ).toBeLessThanOrEqual(390);
    await expectAccessible(narrow, 'monitoring views dark 390');
    await b.shot(narrow, 'monitoring-views-390-dark');
  });
});

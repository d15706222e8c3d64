import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

interface Listed {
  runId: string;
  rule: string;
  feature?: string;
  segment?: string;
  value: number | null;
  threshold: number | null;
  status: string;
  window: { to: string; records: number };
  evaluatedAt: string;
}
interface Series {
  rule: string;
  feature?: string;
  segment?: string;
  threshold: number | null;
  windowTo: string[];
  value: (number | null)[];
  records: number[];
  status: string[];
  run: number[];
}

describeEachBackend('monitoring results as chart series', (backend) => {
  let server: TestServer;
  const clock = { now: new Date('2026-03-02T10:30:00.000Z') };
  const V = '/api/v1/models/series-model/versions/1.0.0';

  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock.now });
    await registerMonitoredModel(server, 'series-model', { riskTier: 2 });
    const rng = seeded(11);
    await post(
      server,
      `${V}/reference`,
      Array.from({ length: 600 }, (_, i) => ({ features: features(rng), prediction: i % 2, score: 0.5 })),
    );
    // Three daily evaluations, the amount drifting further each day.
    for (const [day, mean] of [
      [2, 100],
      [3, 115],
      [4, 140],
    ] as const) {
      clock.now = new Date(`2026-03-0${day}T10:30:00.000Z`);
      await post(
        server,
        `${V}/inferences`,
        Array.from({ length: 600 }, (_, i) => ({
          id: `d${day}-${i}`,
          timestamp: `2026-03-0${day}T09:40:00Z`,
          features: features(rng, mean),
          prediction: i % 2,
          score: 0.5,
        })),
      );
      const run = await server.api(
        'POST',
        '/api/v1/models/series-model/monitoring/run?rules=data_drift,missing_increase',
      );
      expect(run.status).toBe(200);
    }
  });
  afterAll(() => server.close());

  /** Every stored result through the list of results, the independent path. */
  async function listed(query = ''): Promise<Listed[]> {
    const res = await server.api('GET', `/api/v1/models/series-model/monitoring?limit=1000${query}`);
    expect(res.status).toBe(200);
    expect(res.body.nextPageToken).toBeUndefined();
    return res.body.items as Listed[];
  }

  it('holds every whole-population result once, grouped per rule and feature, oldest first', async () => {
    const res = await server.api('GET', '/api/v1/models/series-model/monitoring/series');
    expect(res.status).toBe(200);
    const body = res.body as {
      runs: { id: string; evaluatedAt: string }[];
      series: Series[];
      truncated: boolean;
    };
    expect(body.truncated).toBe(false);
    const whole = (await listed()).filter((r) => r.segment === undefined);
    const keys = [...new Set(whole.map((r) => `${r.rule}|${r.feature ?? ''}`))].sort();
    expect(body.series.map((s) => `${s.rule}|${s.feature ?? ''}`)).toEqual(keys);
    expect(keys).toEqual(
      expect.arrayContaining(['data_drift|amount', 'data_drift|age', 'missing_increase|age']),
    );
    for (const s of body.series) {
      const expected = whole
        .filter((r) => r.rule === s.rule && (r.feature ?? '') === (s.feature ?? ''))
        .sort((a, b) => a.evaluatedAt.localeCompare(b.evaluatedAt));
      expect(s.windowTo).toEqual(expected.map((r) => r.window.to));
      expect(s.value).toEqual(expected.map((r) => r.value));
      expect(s.records).toEqual(expected.map((r) => r.window.records));
      expect(s.status).toEqual(expected.map((r) => r.status));
      expect(s.run.map((i) => body.runs[i]!.id)).toEqual(expected.map((r) => r.runId));
      expect(s.run.map((i) => body.runs[i]!.evaluatedAt)).toEqual(expected.map((r) => r.evaluatedAt));
      expect(s.threshold).toBe(expected[expected.length - 1]!.threshold);
    }
    const amount = body.series.find((s) => s.rule === 'data_drift' && s.feature === 'amount')!;
    expect(amount.value).toHaveLength(3);
    // Each day's window holds that day's 600 records (a 24-hour window).
    expect(amount.records).toEqual([600, 600, 600]);
    // The amount drifts further each day: its PSI grows, and the last day alerts.
    expect(amount.value[0]!).toBeLessThan(amount.value[1]!);
    expect(amount.value[1]!).toBeLessThan(amount.value[2]!);
    expect(amount.status[2]).toBe('alert');
    expect(body.runs.map((r) => r.evaluatedAt)).toEqual([...body.runs.map((r) => r.evaluatedAt)].sort());
  });

  it('keeps to the time range and rule asked for, and names an unknown model', async () => {
    const res = await server.api(
      'GET',
      '/api/v1/models/series-model/monitoring/series?rule=data_drift&from=2026-03-03T00:00:00Z',
    );
    expect(res.status).toBe(200);
    const series = res.body.series as Series[];
    expect(new Set(series.map((s) => s.rule))).toEqual(new Set(['data_drift']));
    for (const s of series) expect(s.windowTo.every((t) => t >= '2026-03-03')).toBe(true);
    expect(series.find((s) => s.feature === 'amount')!.value).toHaveLength(2);
    const missing = await server.api('GET', '/api/v1/models/no-such-model/monitoring/series');
    expect(missing.status).toBe(404);
    const bad = await server.api('GET', '/api/v1/models/series-model/monitoring/series?from=yesterday');
    expect([bad.status, bad.body.error.field]).toEqual([400, 'from']);
  });
});

/**
 * How many of a window's records had a label when it was evaluated: 500 records, labels for 120
 * of them (and one for a record not received, which waits and does not count), then 80 more.
 */
describeEachBackend('labelled of total per window', (backend) => {
  let server: TestServer;
  const clock = { now: new Date('2026-03-02T10:30:00.000Z') };
  const V = '/api/v1/models/label-model/versions/1.0.0';
  const labels = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, k) => ({ id: `r${from + k}`, label: (from + k) % 2 }));

  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock.now });
    await registerMonitoredModel(server, 'label-model', { riskTier: 2 });
    const rng = seeded(12);
    await post(
      server,
      `${V}/inferences`,
      Array.from({ length: 500 }, (_, i) => ({
        id: `r${i}`,
        timestamp: '2026-03-02T09:40:00Z',
        features: features(rng),
        prediction: i % 2,
        score: 0.5,
      })),
    );
    await post(server, `${V}/labels`, [...labels(0, 120), { id: 'not-received', label: 1 }]);
    const run = () => server.api('POST', '/api/v1/models/label-model/monitoring/run?rules=accuracy_decay');
    expect((await run()).status).toBe(200);
    clock.now = new Date('2026-03-02T10:45:00.000Z');
    await post(server, `${V}/labels`, labels(120, 200));
    expect((await run()).status).toBe(200);
  });
  afterAll(() => server.close());

  it('stores and answers the labelled count of each evaluated window next to its records', async () => {
    const res = await server.api('GET', '/api/v1/models/label-model/monitoring/series?rule=accuracy_decay');
    expect(res.status).toBe(200);
    const [accuracy] = res.body.series as (Series & { labelled: (number | null)[] })[];
    expect(accuracy!.records).toEqual([500, 500]);
    expect(accuracy!.labelled).toEqual([120, 200]);
    const list = await server.api(
      'GET',
      '/api/v1/models/label-model/monitoring?rule=accuracy_decay&limit=10',
    );
    expect(
      (list.body.items as { window: { records: number; labelled: number } }[])
        .map((r) => [r.window.records, r.window.labelled])
        .sort((a, b) => a[1]! - b[1]!),
    ).toEqual([
      [500, 120],
      [500, 200],
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { loadConfig } from '../config/config.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';
const V = '/api/v1/models/fraud/versions/1.0.0';

describe('WARDEN_MAX_CLOCK_SKEW', () => {
  const skew = (value?: string) =>
    loadConfig({ dataDir: '/tmp/x' }, value === undefined ? {} : { WARDEN_MAX_CLOCK_SKEW: value })
      .maxClockSkewMs;
  it('defaults to 5 minutes and reads seconds or a duration with a unit', () => {
    expect(skew()).toBe(300_000);
    expect(skew('90')).toBe(90_000);
    expect(skew('90s')).toBe(90_000);
    expect(skew('2m')).toBe(120_000);
    expect(skew('1h')).toBe(3_600_000);
    expect(skew('250ms')).toBe(250);
  });
  it('refuses what is not a duration, naming the variable', () => {
    expect(() => skew('soon')).toThrow(/WARDEN_MAX_CLOCK_SKEW must be seconds or a duration/);
    expect(() => skew('-5m')).toThrow(/WARDEN_MAX_CLOCK_SKEW/);
  });
});

describeEachBackend('ingestion: missing values, windows and clocks', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, 'fraud');
    const rng = seeded(7);
    await post(
      server,
      `${V}/reference`,
      Array.from({ length: 200 }, () => ({ features: features(rng), prediction: 0 })),
    );
  });
  afterAll(() => server.close());

  const inference = (id: string, feats: Record<string, unknown>, timestamp = '2026-03-02T09:15:00Z') => ({
    id,
    timestamp,
    features: feats,
    prediction: 0,
  });

  it('a null feature value is a missing value: accepted even where the schema is not nullable, and counted like a left-out key', async () => {
    const rng = seeded(8);
    // `amount` is declared `number`, not nullable: 40 records send null, 20 leave the key out.
    const records = Array.from({ length: 200 }, (_, i) => {
      const f = features(rng);
      if (i < 40) f.amount = null;
      else if (i < 60) delete f.amount;
      return inference(`m${i}`, f);
    });
    const answer = await server.api('POST', `${V}/inferences`, { body: records });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ records: 200, accepted: 200 });
    const run = await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=missing_increase');
    expect(run.status).toBe(200);
    const amount = (run.body.checks as any[]).find((c) => c.feature === 'amount' && !c.segment);
    // 60 of 200 missing in the window against 0 of 200 in the reference: 30 points.
    expect(amount).toMatchObject({ count: 60, n: 200, value: 30, status: 'alert' });
    const country = (run.body.checks as any[]).find((c) => c.feature === 'country' && !c.segment);
    expect(country).toMatchObject({ count: 0, value: 0 });
  });

  it('a timestamp more than 5 minutes ahead of the server clock is refused naming the record; 4 minutes is accepted', async () => {
    const rng = seeded(9);
    const ahead = await server.api('POST', `${V}/inferences`, {
      body: [
        inference('s1', features(rng), '2026-03-02T10:34:00Z'),
        inference('s2', features(rng), '2026-03-05T10:30:00Z'),
      ],
    });
    expect(ahead.status).toBe(400);
    expect(ahead.body.error.field).toBe('records[1].timestamp');
    expect(ahead.body.error.message).toMatch(
      /line 2: .*2026-03-05T10:30:00Z is 3 days ahead of the server clock/,
    );
    const partial = await server.api('POST', `${V}/inferences?partial=true`, {
      body: [
        inference('s3', features(rng), '2026-03-02T10:34:59Z'),
        inference('s4', features(rng), '2026-03-02T10:35:01Z'),
      ],
    });
    expect(partial.status).toBe(200);
    expect(partial.body.accepted).toBe(1);
    expect(partial.body.refused).toEqual([
      expect.objectContaining({ index: 1, id: 's4', field: 'timestamp' }),
    ]);
  });

  it('a window shorter than one bucket is refused naming windowHours', async () => {
    const put = (body: unknown) => server.api('PUT', '/api/v1/models/fraud/monitoring/config', { body });
    const short = await put({ bucketMinutes: 60, windowHours: 0.5 });
    expect(short.status).toBe(400);
    expect(short.body.error.field).toBe('windowHours');
    expect(short.body.error.message).toMatch(/at least one bucket/);
    // The default bucket (60 minutes) counts when only the window is given.
    expect((await put({ windowHours: 0.25 })).status).toBe(400);
    expect((await put({ bucketMinutes: 1440, windowHours: 12 })).status).toBe(400);
    const ok = await put({ bucketMinutes: 30, windowHours: 0.5 });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });
});

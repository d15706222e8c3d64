import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import type { MonitorCheck } from './monitoring.types.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';

/** Textbook Mann-Kendall in Python, checked against scipy (test/fixtures/gen-sla-trend.py). */
const trendFixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/sla-trend.json', import.meta.url), 'utf8'),
) as { mannKendall: Array<{ name: string; x: number[]; s: number; pValue: number; slope: number }> };
const mk = (name: string) => trendFixture.mannKendall.find((m) => m.name === name)!;
const V = '/api/v1/models/gen/versions/1.0.0';

function find(checks: MonitorCheck[], rule: string, version = '1.0.0'): MonitorCheck {
  const found = checks.find((c) => c.rule === rule && c.segment === undefined && c.version === version);
  if (!found) throw new Error(`no check ${rule} for ${version}`);
  return found;
}

describeEachBackend('operational SLA monitors', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, 'gen', { riskTier: 1 });
    await makeChampion('gen');
  });

  /** 1.0.0 serves production, as the lifecycle leaves it after promotion. */
  async function makeChampion(model: string) {
    const version = await server.ctx.db
      .selectFrom('model_versions')
      .innerJoin('models', 'models.id', 'model_versions.model_id')
      .select(['models.id as model', 'model_versions.id as version'])
      .where('models.name', '=', model)
      .executeTakeFirstOrThrow();
    await server.ctx.db
      .updateTable('models')
      .set({ champion_version_id: version.version })
      .where('id', '=', version.model)
      .execute();
  }
  afterEach(async () => {
    await server.close();
  });

  /**
   * 2,820 records between 2026-03-01T11:00 and 10:20 the next day: every 10th at 300 ms (the rest
   * 10 ms), 12 errors, a cost of 0.004 on every third record and 0.001 on the others, 100 tokens
   * in and 50 out each.
   */
  function records(count = 2820) {
    const rng = seeded(5);
    const start = Date.parse('2026-03-01T11:00:00Z');
    const step = (Date.parse('2026-03-02T10:20:00Z') - start) / count;
    return Array.from({ length: count }, (_, i) => ({
      id: `r${i}`,
      timestamp: new Date(start + Math.floor(i * step)).toISOString(),
      features: features(rng),
      prediction: i % 2,
      latencyMs: i % 50 === 0 ? 300 : 10,
      error: i < 12,
      cost: i % 3 === 0 ? 0.004 : 0.001,
      tokensIn: 100,
      tokensOut: 50,
    }));
  }

  it('judges latency p99, errors, throughput, cost per 1,000 and tokens against the SLA and alerts', async () => {
    // One record the day before: the model was already serving when the window began.
    await post(server, `${V}/inferences`, [
      { id: 'old', timestamp: '2026-02-28T12:00:00Z', features: features(seeded(1)), prediction: 0 },
    ]);
    await post(server, `${V}/inferences`, records());
    const config = await server.api('PUT', '/api/v1/models/gen/monitoring/config', {
      body: { thresholds: { costPer1kPredictions: 1.5, tokensPerWindow: 400_000 } },
    });
    expect(config.status).toBe(200);
    const res = await server.api('POST', '/api/v1/models/gen/monitoring/run');
    expect(res.status).toBe(200);
    const checks = res.body.checks as MonitorCheck[];

    // 2 % of the records at 300 ms: p95 10 ms is within 50 ms, p99 300 ms past 100 ms.
    expect(find(checks, 'latency_p95')).toMatchObject({ status: 'ok', threshold: 50 });
    const p99 = find(checks, 'latency_p99');
    expect(p99).toMatchObject({ status: 'alert', threshold: 100, policyRule: 'sla.latencyP99Ms' });
    expect(p99.value!).toBeGreaterThan(297);
    expect(p99.value!).toBeLessThan(303);

    // 12 errors of 2,820 = 0.4255 %; scipy binomtest(12, 2820, 0.001, 'greater') p = 3.94e-05 ≤ 0.01.
    const errors = find(checks, 'error_rate');
    expect(errors).toMatchObject({ status: 'alert', threshold: 0.1, n: 2820, count: 12 });
    expect(errors.value).toBeCloseTo((12 / 2820) * 100, 9);
    expect(errors.detail).toContain('binomial p-value 3.94e-5 against 0.1 %');

    // The window's first whole bucket is 11:00: 2,820 records over 23.5 h = 1,410 minutes = 2 per
    // minute, far below the tier 1 floor of 10,000.
    const throughput = find(checks, 'throughput');
    expect(throughput).toMatchObject({
      value: 2,
      threshold: 10_000,
      status: 'alert',
      policyRule: 'sla.throughputPerMinute',
      n: 2820,
    });
    expect(throughput.detail).toContain('since 2026-03-01T11:00:00.000Z');

    // Cost: 940 records at 0.004 and 1,880 at 0.001 → (3.76 + 1.88) / 2,820 · 1,000 = 2 > 1.5.
    const cost = find(checks, 'cost_per_1k');
    expect(cost.value).toBeCloseTo(2, 9);
    expect(cost).toMatchObject({ status: 'alert', threshold: 1.5, n: 2820 });
    // Tokens: 2,820 · 150 = 423,000 > 400,000.
    expect(find(checks, 'token_usage')).toMatchObject({ value: 423_000, status: 'alert', n: 2820 });

    // One performance alert groups every SLA breach of the run.
    const alerts = await server.api('GET', '/api/v1/alerts?model=gen&limit=100');
    const performance = (alerts.body.items as any[]).filter((a) => a.kind === 'performance');
    expect(performance).toHaveLength(1);
    const rules = performance[0].details.rules as string[];
    expect(rules).toEqual(
      expect.arrayContaining(['cost_per_1k', 'error_rate', 'latency_p99', 'throughput', 'token_usage']),
    );
    expect(rules).not.toContain('latency_p95');
    expect(performance[0].severity).toBe('critical');
    const opened = (performance[0].details.checks as any[]).find((c) => c.rule === 'throughput');
    expect(opened).toMatchObject({ status: 'alert', value: 2, threshold: 10_000 });
  });

  it('counts a new model’s throughput from its first record, and a floor it meets stays quiet', async () => {
    // A tier 3 model (no throughput floor in the policy), so setting one tightens and applies at once.
    await registerMonitoredModel(server, 'small', { riskTier: 3 });
    await makeChampion('small');
    const rng = seeded(9);
    // 600 records from 10:00 to 10:19:58: 600 over the 30 minutes to 10:30 = 20 per minute.
    await post(
      server,
      '/api/v1/models/small/versions/1.0.0/inferences',
      Array.from({ length: 600 }, (_, i) => ({
        id: `n${i}`,
        timestamp: new Date(Date.parse('2026-03-02T10:00:00Z') + i * 2000).toISOString(),
        features: features(rng),
        prediction: 0,
      })),
    );
    const set = await server.api('PUT', '/api/v1/models/small/monitoring/config', {
      body: { thresholds: { throughputPerMinute: 15 } },
    });
    expect(set.status).toBe(200);
    const res = await server.api('POST', '/api/v1/models/small/monitoring/run?rules=throughput,token_usage');
    const checks = res.body.checks as MonitorCheck[];
    expect(find(checks, 'throughput')).toMatchObject({
      value: 20,
      threshold: 15,
      status: 'ok', // 20 ≥ 15 / 0.8 = 18.75
      policyRule: 'config.thresholds.throughputPerMinute',
    });
    expect(find(checks, 'throughput').detail).toContain('since 2026-03-02T10:00:00.000Z');
    // No record reported tokens and there is no budget: no token check.
    expect(checks.filter((c) => c.rule === 'token_usage')).toEqual([]);
    // Lowering a tier 1 floor is a loosening: it waits for approval and the policy's floor holds.
    const lower = await server.api('PUT', '/api/v1/models/gen/monitoring/config', {
      body: { thresholds: { throughputPerMinute: 15 } },
    });
    expect(lower.status).toBe(202);
  });

  it('a champion that stopped sending records alerts on throughput 0; other versions get no throughput check', async () => {
    await post(server, `${V}/inferences`, [
      { id: 'old', timestamp: '2026-02-27T12:00:00Z', features: features(seeded(1)), prediction: 0 },
    ]);
    const v2 = await server.api('POST', '/api/v1/models/gen/versions', {
      body: {
        version: '1.1.0',
        framework: 'sklearn',
        lineage: { datasets: [{ name: 'train', uri: 's3://data/train.parquet', sha256: 'a'.repeat(64) }] },
        metrics: { accuracy: 0.9 },
        inputSchema: [{ name: 'amount', type: 'number', min: 0 }],
      },
    });
    expect(v2.status).toBe(201);
    await post(server, '/api/v1/models/gen/versions/1.1.0/inferences', [
      { id: 'c1', timestamp: '2026-03-02T09:00:00Z', features: { amount: 1 }, prediction: 0 },
    ]);
    const res = await server.api('POST', '/api/v1/models/gen/monitoring/run?rules=throughput');
    const checks = res.body.checks as MonitorCheck[];
    // Only 1.1.0 has records in the window; the champion is evaluated for the model's traffic,
    // which counts every version: 1 record over 1,410 minutes.
    expect(checks.filter((c) => c.rule === 'throughput').map((c) => c.version)).toEqual(['1.0.0']);
    expect(find(checks, 'throughput').status).toBe('alert');
    expect(find(checks, 'throughput').n).toBe(1);
  });

  it('alerts on a rising safety-signal trend over the last 12 hourly buckets, not on a flat one', async () => {
    const toxicity = mk('api toxicity');
    const refusal = mk('api refusal');
    const rng = seeded(17);
    const batch = [];
    for (let b = 0; b < 12; b++) {
      const hour = Date.parse('2026-03-01T23:00:00Z') + b * 3_600_000;
      for (let i = 0; i < 100; i++)
        batch.push({
          id: `b${b}-${i}`,
          timestamp: new Date(hour + i * 1000).toISOString(),
          features: features(rng),
          prediction: 0,
          signals: { toxicity: i < toxicity.x[b]!, refusal: i < refusal.x[b]! },
        });
    }
    await post(server, `${V}/inferences`, batch);
    const res = await server.api('POST', '/api/v1/models/gen/monitoring/run?rules=signal_trend');
    expect(res.status).toBe(200);
    const checks = res.body.checks as MonitorCheck[];
    const rising = find(checks, 'signal_trend:toxicity');
    expect(rising).toMatchObject({ status: 'alert', n: 12, observed: 8, baseline: 1 });
    expect(rising.value).toBeCloseTo(toxicity.slope, 12);
    expect(rising.detail).toContain(`S = ${toxicity.s}`);
    expect(rising.detail).toContain('two-sided p = 2.41e-5');
    expect(find(checks, 'signal_trend:refusal').status).toBe('ok');
    // Asking for one signal's trend by name returns that one only.
    const one = await server.api('POST', '/api/v1/models/gen/monitoring/run?rules=signal_trend:refusal');
    expect((one.body.checks as MonitorCheck[]).map((c) => c.rule)).toEqual(['signal_trend:refusal']);
    const alerts = await server.api('GET', '/api/v1/alerts?model=gen');
    expect((alerts.body.items as Array<{ rule: string }>).map((a) => a.rule)).toEqual([
      'signal_trend:toxicity',
    ]);
  });

  it('refuses a negative cost or a fractional token count naming the line and field, storing nothing', async () => {
    const bad = await server.api('POST', `${V}/inferences`, {
      body: [
        { id: 'a', features: features(seeded(2)), prediction: 0, cost: 0.1 },
        { id: 'b', features: features(seeded(3)), prediction: 0, cost: -0.5 },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_input', field: 'records[1].cost' });
    expect(bad.body.error.message).toBe('line 2: records[1].cost: must be >= 0');
    const tokens = await server.api('POST', `${V}/inferences`, {
      body: [{ id: 'a', features: features(seeded(2)), prediction: 0, tokensOut: 1.5 }],
    });
    expect(tokens.status).toBe(400);
    expect(tokens.body.error.field).toBe('records[0].tokensOut');
    expect(tokens.body.error.message).toContain('expected a whole number >= 0, got 1.5');
    const stored = await server.ctx.db
      .selectFrom('inference_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(0);
  });
});

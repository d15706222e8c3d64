import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import type { MonitorCheck } from './monitoring.types.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';
const V = '/api/v1/models/price/versions/1.0.0';
const N = 1500;

/** Labelled regression data: y ~ N(50, 10), ŷ = y + N(0, noise). */
function regressionData(seed: number, noise: number): { y: number[]; yhat: number[] } {
  const rng = seeded(seed);
  const y: number[] = [];
  const yhat: number[] = [];
  for (let i = 0; i < N; i++) {
    const label = rng.normal(50, 10);
    y.push(label);
    yhat.push(label + rng.normal(0, noise));
  }
  return { y, yhat };
}

/** MAE, RMSE, MAPE (fraction) and R², written out here independently of Warden's code. */
function metricsOf(y: number[], yhat: number[]): { mae: number; rmse: number; mape: number; r2: number } {
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  let abs = 0;
  let sq = 0;
  let pct = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i]! - yhat[i]!;
    abs += Math.abs(e);
    sq += e * e;
    pct += Math.abs(e) / Math.abs(y[i]!);
    tot += (y[i]! - mean) ** 2;
  }
  return { mae: abs / n, rmse: Math.sqrt(sq / n), mape: pct / n, r2: 1 - sq / tot };
}

function find(checks: MonitorCheck[], rule: string): MonitorCheck {
  const found = checks.find((c) => c.rule === rule && c.segment === undefined && c.feature === undefined);
  if (!found) throw new Error(`no check ${rule}`);
  return found;
}

describeEachBackend('monitoring a regression model', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
  });
  afterEach(async () => {
    await server.close();
  });

  /** The reference baseline (same distribution, noise 2), the window's inferences, then their labels. */
  async function send(window: { y: number[]; yhat: number[] }) {
    const rng = seeded(7);
    const ref = regressionData(3, 2);
    await post(
      server,
      `${V}/reference`,
      ref.y.map((label, i) => ({ features: features(rng), prediction: ref.yhat[i], label })),
    );
    await post(
      server,
      `${V}/inferences`,
      window.yhat.map((prediction, i) => ({
        id: `p${i}`,
        timestamp: '2026-03-02T09:40:00Z',
        features: features(rng),
        prediction,
      })),
    );
    await post(
      server,
      `${V}/labels`,
      window.y.map((label, i) => ({ id: `p${i}`, label })),
    );
  }

  it('raises the degradation alerts when the errors grow past the tier threshold', async () => {
    const window = regressionData(11, 3);
    const observed = metricsOf(window.y, window.yhat);
    // Validated on data where RMSE and MAE were 1.5 times smaller and R² higher by 0.05.
    const validated = {
      rmse: observed.rmse / 1.5,
      mae: observed.mae / 1.5,
      mape: observed.mape / 1.5,
      r2: observed.r2 + 0.05,
    };
    await registerMonitoredModel(server, 'price', { riskTier: 1, metrics: validated });
    const config = await server.api('PUT', '/api/v1/models/price/monitoring/config', {
      body: { task: 'regression' },
    });
    expect(config.status).toBe(200);
    expect(config.body.task).toBe('regression');
    expect(config.body.effective.thresholds.rmseIncreasePct).toBe(5);
    await send(window);

    const run = await server.api('POST', '/api/v1/models/price/monitoring/run');
    expect(run.status).toBe(200);
    const checks = run.body.checks as MonitorCheck[];
    const rmse = find(checks, 'rmse_increase');
    expect(rmse.status).toBe('alert');
    expect(rmse.observed).toBeCloseTo(observed.rmse, 9);
    expect(rmse.baseline).toBeCloseTo(validated.rmse, 12);
    expect(rmse.value).toBeCloseTo(50, 7);
    expect(rmse.threshold).toBe(5);
    expect(rmse.policyRule).toBe('regressionTriggers.rmseIncreasePct');
    expect(rmse.n).toBe(N);
    const mae = find(checks, 'mae_increase');
    expect([mae.status, mae.observed]).toEqual(['alert', expect.closeTo(observed.mae, 9)]);
    const mape = find(checks, 'mape_increase');
    expect([mape.status, mape.observed]).toEqual(['alert', expect.closeTo(observed.mape, 12)]);
    const r2 = find(checks, 'r2_decay');
    expect(r2.observed).toBeCloseTo(observed.r2, 9);
    expect(r2.value).toBeCloseTo(0.05, 9);
    expect(r2.status).toBe('alert'); // 0.05 > 0.02 on tier 1
    // No class rules for a regression model; its predictions are judged as numbers.
    expect(checks.some((c) => c.rule === 'accuracy_decay' || c.rule === 'brier_drift')).toBe(false);
    const prediction = find(checks, 'prediction_drift');
    expect(prediction.detail).toMatch(/^predictions: psi over 10 reference-quantile bins/);
    expect(find(checks, 'label_drift').status).toBe('ok'); // labels come from the reference's distribution

    // One performance alert lists the four degraded metrics.
    const alerts = (await server.api('GET', '/api/v1/alerts?model=price')).body.items as any[];
    const performance = alerts.filter((a) => a.kind === 'performance');
    expect(performance).toHaveLength(1);
    expect(performance[0]).toMatchObject({ status: 'open', version: '1.0.0' });
    const rmseAlert = (performance[0].details.checks as any[]).find(
      (c) => c.rule === 'rmse_increase' && c.segment === undefined,
    );
    expect(rmseAlert).toMatchObject({ status: 'alert', threshold: 5, version: '1.0.0' });
    expect(rmseAlert.value).toBeCloseTo(50, 7);
    expect(performance[0].details.rules).toEqual(
      ['mae_increase', 'mape_increase', 'r2_decay', 'rmse_increase'].sort(),
    );
    // The stored time series keeps the window metric and its baseline.
    const stored = await server.api('GET', '/api/v1/models/price/monitoring?rule=rmse_increase&segment=');
    expect(stored.body.items[0].observed).toBeCloseTo(observed.rmse, 9);
    expect(stored.body.items[0].baseline).toBeCloseTo(validated.rmse, 12);
  });

  it('raises nothing while the errors stay within the threshold (task inferred from the recorded metrics)', async () => {
    const window = regressionData(11, 2);
    const observed = metricsOf(window.y, window.yhat);
    // 2 % worse RMSE, 1 % worse MAE and MAPE, R² lower by 0.005: under tier 1's warning band (4 %, 0.016).
    await registerMonitoredModel(server, 'price', {
      riskTier: 1,
      metrics: {
        rmse: observed.rmse / 1.02,
        mae: observed.mae / 1.01,
        mape: observed.mape / 1.01,
        r2: observed.r2 + 0.005,
      },
    });
    await send(window);
    const run = await server.api('POST', '/api/v1/models/price/monitoring/run');
    const checks = run.body.checks as MonitorCheck[];
    const rmse = find(checks, 'rmse_increase');
    expect(rmse.value).toBeCloseTo(2, 7);
    expect(rmse.observed).toBeCloseTo(observed.rmse, 9);
    for (const rule of ['rmse_increase', 'mae_increase', 'mape_increase', 'r2_decay'])
      expect([rule, find(checks, rule).status]).toEqual([rule, 'ok']);
    const alerts = (await server.api('GET', '/api/v1/alerts?model=price')).body.items as any[];
    expect(alerts.filter((a) => a.details.rules.some((r: string) => /rmse|mae|mape|r2/.test(r)))).toEqual([]);
  });

  it('refuses a non-numeric prediction or label of a regression model, naming the record and field, storing nothing', async () => {
    await registerMonitoredModel(server, 'price', { riskTier: 1, metrics: { rmse: 2 } });
    const rng = seeded(5);
    const records = [0, 1, 2].map((i) => ({
      id: `q${i}`,
      timestamp: '2026-03-02T09:40:00Z',
      features: features(rng),
      prediction: i === 1 ? 'high' : 40 + i,
    }));
    const refused = await server.api('POST', `${V}/inferences`, { body: records });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe('records[1].prediction');
    expect(refused.body.error.message).toBe(
      'line 2: records[1].prediction: expected a finite number (the model is monitored as a regression model), got "high"',
    );
    // Nothing of the batch was stored: the corrected batch is accepted whole, no duplicates.
    records[1]!.prediction = 41;
    const accepted = await post(server, `${V}/inferences`, records);
    expect([accepted.accepted, accepted.duplicates]).toEqual([3, 0]);

    const labels = await server.api('POST', `${V}/labels`, {
      body: [
        { id: 'q0', label: 40 },
        { id: 'q1', label: true },
      ],
    });
    expect(labels.status).toBe(400);
    expect(labels.body.error.field).toBe('records[1].label');
    const retried = await post(server, `${V}/labels`, [{ id: 'q0', label: 40 }]);
    expect([retried.accepted, retried.joined, retried.duplicates]).toEqual([1, 1, 0]);

    const reference = await server.api('POST', `${V}/reference`, {
      body: [{ features: features(rng), prediction: 40, label: 'n/a' }],
    });
    expect(reference.status).toBe(400);
    expect(reference.body.error.field).toBe('records[0].label');
  });
});

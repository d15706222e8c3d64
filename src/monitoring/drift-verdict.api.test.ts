import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import type { MonitorCheck } from './monitoring.types.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';
const V = '/api/v1/models/triage/versions/1.0.0';

/**
 * Drift verdicts at the sample sizes of a clinical or B2B model (100–1,000 records per side),
 * through ingestion and the monitoring API: tier 2, data-drift PSI threshold 0.10, α 0.01.
 */
describeEachBackend('drift verdicts at modest sample sizes', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, 'triage', { riskTier: 2 });
  });
  afterEach(async () => {
    await server.close();
  });

  /** Uploads `m` reference records and sends `n` window records with `amount` shifted by `shift`. */
  async function scenario(m: number, n: number, shift: number): Promise<MonitorCheck[]> {
    const rng = seeded(31);
    const reference = Array.from({ length: m }, (_, i) => ({ features: features(rng), prediction: i % 2 }));
    await post(server, `${V}/reference`, reference);
    const records = Array.from({ length: n }, (_, i) => ({
      id: `r${i}`,
      timestamp: '2026-03-02T09:40:00Z',
      features: features(rng, 100 + shift),
      prediction: i % 2,
    }));
    await post(server, `${V}/inferences`, records);
    const res = await server.api('POST', '/api/v1/models/triage/monitoring/run?rules=data_drift');
    expect(res.status).toBe(200);
    return res.body.checks as MonitorCheck[];
  }
  const drift = (checks: MonitorCheck[], feature: string) =>
    checks.find((c) => c.rule === 'data_drift' && c.feature === feature && c.segment === undefined)!;

  it('the clinical case (300 reference, 270 current records): a clear shift alerts, stable features are ok', async () => {
    // amount moves by 0.75 sd: PSI above 0.4, four times the threshold.
    const checks = await scenario(300, 270, 7.5);
    const amount = drift(checks, 'amount');
    expect(amount.threshold).toBe(0.1);
    expect(amount.value!).toBeGreaterThan(0.4);
    expect(amount.status).toBe('alert');
    expect(amount.detail).toMatch(/alert: PSI [\d.]+ > threshold 0\.1 and significant: p-value [\d.e-]+ /);
    expect(amount.detail).toMatch(/; noise floor 0\.0[56]\d*, n 270 in the window, m 300 in the reference$/);
    for (const feature of ['age', 'country']) {
      const stable = drift(checks, feature);
      expect(stable.value!).toBeLessThan(0.1);
      expect(stable.status, `${feature}: ${stable.detail}`).toBe('ok');
    }
    expect(drift(checks, 'age').detail).toMatch(
      /ok: PSI [\d.]+ ≤ threshold 0\.1, which is detectable: power 0\.5\d* ≥ 0\.5/,
    );
  });

  it('a strong shift (PSI ≥ 4× the threshold) alerts with 100 records per side', async () => {
    const checks = await scenario(100, 100, 10); // 1 sd
    const amount = drift(checks, 'amount');
    expect(amount.value!).toBeGreaterThanOrEqual(0.4);
    expect(amount.status).toBe('alert');
  });

  it('no shift passes with 1,000 records per side', async () => {
    const checks = await scenario(1000, 1000, 0);
    expect(checks.filter((c) => c.status !== 'ok').map((c) => [c.feature, c.value, c.detail])).toEqual([]);
  });

  it('a shift right at the threshold is insufficient_data with 100 records per side', async () => {
    // 0.32 sd: a PSI of about 0.10 between the distributions themselves.
    const amount = drift(await scenario(100, 100, 3.2), 'amount');
    expect(amount.status).toBe('insufficient_data');
    expect(amount.detail).toMatch(/within sampling noise|too few records to detect/);
  });

  it('a shift right at the threshold is resolved with 1,000 records per side', async () => {
    const amount = drift(await scenario(1000, 1000, 3.2), 'amount');
    expect(['alert', 'warning', 'ok']).toContain(amount.status);
    expect(amount.value!).toBeGreaterThan(0.06);
    expect(amount.value!).toBeLessThan(0.16);
  });
});

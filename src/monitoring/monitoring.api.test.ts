import { afterEach, beforeEach, expect, it } from 'vitest';
import { approveAll } from '../../test/support/governance.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import type { MonitorCheck } from './monitoring.types.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';
const V = '/api/v1/models/fraud/versions/1.0.0';

function find(checks: MonitorCheck[], rule: string, feature?: string, segment?: string): MonitorCheck {
  const found = checks.find((c) => c.rule === rule && c.feature === feature && c.segment === segment);
  if (!found) throw new Error(`no check ${rule}/${feature ?? ''}/${segment ?? ''}`);
  return found;
}

describeEachBackend('monitoring evaluation API', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, 'fraud', { riskTier: 1 });
    const rng = seeded(11);
    const reference = Array.from({ length: 2400 }, (_, i) => ({
      features: features(rng),
      segment: { region: i % 2 === 0 ? 'eu' : 'us' },
      prediction: i % 2,
      score: i % 2 === 0 ? 0.3 : 0.7,
      label: i % 2,
    }));
    await post(server, `${V}/reference`, reference);
  });
  afterEach(async () => {
    await server.close();
  });

  /** 2400 records: `amount` shifted by +30 for region eu only (when asked), `age` and `country` stable. */
  async function sendWindow(options: { driftEu: boolean; extraField?: boolean }) {
    const rng = seeded(23);
    const records = Array.from({ length: 2400 }, (_, i) => {
      const eu = i % 2 === 0;
      const f = features(rng, options.driftEu && eu ? 130 : 100);
      if (options.extraField) f.channel = 'web';
      return {
        id: `r${i}`,
        timestamp: '2026-03-02T09:40:00Z',
        features: f,
        segment: { region: eu ? 'eu' : 'us' },
        prediction: i % 2,
        score: i % 2 === 0 ? 0.3 : 0.7,
      };
    });
    await post(server, `${V}/inferences`, records);
  }

  it('raises an alert for a drifting feature while a stable one stays ok, overall and per segment', async () => {
    await sendWindow({ driftEu: true });
    const res = await server.api('POST', '/api/v1/models/fraud/monitoring/run');
    expect(res.status).toBe(200);
    const checks = res.body.checks as MonitorCheck[];
    const amount = find(checks, 'data_drift', 'amount');
    expect(amount.status).toBe('alert');
    expect(amount.threshold).toBe(0.05); // tier 1 data-drift PSI from the seed trigger table
    expect(amount.policyRule).toBe('triggers.dataDriftPsi');
    expect(amount.window).toEqual({ from: '2026-03-01T10:30:00.000Z', to: NOW, records: 2400, labelled: 0 });
    expect(amount.version).toBe('1.0.0');
    expect(find(checks, 'data_drift', 'age').status).toBe('ok');
    expect(find(checks, 'data_drift', 'country').status).toBe('ok');
    // The shift is in region eu only: that segment alerts, region us stays quiet.
    expect(find(checks, 'data_drift', 'amount', 'region=eu').status).toBe('alert');
    expect(find(checks, 'data_drift', 'amount', 'region=us').status).toBe('ok');
    expect(find(checks, 'data_drift', 'amount', 'region=us').window.records).toBe(1200);
    // Predictions did not move; no labels yet.
    expect(find(checks, 'prediction_drift').status).toBe('ok');
    expect(find(checks, 'accuracy_decay').status).toBe('insufficient_data');
    expect(find(checks, 'schema_change').status).toBe('ok');
  });

  it('stays quiet when nothing drifts', async () => {
    await sendWindow({ driftEu: false });
    const res = await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=data_drift');
    const checks = res.body.checks as MonitorCheck[];
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => c.rule === 'data_drift')).toBe(true);
    expect(
      checks.filter((c) => c.status !== 'ok').map((c) => [c.feature, c.segment, c.value, c.status]),
    ).toEqual([]);
  });

  it('reports a field the schema does not declare as a schema change, not a rejection', async () => {
    await sendWindow({ driftEu: false, extraField: true });
    const res = await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=schema_change');
    const change = find(res.body.checks as MonitorCheck[], 'schema_change');
    expect(change.status).toBe('alert'); // tier 1: immediate
    expect(change.value).toBe(1);
    expect(change.detail).toContain('new: channel');
  });

  it('judges accuracy decay against the validated baseline once labels join', async () => {
    await sendWindow({ driftEu: false });
    // Labels: 80 % agree with the prediction (validated accuracy 90 %, decay 10 points > 0.5).
    const labels = Array.from({ length: 2400 }, (_, i) => ({
      id: `r${i}`,
      label: i % 10 < 8 ? i % 2 : 1 - (i % 2),
    }));
    await post(server, `${V}/labels`, labels);
    const res = await server.api(
      'POST',
      '/api/v1/models/fraud/monitoring/run?rules=accuracy_decay,label_drift',
    );
    const accuracy = find(res.body.checks as MonitorCheck[], 'accuracy_decay');
    expect(accuracy.status).toBe('alert');
    expect(accuracy.value).toBeCloseTo(10, 6);
    expect(accuracy.policyRule).toBe('triggers.accuracyDecayPct');
  });

  it('stores results as a time series, filterable and paged', async () => {
    await sendWindow({ driftEu: true });
    await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=data_drift');
    const all = await server.api('GET', '/api/v1/models/fraud/monitoring?rule=data_drift&feature=amount');
    expect(all.status).toBe(200);
    expect(all.body.items.map((i: MonitorCheck) => i.segment ?? '')).toEqual(
      expect.arrayContaining(['', 'region=eu', 'region=us']),
    );
    const overall = await server.api(
      'GET',
      '/api/v1/models/fraud/monitoring?rule=data_drift&feature=amount&segment=',
    );
    expect(overall.body.items).toHaveLength(1);
    expect(overall.body.items[0]).toMatchObject({
      status: 'alert',
      policyRule: 'triggers.dataDriftPsi',
      version: '1.0.0',
    });
    const page = await server.api('GET', '/api/v1/models/fraud/monitoring?limit=2');
    expect(page.body.items).toHaveLength(2);
    const next = await server.api(
      'GET',
      `/api/v1/models/fraud/monitoring?limit=2&pageToken=${page.body.nextPageToken}`,
    );
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
    const later = await server.api('GET', '/api/v1/models/fraud/monitoring?from=2026-03-03T00:00:00Z');
    expect(later.body.items).toEqual([]);
  });

  it('takes per-model threshold overrides and says where each threshold came from', async () => {
    const body = {
      thresholds: { dataDriftPsi: 5 },
      sensitiveAttributes: ['region'],
      pipelineWebhookUrl: 'https://ci.example/hook',
    };
    // Raising a threshold loosens a control: it waits for the governance change approvals.
    const asked = await server.api('PUT', '/api/v1/models/fraud/monitoring/config', { body });
    expect(asked.status).toBe(202);
    expect((await approveAll(server, asked.body)).body.status).toBe('executed');
    const put = await server.api('GET', '/api/v1/models/fraud/monitoring/config');
    expect(put.status).toBe(200);
    expect(put.body.effective.thresholds.dataDriftPsi).toBe(5);
    expect(put.body.effective.thresholdSources.dataDriftPsi).toBe('config.thresholds.dataDriftPsi');
    expect(put.body.effective.cadenceMinutes).toEqual({
      performance: 15,
      dataDrift: 60,
      conceptDrift: 1440,
      fairness: 10080,
    });
    await sendWindow({ driftEu: true });
    const res = await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=data_drift');
    const amount = find(res.body.checks as MonitorCheck[], 'data_drift', 'amount');
    expect(amount.status).toBe('ok');
    expect(amount.policyRule).toBe('config.thresholds.dataDriftPsi');
    const bad = await server.api('PUT', '/api/v1/models/fraud/monitoring/config', {
      body: { thresholds: { dataDriftPsi: -1 } },
    });
    expect(bad.status).toBe(400);
    const unknown = await server.api('PUT', '/api/v1/models/fraud/monitoring/config', {
      body: { windowz: 1 },
    });
    expect(unknown.status).toBe(400);
  });

  it('evaluates the last windowHours of buckets, or with windowRecords the recent buckets holding that many', async () => {
    const rng = seeded(31);
    const at = (i: number, ts: string) => ({
      id: `w${i}`,
      timestamp: ts,
      features: features(rng),
      prediction: 0,
    });
    await post(server, `${V}/inferences`, [
      ...Array.from({ length: 200 }, (_, i) => at(i, '2026-03-01T05:20:00Z')), // 29 hours before NOW
      ...Array.from({ length: 300 }, (_, i) => at(200 + i, '2026-03-02T09:40:00Z')),
    ]);
    const buckets = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select(['window_start', 'records'])
      .where('segment', '=', '')
      .orderBy('window_start')
      .execute();
    expect(buckets.map((b) => [b.window_start, Number(b.records)])).toEqual([
      ['2026-03-01T05:00:00.000Z', 200],
      ['2026-03-02T09:00:00.000Z', 300],
    ]);
    const day = await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=error_rate');
    expect(find(day.body.checks as MonitorCheck[], 'error_rate').window.records).toBe(300);
    await server.api('PUT', '/api/v1/models/fraud/monitoring/config', {
      body: { windowRecords: 450, bucketMinutes: 15 },
    });
    const counted = await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=error_rate');
    const check = find(counted.body.checks as MonitorCheck[], 'error_rate');
    expect(check.window).toEqual({
      from: '2026-03-01T05:00:00.000Z',
      to: NOW,
      records: 500,
      labelled: 0, // none of these records has a label
    });
    // New records now go into 15-minute buckets.
    await post(server, `${V}/inferences`, [at(999, '2026-03-02T10:20:00Z')]);
    const latest = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select('window_start')
      .where('segment', '=', '')
      .orderBy('window_start', 'desc')
      .executeTakeFirstOrThrow();
    expect(latest.window_start).toBe('2026-03-02T10:15:00.000Z');
  });

  it('refuses unknown rules and unknown models', async () => {
    expect((await server.api('POST', '/api/v1/models/fraud/monitoring/run?rules=nope')).status).toBe(400);
    expect((await server.api('POST', '/api/v1/models/ghost/monitoring/run')).status).toBe(404);
  });
});

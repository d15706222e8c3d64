import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { parseExposition } from '../metrics/exposition.test-helper.js';
import { features, post, registerMonitoredModel, seeded } from '../monitoring/monitoring.test-helper.js';
import { retrainingScheduleTask } from '../retraining/retraining-schedule.task.js';
import { webhookDeliveryTask } from '../webhooks/index.js';
import { testClock } from './alerting.test-helper.js';

/** A local HTTP receiver that keeps every POST body. */
async function startReceiver(): Promise<{ url: string; bodies: any[]; close(): Promise<void> }> {
  const bodies: any[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/retrain`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeEachBackend('alerting end to end, through monitoring', (backend) => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const clock = testClock('2026-03-02T10:30:00.000Z');

  beforeAll(async () => {
    server = await startTestServer(backend, { now: clock.now });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  describe('a drifting feature', () => {
    it('raises an alert and a retraining request delivered to the pipeline webhook; a stable feature stays quiet', async () => {
      clock.set('2026-03-02T10:30:00.000Z');
      await registerMonitoredModel(server, 'e2e-drift', { riskTier: 1 });
      const config = await server.api('PUT', '/api/v1/models/e2e-drift/monitoring/config', {
        body: { pipelineWebhookUrl: receiver.url },
      });
      expect(config.status).toBe(200);
      const rng = seeded(5);
      const V = '/api/v1/models/e2e-drift/versions/1.0.0';
      await post(
        server,
        `${V}/reference`,
        Array.from({ length: 2000 }, (_, i) => ({ features: features(rng), prediction: i % 2, score: 0.5 })),
      );
      await post(
        server,
        `${V}/inferences`,
        Array.from({ length: 2000 }, (_, i) => ({
          id: `d${i}`,
          timestamp: '2026-03-02T09:40:00Z',
          features: features(rng, 130),
          prediction: i % 2,
          score: 0.5,
        })),
      );
      const run = await server.api('POST', '/api/v1/models/e2e-drift/monitoring/run?rules=data_drift');
      expect(run.status).toBe(200);
      const amount = (run.body.checks as any[]).find(
        (c) => c.rule === 'data_drift' && c.feature === 'amount' && !c.segment,
      );
      expect(amount.status).toBe('alert');

      const alerts = (await server.api('GET', '/api/v1/alerts?model=e2e-drift')).body.items as any[];
      expect(alerts.map((a) => [a.rule, a.feature, a.severity])).toEqual([
        ['data_drift', 'amount', 'critical'],
      ]);
      expect(alerts[0].value).toBe(amount.value);

      const requests = (await server.api('GET', '/api/v1/retraining-requests?model=e2e-drift')).body
        .items as any[];
      expect(requests).toHaveLength(1);
      expect(requests[0].reasons.map((r: any) => [r.rule, r.feature])).toEqual([['data_drift', 'amount']]);
      expect(requests[0].status).toBe('requested');

      await webhookDeliveryTask.runOnce(server.ctx);
      const delivered = receiver.bodies.filter((b) => b.type === 'retraining.requested');
      expect(delivered).toHaveLength(1);
      expect(delivered[0].data).toMatchObject({ id: requests[0].id, model: 'e2e-drift', tier: 1 });
      await retrainingScheduleTask.runOnce(server.ctx);
      const after = (await server.api('GET', `/api/v1/retraining-requests/${requests[0].id}`)).body;
      expect(after.status).toBe('delivered');

      // The same value reaches Prometheus.
      const scrape = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      const { samples } = parseExposition(await scrape.text());
      const gauge = samples.find(
        (s) =>
          s.name === 'warden_monitor_value' &&
          s.labels.model === 'e2e-drift' &&
          s.labels.rule === 'data_drift' &&
          s.labels.feature === 'amount' &&
          s.labels.segment === '',
      );
      expect(gauge?.value).toBe(amount.value);
      const status = samples.find(
        (s) =>
          s.name === 'warden_monitor_status' && s.labels.model === 'e2e-drift' && s.labels.feature === 'age',
      );
      expect(status?.value).toBe(0);
    });
  });

  describe('a safety-signal spike', () => {
    it('opens an incident against the baseline of the stored hourly windows, and only on the spike', async () => {
      await registerMonitoredModel(server, 'e2e-signal', { riskTier: 1 });
      expect(
        (
          await server.api('PUT', '/api/v1/models/e2e-signal/monitoring/config', {
            body: { windowHours: 1, bucketMinutes: 60 },
          })
        ).status,
      ).toBe(200);
      const rng = seeded(9);
      const V = '/api/v1/models/e2e-signal/versions/1.0.0';
      // Hours 0-4: 2 of 200 records flag a jailbreak attempt (1 %); hour 5: 30 of 200 (15 %).
      const opened: number[] = [];
      for (let hour = 0; hour < 6; hour++) {
        const flagged = hour < 5 ? 2 : 30;
        const records = Array.from({ length: 200 }, (_, i) => ({
          id: `h${hour}-${i}`,
          timestamp: `2026-04-01T${String(hour).padStart(2, '0')}:30:00Z`,
          features: features(rng),
          prediction: 0,
          ...(i < flagged ? { signals: { jailbreak_attempt: true } } : {}),
        }));
        clock.set(`2026-04-01T${String(hour).padStart(2, '0')}:45:00.000Z`);
        await post(server, `${V}/inferences`, records);
        clock.set(`2026-04-01T${String(hour + 1).padStart(2, '0')}:00:00.000Z`);
        const run = await server.api('POST', '/api/v1/models/e2e-signal/monitoring/run?rules=safety_signal');
        expect(run.status).toBe(200);
        const incidents = (await server.api('GET', '/api/v1/incidents?model=e2e-signal')).body.items as any[];
        opened.push(incidents.length);
      }
      expect(opened).toEqual([0, 0, 0, 0, 0, 1]);
      const [incident] = (await server.api('GET', '/api/v1/incidents?model=e2e-signal')).body.items as any[];
      expect(incident).toMatchObject({
        signal: 'safety_signal:jailbreak_attempt',
        window: { from: '2026-04-01T05:00:00.000Z', to: '2026-04-01T06:00:00.000Z', records: 200 },
        count: 30,
        rate: 0.15,
        baselineWindows: 5,
        baselineRecords: 1000,
        baselineRate: 0.01,
      });
      expect(incident.exampleRecordIds.length).toBeGreaterThan(0);
      expect(incident.exampleRecordIds.every((id: string) => /^h5-([0-9]|[12][0-9])$/.test(id))).toBe(true);
      // Independent check of the test statistic: pooled 40/1200.
      const pooled = 40 / 1200;
      const z = (0.15 - 0.01) / Math.sqrt(pooled * (1 - pooled) * (1 / 200 + 1 / 1000));
      expect(incident.z).toBeCloseTo(z, 9);
    });
  });
});

import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { check, process as processChecks, registerModel } from '../alerts/alerting.test-helper.js';
import { parseExposition } from './exposition.test-helper.js';

type Parsed = ReturnType<typeof parseExposition>;

const scrape = async (server: TestServer): Promise<Parsed> => {
  const response = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
};

const sampleValue = (parsed: Parsed, name: string, labels: Record<string, string>): number | undefined =>
  parsed.samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;

describeEachBackend('GET /metrics: request durations, process and build information', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  it('counts requests by route template, method and status class, never by raw path', async () => {
    const name = `durations-${backend}`;
    const route = '/api/v1/models/{name}';
    const count = (parsed: Parsed, status: string) =>
      sampleValue(parsed, 'http_request_duration_seconds_count', { method: 'GET', route, status }) ?? 0;
    const before = await scrape(server);
    expect(
      (await server.api('POST', '/api/v1/models', { body: { name, owner: 'o', riskTier: 3 } })).status,
    ).toBe(201);
    expect((await server.api('GET', `/api/v1/models/${name}`)).status).toBe(200);
    expect((await server.api('GET', `/api/v1/models/${name}`)).status).toBe(200);
    expect((await server.api('GET', `/api/v1/models/absent-${backend}`)).status).toBe(404);
    expect((await server.api('GET', `/no/such/path-${backend}-zq9`)).status).toBe(404);
    const after = await scrape(server);

    expect(after.types.get('http_request_duration_seconds')).toBe('histogram');
    expect(count(after, '2xx') - count(before, '2xx')).toBe(2);
    expect(count(after, '4xx') - count(before, '4xx')).toBe(1);
    const unmatched = (parsed: Parsed) =>
      sampleValue(parsed, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: 'unmatched',
        status: '4xx',
      }) ?? 0;
    expect(unmatched(after) - unmatched(before)).toBe(1);
    // The POST is its own series, under the collection's template.
    expect(
      sampleValue(after, 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/models',
        status: '2xx',
      }),
    ).toBeGreaterThanOrEqual(1);
    // No label value anywhere carries a path a client chose.
    for (const s of after.samples) {
      for (const v of Object.values(s.labels)) {
        expect(v).not.toContain(name);
        expect(v).not.toContain('zq9');
      }
    }

    // Buckets are cumulative and the +Inf bucket is the count.
    const buckets = after.samples
      .filter(
        (s) =>
          s.name === 'http_request_duration_seconds_bucket' &&
          s.labels.route === route &&
          s.labels.method === 'GET' &&
          s.labels.status === '2xx',
      )
      .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), value: s.value }))
      .sort((a, b) => a.le - b.le);
    expect(buckets.length).toBeGreaterThan(5);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)).toEqual({ le: Infinity, value: count(after, '2xx') });
    expect(
      sampleValue(after, 'http_request_duration_seconds_sum', { method: 'GET', route, status: '2xx' }),
    ).toBeGreaterThan(0);
  });

  it('names routes declared outside OpenAPI by their template too', async () => {
    await fetch(`${server.url}/docs/swagger-ui.css`);
    const parsed = await scrape(server);
    expect(
      parsed.samples.some(
        (s) => s.name === 'http_request_duration_seconds_count' && s.labels.route === '/docs/{file}',
      ),
    ).toBe(true);
  });

  it('exposes the process metrics and the build information', async () => {
    const parsed = await scrape(server);
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(
      sampleValue(parsed, 'warden_build_info', { version: pkg.version, node: process.versions.node }),
    ).toBe(1);
    expect(parsed.types.get('warden_build_info')).toBe('gauge');
    expect(parsed.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(sampleValue(parsed, 'process_cpu_user_seconds_total', {})).toBeGreaterThan(0);
    // The resident set of this very process, which is at least its V8 heap in use.
    expect(sampleValue(parsed, 'process_resident_memory_bytes', {})).toBeGreaterThan(
      globalThis.process.memoryUsage().heapUsed / 2,
    );
    // The domain families are still there, after the process ones.
    expect(parsed.types.get('warden_alerts_open')).toBe('gauge');
    expect(parsed.types.get('warden_ingested_records_total')).toBe('counter');
  });
});

describeEachBackend('GET /metrics: model labels are capped', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { metricsModelLabels: 2 } });
  });
  afterAll(() => server.close());

  it('labels the first models by name and sums the others under _other', async () => {
    const models = [];
    for (const name of ['cap-a', 'cap-b', 'cap-c', 'cap-d'])
      models.push(await registerModel(server, name, 3));
    // Tier 3: an alert status opens a medium alert.
    for (const m of models) await processChecks(server, m, [check('accuracy_decay', 'alert', 60)]);
    const parsed = await scrape(server);
    const open = (model: string) =>
      sampleValue(parsed, 'warden_alerts_open', { model, severity: 'medium', status: 'open' });
    expect(open('cap-a')).toBe(1);
    expect(open('cap-b')).toBe(1);
    expect(open('_other')).toBe(2);
    expect(sampleValue(parsed, 'warden_metrics_models_unlabelled', {})).toBe(2);
    const modelLabels = new Set(parsed.samples.map((s) => s.labels.model).filter((m) => m !== undefined));
    expect(modelLabels.has('cap-c')).toBe(false);
    expect(modelLabels.has('cap-d')).toBe(false);
  });
});

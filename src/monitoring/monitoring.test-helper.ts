/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies read back in tests */
import type { TestServer } from '../../test/support/server.js';

/** A small seeded generator (mulberry32) so test data is the same on every run. */
export function seeded(seed: number): { uniform(): number; normal(mean: number, sd: number): number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    normal(mean, sd) {
      const u = Math.max(uniform(), 1e-12);
      const v = uniform();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** The input schema the tests' model version declares. */
const TEST_INPUT_SCHEMA = [
  { name: 'amount', type: 'number', min: 0 },
  { name: 'age', type: 'integer', nullable: true },
  { name: 'country', type: 'category', categories: ['de', 'fr', 'it'] },
];

/** Registers a model with one version (input schema, validated metrics) through the API. */
export async function registerMonitoredModel(
  server: TestServer,
  name: string,
  options: { riskTier?: number; metrics?: Record<string, number> } = {},
): Promise<void> {
  const created = await server.api('POST', '/api/v1/models', {
    body: { name, owner: 'alice', riskTier: options.riskTier ?? 1 },
  });
  if (created.status !== 201) throw new Error(`model not created: ${JSON.stringify(created.body)}`);
  const version = await server.api('POST', `/api/v1/models/${name}/versions`, {
    body: {
      version: '1.0.0',
      framework: 'sklearn',
      lineage: { datasets: [{ name: 'train', uri: 's3://data/train.parquet', sha256: 'a'.repeat(64) }] },
      metrics: options.metrics ?? { accuracy: 0.9, precision: 0.9, recall: 0.9, brier: 0.1 },
      inputSchema: TEST_INPUT_SCHEMA,
    },
  });
  if (version.status !== 201) throw new Error(`version not created: ${JSON.stringify(version.body)}`);
}

/** A record's features: `amount` ~ N(mean, 10), `age` ~ U[20, 60), `country` from de/fr/it. */
export function features(rng: ReturnType<typeof seeded>, amountMean = 100): Record<string, unknown> {
  const countries = ['de', 'fr', 'it'];
  return {
    amount: Math.max(0, rng.normal(amountMean, 10)),
    age: 20 + Math.floor(rng.uniform() * 40),
    country: countries[Math.floor(rng.uniform() * 3)]!,
  };
}

/** Posts a batch as JSON and fails loudly unless it is accepted. */
export async function post(server: TestServer, path: string, body: unknown): Promise<any> {
  const res = await server.api('POST', path, { body });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

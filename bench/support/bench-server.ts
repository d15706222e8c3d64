/**
 * What the benchmarks that drive a server in their own process share: a PostgreSQL database of
 * their own, an admin token with calls that fail loudly, the monitored model most of them
 * register, and the seeded records they send it. Traffic goes to 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { issueToken } from '../../src/auth/token.service.js';
import type { RunningServer } from '../../src/server/server.js';

/** The PostgreSQL server the benchmarks create their databases on. */
export const ADMIN_URL =
  process.env.WARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database created for one run on the server at `adminUrl`: its name, its URL, and its removal. */
export async function benchDatabase(
  prefix: string,
  adminUrl = ADMIN_URL,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // Without FORCE: a connection still open would be killed and surface as an error elsewhere.
    drop: () => admin((client) => client.query(`drop database if exists ${name}`)).then(() => undefined),
  };
}

/** An admin's calls to a running server, each throwing with the status and body unless it succeeds. */
export interface AdminSession {
  token: string;
  /** A request with `body` sent as it is; resolves to the answer's text. */
  send: (method: string, path: string, body?: string, type?: string) => Promise<string>;
  /** A POST of `body` as JSON. */
  post: (path: string, body: unknown) => Promise<void>;
}

/** Issues an admin token on `server` (as `principal`, at `now`) and returns calls made with it. */
export async function adminSession(
  server: RunningServer,
  now: Date,
  principal = 'bench',
): Promise<AdminSession> {
  const { token } = await server.ctx.db
    .transaction()
    .execute((trx) =>
      issueToken(
        trx,
        server.ctx.audit,
        { principal, roles: ['admin'] },
        { actor: principal, requestId: null, now },
      ),
    );
  const send = async (method: string, path: string, body?: string, type = 'application/json') => {
    const r = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      ...(body === undefined ? {} : { body }),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    return text;
  };
  return {
    token,
    send,
    post: async (path, body) => void (await send('POST', path, JSON.stringify(body))),
  };
}

/** A version body for `POST …/versions` with the given input schema. */
export function versionWithSchema(inputSchema: readonly object[], version = '1.0.0'): object {
  return {
    version,
    lineage: { datasets: [{ name: 'train', uri: 's3://d/train', sha256: 'a'.repeat(64) }] },
    metrics: { accuracy: 0.9, precision: 0.9, recall: 0.9, brier: 0.1 },
    inputSchema,
  };
}

/** The monitored model's features: 15 numbers and 5 categories. */
export const NUMERIC = Array.from({ length: 15 }, (_, i) => `n${i}`);
export const CATEGORICAL = Array.from({ length: 5 }, (_, i) => `c${i}`);

/** Registers a tier-1 model `name` with version 1.0.0 over {@link NUMERIC} and {@link CATEGORICAL}. */
export async function registerMonitoredModel(
  session: AdminSession,
  name: string,
  owner = 'bench',
): Promise<void> {
  await session.post('/api/v1/models', { name, owner, riskTier: 1 });
  await session.post(
    `/api/v1/models/${name}/versions`,
    versionWithSchema([
      ...NUMERIC.map((feature) => ({ name: feature, type: 'number' })),
      ...CATEGORICAL.map((feature) => ({ name: feature, type: 'category' })),
    ]),
  );
}

/** One inference record of the monitored model. */
export interface MonitoredRecord {
  id: string;
  timestamp: string;
  features: Record<string, number | string>;
  prediction: number;
  score: number;
  segment: { region: string };
  latencyMs: number;
}

/**
 * A seeded source of the monitored model's inference records (a linear congruential generator, so
 * the same seed gives the same records on every build): the features, a score with its prediction,
 * a region segment and a latency.
 */
export function monitoredRecords(seed: number): (id: string, timestamp: string) => MonitoredRecord {
  let state = seed;
  const uniform = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return (id, timestamp) => {
    const features: Record<string, number | string> = {};
    for (const name of NUMERIC) features[name] = Math.round(uniform() * 100_000) / 100;
    for (const name of CATEGORICAL) features[name] = `v${Math.floor(uniform() * 8)}`;
    const score = uniform();
    return {
      id,
      timestamp,
      features,
      prediction: score > 0.5 ? 1 : 0,
      score,
      segment: { region: uniform() < 0.5 ? 'eu' : 'us' },
      latencyMs: 5 + uniform() * 20,
    };
  };
}

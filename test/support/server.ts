import type { Role } from '../../src/auth/roles.js';
import { issueToken } from '../../src/auth/token.service.js';
import type { Config } from '../../src/config/config.js';
import type { AppContext } from '../../src/http/context.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { createTestStore, type Backend, type TestStore } from './stores.js';

export interface TestServer {
  url: string;
  ctx: AppContext;
  store: TestStore;
  adminToken: string;
  /** Issues a token for a principal with the given roles, straight through the service. */
  tokenFor(principal: string, roles: Role[]): Promise<string>;
  /** fetch against the server with a token (or none) and JSON in and out. */
  api(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    body: any;
    headers: Headers;
  }>;
  /** Stops the server as a restart would (the store stays); `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a real HTTP server on a free port over a fresh store of the given backend. */
export async function startTestServer(
  backend: Backend,
  options: { config?: Partial<Config>; now?: () => Date; background?: boolean } = {},
): Promise<TestServer> {
  const store = await createTestStore(backend, options.config);
  const serverOptions = {
    background: options.background ?? false,
    ...(options.now ? { now: options.now } : {}),
  };
  let server: RunningServer | undefined = await startServer(store.config, serverOptions);
  const port = Number(new URL(server.url).port);
  const url = server.url;
  let ctx = server.ctx;
  const tokenFor = async (principal: string, roles: Role[]) => {
    const t = await ctx.db
      .transaction()
      .execute((trx) =>
        issueToken(trx, ctx.audit, { principal, roles }, { actor: 'test', requestId: null, now: ctx.now() }),
      );
    return t.token;
  };
  const adminToken = await tokenFor('admin', ['admin']);
  return {
    url,
    get ctx() {
      return ctx;
    },
    store,
    adminToken,
    tokenFor,
    async api(method, path, opts = {}) {
      const token = opts.token === undefined ? adminToken : opts.token;
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(url + path, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // keep text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    async start() {
      if (server) return;
      server = await startServer({ ...store.config, port }, serverOptions);
      ctx = server.ctx;
    },
    async close() {
      await server?.close();
      server = undefined;
      await store.cleanup();
    },
  };
}

/** A minimal valid version body. */
export function versionBody(version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version,
    framework: 'sklearn',
    lineage: { datasets: [{ name: 'train', uri: 's3://data/train.parquet', sha256: 'a'.repeat(64) }] },
    metrics: { auc: 0.8 },
    ...extra,
  };
}

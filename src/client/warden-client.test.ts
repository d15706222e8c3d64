import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';
import { WardenClient } from './warden-client.js';

/** A proxy in front of the server that answers 503 to the first `failures` requests. */
async function flakyProxy(
  target: string,
  failures: number,
): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (hits <= failures) {
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":{"code":"unavailable","message":"down"}}');
        return;
      }
      void fetch(target + (req.url ?? ''), {
        method: req.method ?? 'POST',
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      }).then(async (r) => {
        res
          .writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' })
          .end(await r.text());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeEachBackend('WardenClient against a real server', (backend) => {
  let server: TestServer;
  let token: string;
  beforeEach(async () => {
    server = await startTestServer(backend);
    await registerMonitoredModel(server, 'fraud');
    token = await server.tokenFor('model-server', ['mlops']);
  });
  afterEach(async () => {
    await server.close();
  });

  const stored = async () =>
    Number(
      (
        await server.ctx.db
          .selectFrom('inference_records')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  const record = (i: number) => ({
    id: `c${i}`,
    features: { amount: 10 + (i % 7), age: 30, country: 'de' },
    prediction: i % 2,
    score: 0.4,
  });

  it('buffers, sends in batches in the background and flushes on close', async () => {
    const client = new WardenClient({
      url: server.url,
      token,
      model: 'fraud',
      version: '1.0.0',
      batchSize: 500,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 1200; i++) client.log(record(i));
    await client.close();
    expect(await stored()).toBe(1200);
    expect(client.stats()).toEqual({ sent: 1200, accepted: 1200, duplicates: 0, dropped: 0, buffered: 0 });
    expect(() => client.log(record(1))).toThrow(/closed/);
  });

  it('sends on its interval without an explicit flush', async () => {
    const client = new WardenClient({
      url: server.url,
      token,
      model: 'fraud',
      version: '1.0.0',
      flushIntervalMs: 50,
    });
    client.log(record(1));
    for (let i = 0; i < 100 && (await stored()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await stored()).toBe(1);
    await client.close();
  });

  it('retries with backoff while the server answers 503, without double counting', async () => {
    const proxy = await flakyProxy(server.url, 2);
    try {
      const client = new WardenClient({
        url: proxy.url,
        token,
        model: 'fraud',
        version: '1.0.0',
        batchSize: 100,
        retryDelayMs: 5,
      });
      for (let i = 0; i < 100; i++) client.log(record(i));
      await client.close();
      expect(proxy.hits()).toBe(3);
      expect(await stored()).toBe(100);
      expect(client.stats().accepted).toBe(100);
    } finally {
      await proxy.close();
    }
  });

  it('keeps records when retries run out, and sends them on a later flush', async () => {
    const proxy = await flakyProxy(server.url, 2);
    const errors: string[] = [];
    try {
      const client = new WardenClient({
        url: proxy.url,
        token,
        model: 'fraud',
        version: '1.0.0',
        retryDelayMs: 1,
        maxAttempts: 2,
        onError: (e, ctx) => errors.push(`${ctx.dropped}:${e.message.slice(0, 20)}`),
      });
      client.log(record(1));
      await client.flush();
      expect(client.stats().buffered).toBe(1);
      expect(errors).toEqual(['false:Warden answered 503:']);
      await client.close();
      expect(await stored()).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('drops a batch the server refuses and reports it', async () => {
    const errors: { message: string; records: number; dropped: boolean }[] = [];
    const client = new WardenClient({
      url: server.url,
      token,
      model: 'fraud',
      version: '1.0.0',
      onError: (e, ctx) => errors.push({ message: e.message, ...ctx }),
    });
    client.log({ ...record(1), features: { amount: 'lots' } });
    await client.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ records: 1, dropped: true });
    expect(errors[0]!.message).toContain('400');
    expect(await stored()).toBe(0);
  });
});

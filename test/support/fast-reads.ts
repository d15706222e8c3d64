import { getRequestListener } from '@hono/node-server';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { withFastReads, type NodeListener } from '../../src/http/fast-reads.js';
import { parseExposition } from '../../src/metrics/exposition.test-helper.js';
import type { TestServer } from './server.js';

/** An answer as a client sees it, without the headers that differ between any two answers. */
export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/**
 * One store served twice: by the app alone, and with the fast reads in front of it, whose
 * hand-offs to the app are counted. `both` asks the two the same request and expects identical
 * answers.
 */
export interface SideBySide {
  /** The server with the fast reads in front of the app. */
  readonly fastUrl: string;
  /** Requests the fast reads have handed to the app so far. */
  handedOver(): number;
  /** Asks both servers (Authorization as given, none when null); returns the answer and whether the app answered it. */
  both(
    path: string,
    authorization: string | string[] | null,
  ): Promise<Answer & { json: Record<string, unknown>; byApp: boolean }>;
  /** The 2xx count of GET requests in the request-duration series of `route` (a template), on the fast server. */
  durationCount(route: string, token: string): Promise<number>;
  close(): Promise<void>;
}

const listen = async (listener: NodeListener): Promise<{ server: Server; url: string }> => {
  const server = createServer((incoming, outgoing) => void listener(incoming, outgoing));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

/** A GET sent with Node's client, which can repeat a header (fetch joins repeated values). */
export const get = (base: string, path: string, headers: Record<string, string | string[]>) =>
  new Promise<Answer>((resolve, reject) => {
    const req = request(base + path, { method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const answerHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers))
          if (name !== 'date' && name !== 'connection' && name !== 'keep-alive')
            answerHeaders[name] = String(value);
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: answerHeaders,
        });
      });
      res.on('error', reject);
    });
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.on('error', reject);
    req.end();
  });

/** Serves `server`'s store side by side, with and without the app's fast reads (see {@link SideBySide}). */
export async function serveSideBySide(server: TestServer): Promise<SideBySide> {
  const { app, routes, fastReads } = createApp(server.ctx);
  const appListener = getRequestListener(app.fetch, { hostname: '127.0.0.1' });
  let handedOver = 0;
  const plain = await listen(appListener);
  const fast = await listen(
    withFastReads({ routes, db: server.ctx.db, now: server.ctx.now }, fastReads, (incoming, outgoing) => {
      handedOver++;
      return appListener(incoming, outgoing);
    }),
  );
  return {
    fastUrl: fast.url,
    handedOver: () => handedOver,
    async both(path, authorization) {
      const headers: Record<string, string | string[]> = {
        'x-request-id': `t-${Math.random().toString(36).slice(2)}`,
      };
      if (authorization !== null) headers.authorization = authorization;
      const before = handedOver;
      const viaFast = await get(fast.url, path, headers);
      const byApp = handedOver > before;
      const viaApp = await get(plain.url, path, headers);
      expect(viaFast).toEqual(viaApp);
      return { ...viaFast, json: JSON.parse(viaFast.body) as Record<string, unknown>, byApp };
    },
    async durationCount(route, token) {
      const response = await fetch(`${fast.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      const sample = parseExposition(await response.text()).samples.find(
        (s) =>
          s.name === 'http_request_duration_seconds_count' &&
          s.labels.route === route &&
          s.labels.method === 'GET' &&
          s.labels.status === '2xx',
      );
      return sample?.value ?? 0;
    },
    close: async () => {
      await Promise.all([plain, fast].map((served) => new Promise((r) => served.server.close(r))));
    },
  };
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with its n-th request (1-based): pass it on, or answer it itself. */
export type FaultPlan = (n: number) =>
  | 'forward'
  | 'hang'
  | { status: number; headers?: Record<string, string> }
  /** Pass it on, and change the answer's body on the way back. */
  | { transform: (body: Buffer) => Buffer };

export interface FaultProxy {
  url: string;
  port: number;
  /** When the proxy started (Date.now()): `startedAt + hit.at` is a hit's arrival on the wall clock. */
  startedAt: number;
  /** Requests received so far, with the time each arrived (ms since the proxy started). */
  hits(): { n: number; at: number; answered: number | 'forward' | 'hang' }[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy on the loopback interface in front of a real server, answering some requests
 * itself (a 503, a 429 with Retry-After…, or never: 'hang') as `plan` says. `port` reuses a known port, so a
 * client can be pointed at an address before anything listens there.
 */
export async function startFaultProxy(target: string, plan: FaultPlan, port = 0): Promise<FaultProxy> {
  const started = Date.now();
  const hits: { n: number; at: number; answered: number | 'forward' | 'hang' }[] = [];
  const server = http.createServer((req, res) => {
    const n = hits.length + 1;
    const action = plan(n);
    const answered = typeof action === 'string' ? action : 'status' in action ? action.status : 'forward';
    hits.push({ n, at: Date.now() - started, answered });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // 'hang' never answers: the client's timeout has to end the request.
      if (action === 'hang') return;
      if (typeof action !== 'string' && 'status' in action) {
        res
          .writeHead(action.status, { 'content-type': 'application/json', ...(action.headers ?? {}) })
          .end(
            JSON.stringify({ error: { code: 'unavailable', message: `proxy answered ${action.status}` } }),
          );
        return;
      }
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.host;
      delete headers.connection;
      fetch(target + (req.url ?? ''), {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      })
        .then(async (r) => {
          const received = Buffer.from(await r.arrayBuffer());
          const body = typeof action === 'string' ? received : action.transform(received);
          const out: Record<string, string> = {
            'content-type': r.headers.get('content-type') ?? 'application/json',
          };
          const sha = r.headers.get('x-warden-sha256');
          if (sha) out['x-warden-sha256'] = sha;
          res.writeHead(r.status, out).end(body);
        })
        .catch((error: unknown) => res.writeHead(502).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    startedAt: started,
    hits: () => [...hits],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

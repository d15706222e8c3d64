import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { createApp } from './app.js';

/**
 * Every answer carries its request id and `nosniff`, once, whatever produced it; and the checks of
 * a route's path and query answer as they did when each part had its own validator (the expected
 * bodies below were taken from the server before the URL checks were merged into one step).
 */
describeEachBackend('headers on every answer, and URL checks', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  const expectCommonHeaders = (headers: Headers) => {
    // A header set twice would come back joined with a comma.
    expect(headers.get('x-request-id')).toMatch(/^req_[a-z0-9]+$/);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('content-type')).toBe('application/json');
  };

  it('sets the request id and nosniff on reads, writes, refusals, bad input and unknown routes', async () => {
    const created = await server.api('POST', '/api/v1/models', {
      body: { name: 'fraud', owner: 'risk-team', riskTier: 2 },
    });
    expect(created.status).toBe(201);
    expectCommonHeaders(created.headers);
    const answers = [
      [200, await server.api('GET', '/api/v1/models/fraud/route?key=user-1')],
      [200, await server.api('GET', '/api/v1/models/fraud')],
      [401, await server.api('GET', '/api/v1/models/fraud/route?key=u', { token: null })],
      [400, await server.api('GET', '/api/v1/models/fraud/route?key=')],
      [404, await server.api('GET', '/api/v1/no-such-route')],
    ] as const;
    for (const [status, answer] of answers) {
      expect(answer.status).toBe(status);
      expectCommonHeaders(answer.headers);
    }
    const ids = new Set([created, ...answers.map(([, a]) => a)].map((a) => a.headers.get('x-request-id')));
    expect(ids.size).toBe(6);
  });

  it('echoes a well-formed X-Request-Id and replaces one that is not', async () => {
    const given = await server.api('GET', '/api/v1/models/fraud/route?key=u', {
      headers: { 'x-request-id': 'gateway.trace-42_A' },
    });
    expect(given.headers.get('x-request-id')).toBe('gateway.trace-42_A');
    const refused = await server.api('GET', '/api/v1/models/fraud/route?key=u', {
      headers: { 'x-request-id': 'has spaces' },
    });
    expect(refused.headers.get('x-request-id')).toMatch(/^req_[a-z0-9]+$/);
    const tooLong = await server.api('GET', '/api/v1/models/fraud/route?key=u', {
      headers: { 'x-request-id': 'a'.repeat(129) },
    });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^req_[a-z0-9]+$/);
  });

  it('names the field of a bad query or path parameter, the query first, as before', async () => {
    const cases: [string, string, string][] = [
      [
        '/api/v1/models/fraud/route?key=',
        'query key: Too small: expected string to have >=1 characters',
        'key',
      ],
      [
        '/api/v1/models/fraud/route?key=a&key=b',
        'query key: Invalid input: expected string, received array',
        'key',
      ],
      [
        `/api/v1/models/fraud/route?key=${'x'.repeat(1025)}`,
        'query key: Too big: expected string to have <=1024 characters',
        'key',
      ],
      ['/api/v1/models/-bad/route?key=a', 'param name: must match [A-Za-z0-9][A-Za-z0-9._-]{0,127}', 'name'],
      // Both wrong: the query is checked first.
      ['/api/v1/models/-bad/route', 'query key: Invalid input: expected string, received undefined', 'key'],
      [
        '/api/v1/models/fraud/versions/notsemver',
        'param version: must be a semantic version MAJOR.MINOR.PATCH (e.g. 1.4.0)',
        'version',
      ],
      [
        '/api/v1/rollouts?status=bogus',
        'query status: Invalid option: expected one of "pending"|"progressing"|"paused"|"succeeded"|"aborted"',
        'status',
      ],
    ];
    for (const [path, message, field] of cases) {
      const res = await server.api('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toEqual({ error: { code: 'invalid_input', message, field } });
    }
  });

  it('passes a query key given once as a string and keeps the first of a route’s other keys', async () => {
    const res = await server.api('GET', '/api/v1/models/fraud/route?key=user-7&unrelated=1&unrelated=2');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ version: null, variant: 'champion' });
  });

  it('carries them through Hono on in-process answers, where there is no Node response', async () => {
    const { app } = createApp(server.ctx);
    const res = await app.request('/api/v1/no-such-route');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[a-z0-9]+$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

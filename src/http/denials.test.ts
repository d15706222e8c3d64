import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';

describeEachBackend('refused requests do not flood the audit trail', (backend) => {
  let server: TestServer;
  let clock = new Date('2026-03-02T10:00:05Z');
  beforeEach(async () => {
    clock = new Date('2026-03-02T10:00:05Z');
    server = await startTestServer(backend, { now: () => clock, config: { anonymousRequestsPerMinute: 50 } });
  });
  afterEach(() => server.close());

  const entries = async () =>
    server.ctx.db
      .selectFrom('audit_log')
      .select(['seq', 'actor', 'action', 'subject', 'change'])
      .orderBy('seq')
      .execute();

  it('finding 10: token-less POSTs write nothing per request, then one entry per address, route and minute under 1 KB', async () => {
    const before = (await entries()).length;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 120; i++) {
      const res = await server.api('POST', '/api/v1/models', {
        token: null,
        body: { name: `x${i}`, owner: 'o', riskTier: 3 },
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter ??= res.headers.get('retry-after');
    }
    // The first 50 in the minute are told 401, the rest 429 with the seconds left in the minute.
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(50).every((s) => s === 429)).toBe(true);
    expect(retryAfter).toBe('55');
    // No write per refused request.
    expect((await entries()).length).toBe(before);
    await server.api('PATCH', '/api/v1/models/x', { token: 'wdn_bogus', body: {} });
    expect(await server.ctx.denials.flush()).toBe(2);
    const denied = (await entries()).slice(before);
    expect(denied.map((e) => [e.actor, e.action, e.subject])).toEqual([
      ['anonymous', 'access.denied', 'route:POST /api/v1/models'],
      ['anonymous', 'access.denied', 'route:PATCH /api/v1/models/{name}'],
    ]);
    const change = JSON.parse(denied[0]!.change) as Record<string, unknown>;
    expect(change).toMatchObject({
      count: 120,
      codes: { unauthenticated: 50, rate_limited: 70 },
      minute: '2026-03-02T10:00',
      path: '/api/v1/models',
      address: '127.0.0.1',
    });
    for (const e of denied) expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThan(1024);
    // A new minute: a new allowance, a new bucket.
    clock = new Date('2026-03-02T10:01:00Z');
    expect((await server.api('POST', '/api/v1/models', { token: null, body: {} })).status).toBe(401);
    await server.ctx.denials.flush();
    expect(JSON.parse((await entries()).at(-1)!.change)).toMatchObject({
      count: 1,
      minute: '2026-03-02T10:01',
    });
    // Legitimate callers are not limited.
    expect(
      (await server.api('POST', '/api/v1/models', { body: { name: 'ok', owner: 'o', riskTier: 3 } })).status,
    ).toBe(201);
  });

  it('counts a principal’s refusals under its name and writes what is left at shutdown', async () => {
    const viewer = await server.tokenFor('vic', ['viewer']);
    for (let i = 0; i < 5; i++)
      expect(
        (
          await server.api('POST', '/api/v1/models', {
            token: viewer,
            body: { name: 'n', owner: 'o', riskTier: 3 },
          })
        ).status,
      ).toBe(403);
    const before = (await entries()).length;
    await server.ctx.denials.close();
    const last = (await entries()).slice(before);
    expect(last).toHaveLength(1);
    expect(last[0]!.actor).toBe('vic');
    expect(JSON.parse(last[0]!.change)).toMatchObject({ count: 5, codes: { forbidden: 5 } });
    expect(JSON.parse(last[0]!.change).address).toBeUndefined();
  });
});

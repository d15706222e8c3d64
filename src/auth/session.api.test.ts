import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClock } from '../alerts/alerting.test-helper.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';

describeEachBackend('dashboard sessions', (backend) => {
  let server: TestServer;
  const clock = testClock('2026-03-01T09:00:00.000Z');

  beforeAll(async () => {
    server = await startTestServer(backend, { now: clock.now });
  });
  afterAll(() => server.close());

  /** Signs in with a token; returns the cookie pair and the CSRF token. */
  async function signIn(token: string) {
    const res = await server.api('POST', '/api/v1/sessions', { token: null, body: { token } });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get('set-cookie')!;
    return {
      setCookie,
      cookie: setCookie.split(';')[0]!,
      csrf: res.body.csrfToken as string,
      body: res.body,
    };
  }
  const withCookie = (cookie: string, extra: Record<string, string> = {}) => ({
    token: null,
    headers: { cookie, ...extra },
  });

  it('exchanges a token for an HttpOnly SameSite=Strict cookie that authenticates API reads', async () => {
    const token = await server.tokenFor('dana', ['data-scientist']);
    const { setCookie, cookie, csrf, body } = await signIn(token);
    expect(setCookie).toMatch(/^warden_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(token);
    expect(body).toMatchObject({ principal: 'dana', roles: ['data-scientist'] });
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const me = await server.api('GET', '/api/v1/sessions/current', withCookie(cookie));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      principal: 'dana',
      csrfToken: csrf,
      expiresAt: '2026-03-01T17:00:00.000Z',
    });
    expect((await server.api('GET', '/api/v1/models', withCookie(cookie))).status).toBe(200);
  });

  it('refuses a write made with the cookie but without the CSRF header, and audits the refusal', async () => {
    const token = await server.tokenFor('erin', ['data-scientist']);
    const { cookie, csrf } = await signIn(token);
    const model = { name: 'csrf-model', owner: 'erin', riskTier: 3 };
    const refused = await server.api('POST', '/api/v1/models', { ...withCookie(cookie), body: model });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('x-csrf-token');
    const wrong = await server.api('POST', '/api/v1/models', {
      ...withCookie(cookie, { 'x-csrf-token': csrf.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }),
      body: model,
    });
    expect(wrong.status).toBe(403);
    expect((await server.api('GET', '/api/v1/models/csrf-model')).status).toBe(404);
    await server.ctx.denials.flush(); // refusals are counted in memory and written once a minute
    const audit = await server.api('GET', '/api/v1/audit?action=access.denied&limit=1000');
    expect(audit.body.items.some((e: any) => e.actor === 'erin' && e.change.path === '/api/v1/models')).toBe(
      true,
    );
    const made = await server.api('POST', '/api/v1/models', {
      ...withCookie(cookie, { 'x-csrf-token': csrf }),
      body: model,
    });
    expect(made.status).toBe(201);
    expect(made.body.createdBy).toBe('erin');
  });

  it('keeps the access rules: a viewer signed in may read but not write', async () => {
    const { cookie, csrf } = await signIn(await server.tokenFor('vera', ['viewer']));
    const refused = await server.api('POST', '/api/v1/models', {
      ...withCookie(cookie, { 'x-csrf-token': csrf }),
      body: { name: 'viewer-model', owner: 'vera', riskTier: 3 },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/vera lacks a role/);
  });

  it('ends with sign-out, with the token’s revocation and at expiry', async () => {
    const token = await server.tokenFor('omar', ['operations']);
    const a = await signIn(token);
    const out = await server.api(
      'DELETE',
      '/api/v1/sessions/current',
      withCookie(a.cookie, { 'x-csrf-token': a.csrf }),
    );
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/warden_session=;.*Max-Age=0/);
    expect((await server.api('GET', '/api/v1/sessions/current', withCookie(a.cookie))).status).toBe(401);

    const b = await signIn(token);
    const tokens = await server.api('GET', '/api/v1/tokens?principal=omar');
    expect((await server.api('POST', `/api/v1/tokens/${tokens.body.items[0].id}/revoke`)).status).toBe(200);
    const revoked = await server.api('GET', '/api/v1/sessions/current', withCookie(b.cookie));
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toContain('sign in again');

    const c = await signIn(await server.tokenFor('ola', ['operations']));
    clock.advanceMinutes(8 * 60 - 1);
    expect((await server.api('GET', '/api/v1/sessions/current', withCookie(c.cookie))).status).toBe(200);
    clock.advanceMinutes(1);
    expect((await server.api('GET', '/api/v1/sessions/current', withCookie(c.cookie))).status).toBe(401);
  });

  it('refuses an unknown token, and a sign-in posted from another origin', async () => {
    const unknown = await server.api('POST', '/api/v1/sessions', {
      token: null,
      body: { token: 'wdn_' + 'x'.repeat(43) },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('set-cookie')).toBeNull();
    const token = await server.tokenFor('mallory', ['viewer']);
    const foreign = await server.api('POST', '/api/v1/sessions', {
      token: null,
      body: { token },
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
  });

  describe('the dashboard itself', () => {
    it('answers the single-page app on every deep link, with a same-origin-only policy', async () => {
      for (const path of [
        '/',
        '/models/a',
        '/models/a/versions/1.0.0',
        '/change-requests/cr_1',
        '/alerts/al_1',
      ]) {
        const res = await fetch(server.url + path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type')).toContain('text/html');
        expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
        const html = await res.text();
        expect(html).toMatch(/<div id="app">/);
        expect(html).not.toMatch(/https?:\/\//);
      }
      expect((await fetch(server.url + '/api/v1/nothing')).status).toBe(404);
      expect((await fetch(server.url + '/assets/missing.js')).status).toBe(404);
    });
  });
});

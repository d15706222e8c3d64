import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { oidcConfigFor, startTestProvider, type TestProvider } from './oidc-provider.test-helper.js';
import { safeNextPath } from './oidc-login.js';

/**
 * Dashboard sign-in at a real OpenID Connect provider started on 127.0.0.1 (authorization code
 * flow with PKCE), driven with fetch and manual redirects, as a browser would follow them.
 */
describeEachBackend('dashboard sign-in at the OIDC provider', (backend) => {
  let provider: TestProvider;
  let server: TestServer;
  let aheadMs = 0;

  beforeAll(async () => {
    provider = await startTestProvider();
    server = await startTestServer(backend, {
      config: { oidc: oidcConfigFor(provider) },
      now: () => new Date(Date.now() + aheadMs),
    });
  });
  afterAll(async () => {
    await server?.close();
    await provider?.close();
  });
  beforeEach(() => {
    provider.behaviour = {};
    provider.user = { sub: 'alice', groups: ['risk-validation'] };
    aheadMs = 0;
  });

  const get = (url: string, cookie?: string) =>
    fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const cookiePair = (res: Response, name: string) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${name}=`))
      ?.split(';')[0];

  /** Starts a sign-in; returns the provider's authorize URL and the login cookie. */
  async function begin(next = '/') {
    const res = await get(`${server.url}/auth/oidc/login?next=${encodeURIComponent(next)}`);
    expect(res.status).toBe(302);
    const login = cookiePair(res, 'warden_oidc_login');
    expect(login).toBeDefined();
    return {
      authorize: new URL(res.headers.get('location')!),
      login: login!,
      setCookie: res.headers.getSetCookie(),
    };
  }
  /** Lets the provider answer; returns the callback URL it sends the browser to. */
  async function authorize(url: URL) {
    const res = await get(url.href);
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }
  async function callback(url: URL, cookie: string | undefined) {
    const res = await get(url.href, cookie);
    expect(res.status).toBe(302);
    return { res, location: res.headers.get('location')!, session: cookiePair(res, 'warden_session') };
  }

  it('offers the provider on the sign-in page', async () => {
    const methods = await server.api('GET', '/api/v1/sessions/methods', { token: null });
    expect(methods.status).toBe(200);
    expect(methods.body).toEqual({ token: true, oidc: { name: 'Test IdP', loginUrl: '/auth/oidc/login' } });
  });

  it('signs in with the code flow and PKCE, maps the groups to roles, and returns to the page', async () => {
    const { authorize: at, login, setCookie } = await begin('/models/credit?tab=versions');
    expect(at.origin + at.pathname).toBe(`${provider.issuer}/authorize`);
    const q = at.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('warden-dashboard');
    expect(q.get('redirect_uri')).toBe(`${server.url}/auth/oidc/callback`);
    expect(q.get('scope')).toContain('openid');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The login cookie holds the state, HttpOnly, Lax (the provider sends the browser back cross-site), short-lived.
    const loginCookie = setCookie.find((c) => c.startsWith('warden_oidc_login='))!;
    expect(loginCookie).toMatch(/HttpOnly/);
    expect(loginCookie).toMatch(/SameSite=Lax/);
    expect(loginCookie).toMatch(/Max-Age=600/);
    expect(loginCookie).toMatch(/Path=\/auth\/oidc/);
    expect(login).toBe(`warden_oidc_login=${q.get('state')}`);

    const back = await authorize(at);
    expect(back.origin + back.pathname).toBe(`${server.url}/auth/oidc/callback`);
    const { res, location, session } = await callback(back, login);
    expect(location).toBe('/models/credit?tab=versions');
    const sessionCookie = res.headers.getSetCookie().find((c) => c.startsWith('warden_session='))!;
    expect(sessionCookie).toMatch(/HttpOnly/);
    expect(sessionCookie).toMatch(/SameSite=Strict/);
    // The code was redeemed server to server, with the client's secret and the PKCE verifier.
    const exchange = provider.tokenRequests.at(-1)!;
    expect(exchange.clientAuthenticated).toBe(true);
    expect(exchange.form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{64}$/);

    const me = await server.api('GET', '/api/v1/sessions/current', {
      token: null,
      headers: { cookie: session! },
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ principal: 'oidc:alice', roles: ['validator'] });
    const whoami = await server.api('GET', '/api/v1/whoami', { token: null, headers: { cookie: session! } });
    expect(whoami.body).toMatchObject({ principal: 'oidc:alice', roles: ['validator'] });

    const audit = await server.api('GET', '/api/v1/audit?action=session.start&limit=1000');
    const started = audit.body.items.find((e: any) => e.actor === 'oidc:alice');
    expect(started.change).toMatchObject({
      method: 'oidc',
      issuer: provider.issuer,
      subject: 'alice',
      roles: ['validator'],
    });

    // The state was used: the same callback again is refused.
    const again = await callback(back, login);
    expect(again.location).toBe('/sign-in?error=state');
    expect(again.session).toBeUndefined();

    // Sign-out ends the session.
    const out = await server.api('DELETE', '/api/v1/sessions/current', {
      token: null,
      headers: { cookie: session!, 'x-csrf-token': me.body.csrfToken },
    });
    expect(out.status).toBe(200);
    expect(
      (await server.api('GET', '/api/v1/sessions/current', { token: null, headers: { cookie: session! } }))
        .status,
    ).toBe(401);
  });

  it('keeps the access rules: a viewer from the provider may read but not write', async () => {
    provider.user = { sub: 'victor', groups: ['readers'] };
    const { authorize: at, login } = await begin();
    const { session } = await callback(await authorize(at), login);
    const me = await server.api('GET', '/api/v1/sessions/current', {
      token: null,
      headers: { cookie: session! },
    });
    expect(me.body).toMatchObject({ principal: 'oidc:victor', roles: ['viewer'] });
    expect(
      (await server.api('GET', '/api/v1/models', { token: null, headers: { cookie: session! } })).status,
    ).toBe(200);
    const write = await server.api('POST', '/api/v1/models', {
      token: null,
      headers: { cookie: session!, 'x-csrf-token': me.body.csrfToken },
      body: { name: 'victor-model', owner: 'victor', riskTier: 3 },
    });
    expect(write.status).toBe(403);
    expect(write.body.error.message).toMatch(/oidc:victor lacks a role/);
  });

  it('refuses to send the browser anywhere but a path on this server', async () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      'models',
    ]) {
      const res = await get(`${server.url}/auth/oidc/login?next=${encodeURIComponent(next)}`);
      expect(res.status, next).toBe(400);
      expect(res.headers.get('location'), next).toBeNull();
      expect(cookiePair(res, 'warden_oidc_login'), next).toBeUndefined();
      const body = (await res.json()) as { error: { field?: string; message: string } };
      expect(body.error.message).toMatch(/^next must be a path on this server/);
    }
    expect(safeNextPath('/models/a?x=1#v')).toBe('/models/a?x=1#v');
    expect(safeNextPath(undefined)).toBe('/');
    expect(safeNextPath('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
    expect(safeNextPath('/\tevil')).toBeUndefined();
  });

  it('lands every refused callback on the sign-in page with its reason kind, never a session, and audits it', async () => {
    const callbackDenials = async () => {
      await server.ctx.denials.flush();
      const audit = await server.api('GET', '/api/v1/audit?action=access.denied&limit=1000');
      return (audit.body.items as any[]).filter((e) => e.subject === 'route:GET /auth/oidc/callback');
    };
    const before = new Set((await callbackDenials()).map((e) => JSON.stringify(e)));
    const refusedWith = async (
      prepare: () => void,
      tamper?: (u: URL) => void,
      cookie?: (c: string) => string | undefined,
    ) => {
      provider.behaviour = {};
      aheadMs = 0;
      const { authorize: at, login } = await begin('/alerts');
      prepare();
      const back = await authorize(at);
      tamper?.(back);
      const { location, session, res } = await callback(back, cookie ? cookie(login) : login);
      expect(session).toBeUndefined();
      expect(res.headers.getSetCookie().some((c) => /^warden_oidc_login=;/.test(c))).toBe(true);
      return location;
    };
    // Consent declined at the provider.
    expect(await refusedWith(() => (provider.behaviour.deny = true))).toBe(
      '/sign-in?error=denied&next=%2Falerts',
    );
    // State altered on the way back, or no login cookie (another browser), or another browser's cookie.
    expect(
      await refusedWith(
        () => undefined,
        (u) => u.searchParams.set('state', 'A'.repeat(43)),
      ),
    ).toBe('/sign-in?error=state');
    expect(
      await refusedWith(
        () => undefined,
        undefined,
        () => undefined,
      ),
    ).toBe('/sign-in?error=state');
    expect(
      await refusedWith(
        () => undefined,
        undefined,
        () => `warden_oidc_login=${'B'.repeat(43)}`,
      ),
    ).toBe('/sign-in?error=state');
    // The code expired at the provider before it was redeemed.
    expect(await refusedWith(() => (provider.behaviour.expireCodes = true))).toBe(
      '/sign-in?error=exchange&next=%2Falerts',
    );
    // An ID token for another client, with another nonce, or signed by a key the provider does not publish.
    expect(await refusedWith(() => (provider.behaviour.audience = 'another-app'))).toBe(
      '/sign-in?error=id_token&next=%2Falerts',
    );
    expect(await refusedWith(() => (provider.behaviour.nonce = 'replayed'))).toBe(
      '/sign-in?error=id_token&next=%2Falerts',
    );
    expect(await refusedWith(() => (provider.behaviour.foreignKey = true))).toBe(
      '/sign-in?error=id_token&next=%2Falerts',
    );
    // Back from the provider after more than ten minutes.
    expect(await refusedWith(() => (aheadMs = 11 * 60_000))).toBe('/sign-in?error=expired&next=%2Falerts');

    // Audited as refused requests of the callback, counted by reason kind.
    const entries = (await callbackDenials()).filter((e) => !before.has(JSON.stringify(e)));
    const codes: Record<string, number> = {};
    for (const e of entries)
      for (const [k, n] of Object.entries(e.change.codes as Record<string, number>))
        codes[k] = (codes[k] ?? 0) + n;
    expect(codes).toMatchObject({
      oidc_denied: 1,
      oidc_state: 3,
      oidc_exchange: 1,
      oidc_id_token: 3,
      oidc_expired: 1,
    });
    expect(
      entries.every(
        (e: any) =>
          e.actor === 'anonymous' && /^sign-in at the identity provider refused: /.test(e.change.reason),
      ),
    ).toBe(true);
  });

  it('answers an error page, not a stack trace, to a callback without anything', async () => {
    const res = await get(`${server.url}/auth/oidc/callback`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/sign-in?error=state');
  });
});

describeEachBackend('dashboard sign-in without an identity provider', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.close());

  it('offers only the token, and the provider routes answer 404', async () => {
    const methods = await server.api('GET', '/api/v1/sessions/methods', { token: null });
    expect(methods.body).toEqual({ token: true, oidc: null });
    const login = await fetch(`${server.url}/auth/oidc/login`, { redirect: 'manual' });
    expect(login.status).toBe(404);
    expect(await login.text()).not.toMatch(/\n\s+at /);
  });
});

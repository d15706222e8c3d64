import { afterAll, beforeAll, expect, it } from 'vitest';
import { oidcConfigFor, startTestProvider, type TestProvider } from '../auth/oidc-provider.test-helper.js';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

/**
 * Signing in to the dashboard at an OpenID Connect provider, in Chromium: a real provider on
 * 127.0.0.1 approves at once; the provider's groups give the Warden roles (risk-validation →
 * validator, readers → viewer).
 */
describeInChromium('dashboard sign-in at the OIDC provider in Chromium', (backend, b) => {
  let provider: TestProvider;
  let server: TestServer;
  let request: string;

  beforeAll(async () => {
    provider = await startTestProvider();
    server = await startTestServer(backend, { config: { oidc: oidcConfigFor(provider) } });
    // A tier-1 model whose move to staging needs an ml-engineer and a validator.
    expect(
      (
        await server.api('POST', '/api/v1/models', {
          body: { name: 'credit-default', owner: 'dana', team: 'risk', riskTier: 1 },
        })
      ).status,
    ).toBe(201);
    expect(
      (await server.api('POST', '/api/v1/models/credit-default/versions', { body: versionBody('1.0.0') }))
        .status,
    ).toBe(201);
    const opened = await server.api('POST', '/api/v1/models/credit-default/versions/1.0.0/transitions', {
      token: await server.tokenFor('dana', ['data-scientist']),
      body: { to: 'staging', reason: 'Backtest complete; ready for staging' },
    });
    expect(opened.status).toBe(201);
    request = opened.body.id as string;
  });
  afterAll(async () => {
    await server?.close();
    await provider?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`shows "Sign in with Test IdP" on the sign-in page (${colorScheme})`, async () => {
      const page = await b.page({ colorScheme });
      await page.goto(server.url + '/');
      await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
      await page.getByLabel('Token').waitFor();
      await expectAccessible(page, `sign-in with provider (${colorScheme})`);
      await b.shot(page, `sign-in-oidc-${colorScheme}`);
    });
  }

  it('signs in at the provider and lands on the inventory with the roles from the claims', async () => {
    provider.user = { sub: 'alice', groups: ['risk-validation'] };
    const page = await b.page();
    await page.goto(server.url + '/');
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
    await page.getByRole('link', { name: 'credit-default' }).first().waitFor();
    await page.locator('.who').getByText('oidc:alice').waitFor();
    // The provider's session cookie is HttpOnly: the page's script cannot read it.
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie),
    ).toBe('');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'warden_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    expect(cookies.some((c) => c.name === 'warden_oidc_login')).toBe(false);
    await b.shot(page, 'inventory-after-oidc');

    // A validator by the provider's groups: the change request offers the validator's vote.
    await page.goto(`${server.url}/change-requests/${request}`);
    await page.getByRole('button', { name: 'Approve as validator' }).waitFor();
    expect(await page.getByRole('button', { name: /as ml-engineer/ }).count()).toBe(0);

    // Sign-out ends the session: back to sign-in, and the API refuses the old cookie.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
    const current = await page.evaluate(async () => (await fetch('/api/v1/sessions/current')).status);
    expect(current).toBe(401);
  });

  it('returns to the page asked for, and a viewer from the provider sees no approve button', async () => {
    provider.user = { sub: 'victor', groups: ['readers'] };
    const page = await b.page();
    await page.goto(`${server.url}/change-requests/${request}`);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/change-requests/${request}`);
    await page.getByText(/You hold none of the roles this request still needs/).waitFor();
    expect(await page.getByRole('button', { name: /Approve|Reject/ }).count()).toBe(0);
    await page.locator('.who').getByText('oidc:victor').waitFor();
  });

  it('refuses a tampered state with a clear message on the sign-in page', async () => {
    provider.user = { sub: 'alice', groups: ['risk-validation'] };
    const page = await b.page();
    // The browser comes back from the provider with a state this browser's sign-in did not send.
    provider.behaviour = { tamperState: true };
    await page.goto(`${server.url}/sign-in?next=%2Faudit`);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'This sign-in could not be matched to one started in this browser' })
      .waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await page.getByText(/\bat .+\.(ts|js):\d+/).count()).toBe(0);
    provider.behaviour = {};
    await expectAccessible(page, 'sign-in refused');
    await b.shot(page, 'sign-in-oidc-refused');
  });

  it('refuses to send the browser to another site after sign-in (Location checked without following it)', async () => {
    const res = await fetch(
      `${server.url}/auth/oidc/login?next=${encodeURIComponent('https://evil.example/')}`,
      {
        redirect: 'manual',
      },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const safe = await fetch(`${server.url}/auth/oidc/login?next=%2Faudit`, { redirect: 'manual' });
    expect(safe.status).toBe(302);
    expect(new URL(safe.headers.get('location')!).origin).toBe(provider.issuer);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

/** The dashboard in headless Chromium against a real server: sign-in, the inventory, narrow and dark. */
describeInChromium('dashboard in Chromium', (backend, b) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend);
    for (const [name, tier] of [
      ['credit-default', 1],
      ['churn-predictor', 3],
      ['fraud-screen', 2],
    ] as const) {
      const res = await server.api('POST', '/api/v1/models', {
        body: { name, owner: 'dana', team: 'risk', riskTier: tier, description: `${name} model` },
      });
      expect(res.status).toBe(201);
      expect(
        (await server.api('POST', `/api/v1/models/${name}/versions`, { body: versionBody('1.0.0') })).status,
      ).toBe(201);
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('signs in with a token, lands on the page asked for, and finds a model', async () => {
    const p = await b.page();
    const token = await server.tokenFor('dana', ['data-scientist']);
    await p.goto(server.url + '/?q=fraud');
    await p.getByLabel('Token').waitFor();
    await expectAccessible(p, 'sign-in');
    await b.shot(p, 'sign-in');
    await p.getByLabel('Token').fill(token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('link', { name: 'fraud-screen' }).waitFor();
    expect(await p.getByRole('link', { name: 'credit-default' }).count()).toBe(0);
    expect(
      await p.evaluate(
        () =>
          (globalThis as unknown as { document: { cookie: string } }).document.cookie +
          JSON.stringify((globalThis as unknown as { localStorage: object }).localStorage),
      ),
    ).not.toContain('wdn_');
    await p.getByLabel('Search').fill('');
    await p.getByRole('button', { name: 'Search' }).click();
    await p.getByRole('link', { name: 'credit-default' }).waitFor();
    await p.getByRole('button', { name: 'Tier' }).click();
    await p.waitForURL(/sort=tier/);
    // Tier 1 first once the sorted page has arrived.
    await p.locator('table.data tbody tr:first-child th a', { hasText: 'credit-default' }).waitFor();
    await expectAccessible(p, 'inventory');
    await b.shot(p, 'inventory');
    const narrow = await b.signedIn(server.url, token, '/', { width: 390, height: 800, colorScheme: 'dark' });
    await narrow.getByRole('link', { name: 'churn-predictor' }).waitFor();
    await expectAccessible(narrow, 'inventory dark 390');
    await b.shot(narrow, 'inventory-390-dark');
  });
});

import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import {
  CHROMIUM,
  ensureDashboardBuilt,
  expectAccessible,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
  type WatchedPage,
} from './dashboard.test-helper.js';

/**
 * The dashboard in headless Chromium against a real server. Without Chromium the test is skipped
 * loudly, except under CI=true, where it fails.
 */
const available = existsSync(CHROMIUM);
const required = process.env.CI === 'true';
if (!available && !required)
  console.warn(
    `\n*** dashboard browser test: SKIPPED (no Chromium at ${CHROMIUM}; CI=true makes this a failure) ***\n`,
  );

describeEachBackend('dashboard in Chromium', (backend) => {
  if (!available && !required) return;
  let server: TestServer;
  let browser: Browser;
  const pages: WatchedPage[] = [];
  const shot = (name: string) => `${backend}-${name}`;

  beforeAll(async () => {
    if (!available) throw new Error(`Chromium is required (CI=true) but ${CHROMIUM} does not exist`);
    ensureDashboardBuilt();
    server = await startTestServer(backend);
    browser = await launchBrowser();
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
    await browser?.close();
    await server?.close();
    for (const p of pages) {
      expect(p.consoleErrors, 'console errors').toEqual([]);
      expect(p.foreignRequests, 'requests to another host').toEqual([]);
    }
  });

  const page = async (options: Parameters<typeof openPage>[1] = {}) => {
    const watched = await openPage(browser, options);
    pages.push(watched);
    return watched.page;
  };

  it('signs in with a token, lands on the page asked for, and finds a model', async () => {
    const p = await page();
    const token = await server.tokenFor('dana', ['data-scientist']);
    await p.goto(server.url + '/?q=fraud');
    await p.getByLabel('Token').waitFor();
    await expectAccessible(p, 'sign-in');
    await screenshot(p, shot('sign-in'));
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
    await screenshot(p, shot('inventory'));
    const narrow = await page({ width: 390, height: 800, colorScheme: 'dark' });
    await signIn(narrow, server.url, token);
    await narrow.getByRole('link', { name: 'churn-predictor' }).waitFor();
    await expectAccessible(narrow, 'inventory dark 390');
    await screenshot(narrow, shot('inventory-390-dark'));
  });
});

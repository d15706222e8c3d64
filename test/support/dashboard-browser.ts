/**
 * Helpers of the dashboard's browser tests: build the dashboard when its sources changed, drive
 * Debian's Chromium with playwright-core, record console errors and requests to other hosts, run
 * axe-core, and keep screenshots in test-output/dashboard for a person to look at.
 * `describeInChromium` is the block every dashboard browser test runs in.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { describeEachBackend, type Backend } from './stores.js';

export const CHROMIUM = '/usr/bin/chromium';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = join(repoRoot, 'test-output', 'dashboard');

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

/** Builds dist/web with Vite unless it is newer than every file of web/. */
export function ensureDashboardBuilt(): void {
  const index = join(repoRoot, 'dist/web/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(repoRoot, 'web'))) return;
  const result = spawnSync(
    'flock',
    ['/tmp/warden-web-build.lock', 'npx', 'vite', 'build', '--config', 'web/vite.config.ts'],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`dashboard build failed: ${result.stderr}${result.stdout}`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that records console errors, uncaught errors and any request to another host (refused). */
export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  foreignRequests: string[];
}

export async function openPage(
  browser: Browser,
  options: {
    width?: number;
    height?: number;
    colorScheme?: 'light' | 'dark';
    /** The test stops the server under this page: Chromium's note of a refused connection is expected. */
    serverStops?: boolean;
  } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const watched: WatchedPage = { page, consoleErrors: [], foreignRequests: [] };
  page.on('console', (message) => {
    // A refused API call (401 before sign-in, a 403 the page explains) is logged by Chromium as a
    // network error; it is not an error of the page's code.
    if (
      message.type() === 'error' &&
      !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) &&
      !(
        options.serverStops &&
        /^Failed to load resource: net::ERR_CONNECTION_(REFUSED|RESET)$/.test(message.text())
      )
    )
      watched.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watched.consoleErrors.push(String(error)));
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
    watched.foreignRequests.push(url.href);
    return route.abort();
  });
  return watched;
}

export async function signIn(page: Page, baseUrl: string, token: string, path = '/'): Promise<void> {
  await page.goto(baseUrl + path);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

const axeSource = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'),
  'utf8',
);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe-core on the page and expects no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays in force.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })),
    }));
  });
  const severe = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(severe, `${name}: ${JSON.stringify(severe, null, 1)}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Opens pages in one browser and checks, when the block ends, that none logged an error or left the origin. */
export interface DashboardBrowser {
  /** A new watched page (its own cookies and storage). */
  page(options?: Parameters<typeof openPage>[1]): Promise<Page>;
  /** A new page signed in with `token`, on `path`. */
  signedIn(
    baseUrl: string,
    token: string,
    path?: string,
    options?: Parameters<typeof openPage>[1],
  ): Promise<Page>;
  /** `${backend}-${name}`: screenshots of both backends side by side. */
  shot(page: Page, name: string): Promise<void>;
}

/**
 * Runs `body` once per backend with a Chromium launched before it (the dashboard built first) and
 * closed after it, every page opened through it checked for console errors and requests to other
 * hosts. Without Chromium the block is skipped loudly, except under CI=true, where it fails.
 */
export function describeInChromium(
  title: string,
  body: (backend: Backend, browser: DashboardBrowser) => void,
): void {
  const available = existsSync(CHROMIUM);
  const required = process.env.CI === 'true';
  if (!available && !required)
    console.warn(
      `\n*** ${title} (browser test): SKIPPED (no Chromium at ${CHROMIUM}; CI=true makes this a failure) ***\n`,
    );
  describeEachBackend(title, (backend) => {
    if (!available && !required) return;
    let browser: Browser | undefined;
    const pages: WatchedPage[] = [];
    beforeAll(async () => {
      if (!available) throw new Error(`Chromium is required (CI=true) but ${CHROMIUM} does not exist`);
      ensureDashboardBuilt();
      browser = await launchBrowser();
    });
    const page = async (options: Parameters<typeof openPage>[1] = {}) => {
      if (!browser) throw new Error('the browser has not started');
      const watched = await openPage(browser, options);
      pages.push(watched);
      return watched.page;
    };
    body(backend, {
      page,
      async signedIn(baseUrl, token, path = '/', options = {}) {
        const p = await page(options);
        await signIn(p, baseUrl, token, path);
        return p;
      },
      shot: (p, name) => screenshot(p, `${backend}-${name}`),
    });
    // Registered after the body's hooks so that it runs before them (afterAll hooks run in stack
    // order): the pages close before the body's afterAll stops its server, and a page still polling
    // at that moment does not log a refused connection.
    afterAll(async () => {
      await browser?.close();
      for (const p of pages) {
        expect(p.consoleErrors, 'console errors').toEqual([]);
        expect(p.foreignRequests, 'requests to another host').toEqual([]);
      }
    });
  });
}

/**
 * Helpers of the dashboard's browser tests: build the dashboard when its sources changed, drive
 * Debian's Chromium with playwright-core, record console errors and requests to other hosts, run
 * axe-core, and keep screenshots in test-output/dashboard for a person to look at.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

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
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
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
      !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
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

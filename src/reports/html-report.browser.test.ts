import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchBrowser } from '../../test/support/dashboard-browser.js';
import { ensureBuilt, runWarden, seededRandom, writeCsv } from './offline-cli.test-helper.js';

/**
 * Opens the HTML reports in headless Chromium and checks what a person would see. Without
 * Chromium the test is skipped loudly, except under CI=true, where it fails.
 */
/** The little of the DOM the page functions below use (the project compiles without DOM types). */
interface PageElement {
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  readonly textContent: string | null;
  readonly className: string;
  getBoundingClientRect(): { width: number };
}
declare function getComputedStyle(element: PageElement): { fill: string };
const available = existsSync(CHROMIUM);
const required = process.env.CI === 'true';
if (!available && !required) {
  console.warn(
    `\n*** HTML report browser test: SKIPPED (no Chromium at ${CHROMIUM}; CI=true makes this a failure) ***\n`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'warden-html-'));
const path = (name: string) => join(dir, name);
/** Screenshots are kept after the run for a person to look at. */
const screenshotDir = join(tmpdir(), 'warden-report-screenshots');

let browser: Browser | undefined;
const externalRequests: string[] = [];

async function open(file: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    externalRequests.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href);
  return page;
}

describe.skipIf(!available && !required)('HTML reports in headless Chromium', () => {
  beforeAll(async () => {
    if (!available) throw new Error(`Chromium is required (CI=true) but ${CHROMIUM} does not exist`);
    ensureBuilt();
    mkdirSync(screenshotDir, { recursive: true });
    const rng = seededRandom(3);
    const cities = ['Oslo', 'Bergen', 'Trondheim', 'Stavanger'];
    const make = (n: number, shift: number, cityCount: number) =>
      Array.from({ length: n }, () => [
        Math.round((40 + shift + 10 * rng.normal()) * 10) / 10,
        Math.round(1000 * Math.exp(0.3 * rng.normal())),
        cities[Math.floor(rng.uniform() * cityCount)]!,
        rng.uniform() < 0.5,
      ]);
    writeCsv(path('ref.csv'), ['age', 'income', 'city', 'active'], make(2000, 0, 3));
    writeCsv(path('cur.csv'), ['age', 'income', 'city', 'active'], make(1500, 6, 4));
    writeCsv(
      path('scores.csv'),
      ['label', 'score', 'region'],
      Array.from({ length: 2000 }, () => {
        const label = rng.uniform() < 0.3 ? 1 : 0;
        const score = Math.min(1, Math.max(0, (label ? 0.65 : 0.35) + 0.18 * rng.normal()));
        return [label, Math.round(score * 1e4) / 1e4, rng.uniform() < 0.5 ? 'north' : 'south'];
      }),
    );
    expect(
      runWarden([
        'drift',
        '--reference',
        path('ref.csv'),
        '--current',
        path('cur.csv'),
        '--html',
        path('drift.html'),
      ]).status,
    ).toBe(0);
    const evaluate = ['evaluate', '--data', path('scores.csv'), '--label', 'label', '--score', 'score'];
    expect(
      runWarden([...evaluate, '--segment', 'region', '--sensitive', 'region', '--html', path('eval.html')])
        .status,
    ).toBe(0);
    // A regression whose first 150 rows are predicted exactly and the last 150 30 too high.
    writeCsv(
      path('regression.csv'),
      ['y', 'yhat'],
      Array.from({ length: 300 }, (_, i) => [5 + i / 2, 5 + i / 2 + (i < 150 ? 0 : 30)]),
    );
    expect(
      runWarden([
        'evaluate',
        '--data',
        path('regression.csv'),
        '--label',
        'y',
        '--prediction',
        'yhat',
        '--task',
        'regression',
        '--html',
        path('regression.html'),
      ]).status,
    ).toBe(0);
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the drift report: one results row and one chart per column, drifted columns flagged', async () => {
    const page = await open(path('drift.html'));
    await expect(page.locator('table.results tbody tr').count()).resolves.toBe(4);
    await expect(page.locator('figure.chart[data-column] svg').count()).resolves.toBe(4);
    const flags = await page
      .locator('table.results tbody tr')
      .evaluateAll((rows: PageElement[]) =>
        Array.from(rows, (row) => [
          row.getAttribute('data-column'),
          row.querySelectorAll('td')[6]?.textContent,
          row.className,
        ]),
      );
    expect(flags).toContainEqual(['age', 'DRIFTED', 'drifted']);
    expect(flags).toContainEqual(['city', 'DRIFTED', 'drifted']);
    expect(flags).toContainEqual(['active', 'no', '']);
    await expect(page.locator('.dataset-verdict').textContent()).resolves.toBe('Dataset drift detected');
    await expect(page.locator('figure[data-column="age"] .badge').textContent()).resolves.toBe('drifted');
    // Every chart is laid out at a readable size and has visible bars for both sides.
    const charts = await page.locator('figure.chart svg').evaluateAll((svgs: PageElement[]) =>
      Array.from(svgs, (svg) => ({
        width: svg.getBoundingClientRect().width,
        reference: Array.from(svg.querySelectorAll('rect.ref')).filter(
          (r) => Number(r.getAttribute('height')) > 0,
        ).length,
        current: Array.from(svg.querySelectorAll('rect.cur')).filter(
          (r) => Number(r.getAttribute('height')) > 0,
        ).length,
      })),
    );
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(400);
      expect(chart.reference).toBeGreaterThan(1);
      expect(chart.current).toBeGreaterThan(1);
    }
    // The new category shows up as a current-only bar.
    await expect(
      page.locator('figure[data-column="city"] svg text', { hasText: 'Stavanger' }).count(),
    ).resolves.toBe(1);
    await page.screenshot({ path: join(screenshotDir, 'drift-report.png'), fullPage: true });
    console.log(`drift report screenshot: ${join(screenshotDir, 'drift-report.png')}`);
    expect(externalRequests).toEqual([]);
  });

  it('renders the evaluation report: metrics, ROC curve, calibration plot, segments and fairness', async () => {
    const page = await open(path('eval.html'));
    await expect(page.locator('table.metrics tbody tr').count()).resolves.toBe(9);
    await expect(
      page.locator('table.metrics tr[data-metric="rocAuc"] td.num').textContent(),
    ).resolves.toMatch(/^0\.\d+$/);
    const roc = page.locator('figure[data-chart="roc"] svg path.line');
    await expect(roc.count()).resolves.toBe(1);
    // The curve is a stroke only: a filled path would paint the area under it.
    await expect(roc.evaluate((element: PageElement) => getComputedStyle(element).fill)).resolves.toBe(
      'none',
    );
    await expect(
      page.locator('figure[data-chart="calibration"] svg circle').count(),
    ).resolves.toBeGreaterThan(5);
    await expect(page.locator('table.segments tbody tr').count()).resolves.toBe(2);
    await expect(page.locator('table.fairness tbody tr').count()).resolves.toBe(2);
    await page.screenshot({ path: join(screenshotDir, 'evaluation-report.png'), fullPage: true });
    console.log(`evaluation report screenshot: ${join(screenshotDir, 'evaluation-report.png')}`);
    expect(externalRequests).toEqual([]);
  });

  it('renders the regression report with predicted against actual values around the diagonal', async () => {
    const page = await open(path('regression.html'));
    await expect(page.locator('table.metrics tbody tr').count()).resolves.toBe(4);
    const figure = page.locator('figure[data-chart="predicted-actual"]');
    await expect(figure.locator('figcaption').textContent()).resolves.toMatch(/all 300 rows/);
    const geometry = await figure.locator('svg').evaluate((svg: PageElement) => {
      const line = svg.querySelectorAll('line.diagonal')[0]!;
      const at = (name: string) => Number(line.getAttribute(name));
      return {
        width: svg.getBoundingClientRect().width,
        diagonal: [at('x1'), at('y1'), at('x2'), at('y2')],
        points: Array.from(svg.querySelectorAll('circle'), (c) => [
          Number(c.getAttribute('cx')),
          Number(c.getAttribute('cy')),
        ]),
      };
    });
    expect(geometry.width).toBeGreaterThan(400);
    expect(geometry.points).toHaveLength(300);
    const [x1, y1, x2, y2] = geometry.diagonal as [number, number, number, number];
    // The diagonal rises from bottom left to top right (SVG y grows downwards).
    expect(x2).toBeGreaterThan(x1);
    expect(y2).toBeLessThan(y1);
    // Signed vertical distance of each point above the diagonal, in pixels.
    const above = geometry.points.map(([x, y]) => y1 + ((x! - x1) / (x2 - x1)) * (y2 - y1) - y!);
    const onLine = above.filter((d) => Math.abs(d) < 1.5).length;
    const tooHigh = above.filter((d) => d > 10).length;
    expect([onLine, tooHigh]).toEqual([150, 150]);
    for (const [x, y] of geometry.points) {
      expect(x).toBeGreaterThanOrEqual(x1);
      expect(x).toBeLessThanOrEqual(x2);
      expect(y).toBeGreaterThanOrEqual(y2);
      expect(y).toBeLessThanOrEqual(y1);
    }
    await page.screenshot({ path: join(screenshotDir, 'regression-report.png'), fullPage: true });
    console.log(`regression report screenshot: ${join(screenshotDir, 'regression-report.png')}`);
    expect(externalRequests).toEqual([]);
  });
});

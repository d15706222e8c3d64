import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchBrowser, screenshotDir } from '../../test/support/dashboard-browser.js';
import { renderHtml } from './document-html.render.js';
import type { GovernanceDocument } from './document.types.js';

/**
 * A generated document's charts as Chromium draws them: uPlot's scales are read from the page.
 * Without Chromium the test is skipped loudly, except under CI=true, where it fails.
 */
const available = existsSync(CHROMIUM);
const required = process.env.CI === 'true';
if (!available && !required)
  console.warn(
    `\n*** generated document charts (browser test): SKIPPED (no Chromium at ${CHROMIUM}; CI=true makes this a failure) ***\n`,
  );

const DAY = 86_400;
const doc: GovernanceDocument = {
  kind: 'periodic-report',
  title: 'Periodic monitoring report: credit',
  facts: [['Data period', '2026-03-01 to 2026-03-04']],
  sections: [
    {
      id: 'kpis',
      title: 'KPIs against thresholds',
      status: 'present',
      origin: 'generated',
      paragraphs: [],
      tables: [],
      charts: [
        {
          id: 'classes',
          title: 'Label classes',
          type: 'bars',
          x: [0, 1],
          categories: ['0', '1'],
          series: [{ label: 'records', values: [149, 151] }],
        },
        {
          id: 'accuracy',
          title: 'Accuracy per day',
          type: 'line',
          x: [1772323200, 1772323200 + DAY, 1772323200 + 2 * DAY],
          series: [{ label: 'accuracy', values: [0.86, 0.87, 0.88] }],
          threshold: 0.85,
        },
      ],
    },
  ],
};

interface Scales {
  x: { time: boolean };
  y: { min: number; max: number };
}

describe.skipIf(!available && !required)('generated document charts in Chromium', () => {
  let browser: Browser | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'warden-doc-'));
  beforeAll(async () => {
    if (!available) throw new Error(`Chromium is required (CI=true) but ${CHROMIUM} does not exist`);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a bar chart’s value axis at zero, so bar lengths compare as counts; line charts keep their own range', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(doc));
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    // Keep every uPlot the page makes, in order, to read its scales after drawing.
    await page.addInitScript(() => {
      const g = globalThis as unknown as Record<string, unknown>;
      const plots: unknown[] = [];
      let wrapped: unknown;
      g.__plots = plots;
      Object.defineProperty(g, 'uPlot', {
        configurable: true,
        get: () => wrapped,
        set(original: new (...args: unknown[]) => unknown) {
          const make = function (...args: unknown[]) {
            const plot = new original(...args);
            plots.push(plot);
            return plot;
          };
          Object.setPrototypeOf(make, original);
          wrapped = make;
        },
      });
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => (globalThis as unknown as { __plots: unknown[] }).__plots.length === 2);
    const scales = await page.evaluate(() =>
      (globalThis as unknown as { __plots: { scales: Scales }[] }).__plots.map((p) => ({
        time: p.scales.x.time,
        min: p.scales.y.min,
        max: p.scales.y.max,
      })),
    );
    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, 'document-charts.png'), fullPage: true });
    expect(errors).toEqual([]);
    const [bars, line] = scales;
    expect(bars).toMatchObject({ time: false, min: 0 });
    expect(bars!.max).toBeGreaterThanOrEqual(151);
    expect(line!.time).toBe(true);
    // 0.85 (the threshold) to 0.88: a line chart is not stretched down to zero.
    expect(line!.min).toBeGreaterThan(0.5);
  });
});

/**
 * HTML report at scale: `warden drift --html` over two BENCH_ROWS-row, 25-column CSV files
 * (default 1,000,000 rows each), then the report opened BENCH_RUNS times in headless Chromium
 * from disk, each in a fresh page: time to first contentful paint and to the load event, and
 * the page's size; the last page is saved as a screenshot for a person to look at. Only file:// URLs are opened; any other request is aborted and counted.
 *
 * Run: npm run build && tsx bench/reports/run.ts
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeWideCsv } from '../stats/bench-data.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLI = path.resolve('dist/cli/main.js');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(os.tmpdir(), 'warden-bench-report.png');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error('run `npm run build` first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-report-'));
  try {
    console.log(
      `node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    const reference = path.join(dir, 'reference.csv');
    const current = path.join(dir, 'current.csv');
    await writeWideCsv(reference, ROWS, 1, false);
    await writeWideCsv(current, ROWS, 2, true);
    const html = path.join(dir, 'drift.html');
    const t0 = performance.now();
    const run = spawnSync(
      process.execPath,
      [CLI, 'drift', '--reference', reference, '--current', current, '--html', html, '--json'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const generateMs = performance.now() - t0;
    if (run.status !== 0) throw new Error(run.stderr);
    const bytes = fs.statSync(html).size;
    console.log(
      `warden drift --html over 2 × ${ROWS.toLocaleString('en')} rows × 25 columns (${(
        fs.statSync(reference).size /
        1024 /
        1024
      ).toFixed(
        0,
      )} MiB per file): ${(generateMs / 1000).toFixed(1)} s; report ${(bytes / 1024).toFixed(0)} KiB`,
    );

    const browser = await chromium.launch({
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
    const paints: number[] = [];
    const loads: number[] = [];
    let external = 0;
    try {
      for (let i = 0; i < RUNS + 1; i++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.route('**/*', (route) =>
          route.request().url().startsWith('file:') ? route.continue() : (external++, route.abort()),
        );
        await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
        const timing = await page.evaluate<{ load: number; fcp: number }>(`(() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return { load: nav.loadEventEnd, fcp: fcp ? fcp.startTime : NaN };
        })()`);
        if (i === RUNS) {
          await page.screenshot({ path: SCREENSHOT, fullPage: true });
          console.log(`screenshot of the report: ${SCREENSHOT}`);
        }
        await page.close();
        if (i === 0) continue; // warm-up: the browser's first page pays its own start-up
        paints.push(timing.fcp);
        loads.push(timing.load);
      }
    } finally {
      await browser.close();
    }
    const show = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(`first contentful paint, ms: ${show(paints)} (median ${median(paints).toFixed(0)})`);
    console.log(`load event end, ms: ${show(loads)} (median ${median(loads).toFixed(0)}; goal < 2000)`);
    console.log(`requests to anything but the file: ${external}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

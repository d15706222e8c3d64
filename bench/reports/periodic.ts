/**
 * Periodic report over a million-record window: a tier-1 model receives BENCH_RECORDS inference
 * records (default 1,000,000, NDJSON batches of 5,000 spread over 24 hourly buckets) through the
 * HTTP API of a real server in this process (embedded SQLite), its monitors run, and a periodic
 * report for the day is generated and downloaded as HTML; the page is then opened from disk
 * BENCH_RUNS times in headless Chromium (fresh page each, after one warm-up page): time to the
 * load event, page size, and any request other than the file (aborted and counted).
 *
 * Run: npm run build && tsx bench/reports/periodic.ts
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/server.js';
import { adminSession, monitoredRecords, registerMonitoredModel } from '../support/bench-server.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCH = 5_000;
const NOW = new Date('2026-03-02T00:30:00.000Z');
const DAY_START = new Date('2026-03-01T00:00:00.000Z');
const SCREENSHOT = join(tmpdir(), 'warden-bench-periodic-report.png');

const record = monitoredRecords(20261203);

/** One NDJSON batch of `n` records with ids from `offset`, all in hour `hour` of the day. */
function batchBody(offset: number, n: number, hour: number): string {
  const ts = new Date(DAY_START.getTime() + hour * 3_600_000 + 60_000).toISOString();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify(record(`r${offset + i}`, ts)));
  return lines.join('\n');
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-periodic-'));
  const config = loadConfig({ dataDir, port: 0 }, {});
  const server = await startServer(config, { background: false, now: () => NOW });
  try {
    const session = await adminSession(server, NOW);
    const call = session.send;
    await registerMonitoredModel(session, 'bench');
    const ingestStart = performance.now();
    for (let b = 0; b < RECORDS / BATCH; b++) {
      await call(
        'POST',
        '/api/v1/models/bench/versions/1.0.0/inferences',
        batchBody(b * BATCH, BATCH, b % 24),
        'application/x-ndjson',
      );
    }
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    const runStart = performance.now();
    await call('POST', '/api/v1/models/bench/monitoring/run');
    const runSeconds = (performance.now() - runStart) / 1000;
    const reportStart = performance.now();
    const report = JSON.parse(
      await call(
        'POST',
        '/api/v1/reports',
        JSON.stringify({
          kind: 'periodic',
          model: 'bench',
          from: DAY_START.toISOString(),
          to: new Date(DAY_START.getTime() + 86_400_000).toISOString(),
        }),
      ),
    ) as { id: string };
    const html = await call('GET', `/api/v1/reports/${report.id}?format=html`);
    const reportSeconds = (performance.now() - reportStart) / 1000;
    const file = join(dataDir, 'periodic.html');
    writeFileSync(file, html);
    console.log(
      `${RECORDS.toLocaleString('en')} records ingested in ${ingestSeconds.toFixed(1)} s; monitors ran in ${runSeconds.toFixed(
        2,
      )} s; report generated and downloaded in ${reportSeconds.toFixed(2)} s; HTML ${(statSync(file).size / 1024).toFixed(0)} KiB`,
    );

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const loads: number[] = [];
    let external = 0;
    try {
      for (let i = 0; i < RUNS + 1; i++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.route('**/*', (route) =>
          route.request().url().startsWith('file:') ? route.continue() : (external++, route.abort()),
        );
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        const load = await page.evaluate<number>(
          `performance.getEntriesByType('navigation')[0].loadEventEnd`,
        );
        if (i === RUNS) await page.screenshot({ path: SCREENSHOT, fullPage: true });
        await page.close();
        if (i > 0) loads.push(load);
      }
    } finally {
      await browser.close();
    }
    const sorted = [...loads].sort((a, b) => a - b);
    console.log(
      `load event end, ms: ${loads.map((x) => x.toFixed(0)).join(', ')} (median ${sorted[
        Math.floor(sorted.length / 2)
      ]!.toFixed(0)}; goal < 2000); requests to anything but the file: ${external}; screenshot ${SCREENSHOT}`,
    );
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

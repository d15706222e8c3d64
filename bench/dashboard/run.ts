/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- JSON bodies of the API */
/**
 * Dashboard benchmark, in Debian's Chromium (playwright-core) against a real server on the embedded
 * SQLite store:
 *   - time to first render of the inventory with 10,000 models (each with a version), and
 *   - time to first render of the monitoring page of a model with 25 features evaluated daily for
 *     90 days (data drift and missing-value increase per feature: 4,500 stored results, 50 charts),
 *   - the JavaScript the browser receives (bytes on the wire, gzip, as Chromium counts them).
 * Each page is opened COLD (a new browser context: empty cache, a fresh session cookie) RUNS times;
 * "first render" is the time from navigation start until the page's data is drawn (all 50 inventory
 * rows; every chart's canvas), taken in the page by a MutationObserver.
 *
 *   npm run bench:dashboard            (BENCH_MODELS, BENCH_DAYS, BENCH_FEATURES, BENCH_RUNS to scale)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { issueToken } from '../../src/auth/token.service.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/server.js';

const MODELS = Number(process.env.BENCH_MODELS ?? 10_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 90);
const FEATURES = Number(process.env.BENCH_FEATURES ?? 25);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RECORDS_PER_DAY = 200;
const CHROMIUM = '/usr/bin/chromium';
const root = new URL('../../', import.meta.url).pathname;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The server's clock: moved back over the past days while the monitoring history is made. */
let clockMs = Date.now();
const realNow = Date.now();

let seed = 2024;
function uniform(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  log('building the dashboard (vite)…');
  const build = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`vite build failed: ${build.stderr}`);

  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-dashboard-'));
  const config = { ...loadConfig({ dataDir, port: 0 }, {}), anonymousRequestsPerMinute: 0 };
  const server = await startServer(config, { now: () => new Date(clockMs), background: false });
  const url = server.url;
  const issued = await server.ctx.db.transaction().execute((trx) =>
    issueToken(
      trx,
      server.ctx.audit,
      { principal: 'bench', roles: ['admin'] },
      {
        actor: 'bench',
        requestId: null,
        now: server.ctx.now(),
      },
    ),
  );
  const token = issued.token;
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };

  try {
    // 1. The inventory: MODELS models with one version each, over the API.
    let t0 = performance.now();
    const names = Array.from({ length: MODELS }, (_, i) => `model-${String(i).padStart(5, '0')}`);
    const owners = ['dana', 'li', 'omar', 'sofia', 'kai'];
    await inParallel(names, 8, async (name) => {
      const i = Number(name.slice(6));
      await call('POST', '/api/v1/models', {
        name,
        owner: owners[i % owners.length],
        team: `team-${i % 12}`,
        riskTier: 1 + (i % 4),
      });
      await call('POST', `/api/v1/models/${name}/versions`, {
        version: '1.0.0',
        framework: 'sklearn',
        lineage: { datasets: [{ name: 'train', uri: 's3://data/train.parquet', sha256: 'b'.repeat(64) }] },
        metrics: { accuracy: 0.9 },
      });
    });
    log(`loaded ${MODELS} models with a version in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // 2. The monitored model: FEATURES numeric features, one evaluation a day for DAYS days.
    t0 = performance.now();
    const features = Array.from({ length: FEATURES }, (_, i) => `f${String(i).padStart(2, '0')}`);
    await call('POST', '/api/v1/models', { name: 'monitored', owner: 'dana', riskTier: 2 });
    await call('POST', '/api/v1/models/monitored/versions', {
      version: '1.0.0',
      framework: 'sklearn',
      lineage: { datasets: [{ name: 'train', uri: 's3://data/train.parquet', sha256: 'c'.repeat(64) }] },
      metrics: { accuracy: 0.9 },
      inputSchema: features.map((name) => ({ name, type: 'number', nullable: true })),
    });
    await call('PUT', '/api/v1/models/monitored/monitoring/config', { windowHours: 24 });
    const record = (id: string, timestamp: string, shift: number) => {
      const f: Record<string, number | null> = {};
      for (const [k, name] of features.entries())
        f[name] = uniform() < 0.02 ? null : Math.round((uniform() * 100 + shift * (k % 5)) * 100) / 100;
      return JSON.stringify({
        id,
        timestamp,
        features: f,
        prediction: uniform() < 0.5 ? 1 : 0,
        score: uniform(),
      });
    };
    const V = '/api/v1/models/monitored/versions/1.0.0';
    await call(
      'POST',
      `${V}/reference`,
      Array.from({ length: 2000 }, () => {
        const { id: _id, timestamp: _ts, ...rest } = JSON.parse(record('', '', 0)) as Record<string, unknown>;
        return JSON.stringify(rest);
      }).join('\n'),
      'application/x-ndjson',
    );
    for (let d = DAYS - 1; d >= 0; d--) {
      clockMs = realNow - d * 86_400_000;
      const ts = new Date(clockMs - 2 * 3_600_000).toISOString();
      // Drift creeps in over the last month.
      const shift = d < 30 ? (30 - d) / 3 : 0;
      await call(
        'POST',
        `${V}/inferences`,
        Array.from({ length: RECORDS_PER_DAY }, (_, i) => record(`d${d}-${i}`, ts, shift)).join('\n'),
        'application/x-ndjson',
      );
      await call('POST', '/api/v1/models/monitored/monitoring/run?rules=data_drift,missing_increase');
    }
    clockMs = Date.now();
    const stored = await server.ctx.db
      .selectFrom('monitoring_results')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    log(
      `monitoring: ${DAYS} daily evaluations of ${FEATURES} features, ${Number(stored.n)} stored results, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // 3. Chromium.
    const browser: Browser = await chromium.launch({
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
    const version = browser.version();
    const expectedCharts = FEATURES * 2;
    const measure = async (path: string, ready: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const signIn = await context.request.post(`${url}/api/v1/sessions`, { data: { token } });
      if (!signIn.ok()) throw new Error(`sign-in: ${signIn.status()}`);
      const page = await context.newPage();
      await page.route('**/*', (route) =>
        new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
      );
      // Runs before the page's own scripts; records when the ready condition first holds.
      await page.addInitScript(`(() => {
        const ready = () => { try { return (${ready}); } catch { return false; } };
        const done = () => { window.__firstRender = performance.now(); observer.disconnect(); };
        const observer = new MutationObserver(() => { if (ready()) done(); });
        observer.observe(document, { childList: true, subtree: true });
      })();`);
      await page.goto(url + path);
      await page.waitForFunction(
        () => (globalThis as unknown as { __firstRender?: number }).__firstRender !== undefined,
        null,
        {
          timeout: 60_000,
        },
      );
      const result = await page.evaluate(() => {
        const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        const scripts = entries.filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'));
        const api = entries.filter((e) => e.name.includes('/api/v1/'));
        return {
          firstRender: (globalThis as unknown as { __firstRender: number }).__firstRender,
          jsWire: scripts.reduce((s, e) => s + e.transferSize, 0),
          jsDecoded: scripts.reduce((s, e) => s + e.decodedBodySize, 0),
          apiCalls: api.length,
          apiBytes: api.reduce((s, e) => s + e.transferSize, 0),
        };
      });
      await context.close();
      return result;
    };

    const pages: [string, string, string][] = [
      [
        `inventory, ${MODELS.toLocaleString('en')} models (first page of 50)`,
        '/',
        `document.querySelectorAll('table.data tbody tr').length >= 50`,
      ],
      [
        `monitoring, ${DAYS} days × ${FEATURES} features (${expectedCharts} charts)`,
        `/monitoring?model=monitored&days=${DAYS}`,
        `document.querySelectorAll('.chart canvas').length >= ${expectedCharts}`,
      ],
    ];
    const rows: string[] = [];
    let js = { wire: 0, decoded: 0 };
    for (const [label, path, ready] of pages) {
      await measure(path, ready); // warm the server's caches and the page's first compile
      const times: number[] = [];
      let last: Awaited<ReturnType<typeof measure>> | undefined;
      for (let i = 0; i < RUNS; i++) {
        last = await measure(path, ready);
        times.push(last.firstRender);
      }
      js = { wire: last!.jsWire, decoded: last!.jsDecoded };
      const verdict = median(times) < 1000 ? 'met' : '**missed**';
      rows.push(
        `| ${label} | ${times.map((t) => Math.round(t)).join(', ')} ms | ${Math.round(median(times))} ms | ${last!.apiCalls} API calls, ${(last!.apiBytes / 1024).toFixed(0)} KiB on the wire | < 1 s: ${verdict} |`,
      );
      log(`${label}: ${times.map((t) => Math.round(t)).join(', ')} ms`);
    }
    await browser.close();
    const machine = `${cpus()[0]?.model.trim()}, ${cpus().length} cores, Node ${process.version}, Chromium ${version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} at the end`;
    console.log(`Machine: ${machine}.`);
    console.log(
      `Command: \`npm run bench:dashboard\` (RUNS=${RUNS} cold loads per page after one warm-up).\n`,
    );
    console.log('| page | first render, each cold load | median | data | goal |');
    console.log('| --- | --- | ---: | --- | --- |');
    for (const row of rows) console.log(row);
    console.log(
      `\nJavaScript sent to the browser: ${(js.wire / 1024).toFixed(1)} KiB on the wire (gzip), ${(js.decoded / 1024).toFixed(1)} KiB uncompressed; goal < 300 KB: ${js.wire < 300_000 ? 'met' : '**missed**'}.`,
    );
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

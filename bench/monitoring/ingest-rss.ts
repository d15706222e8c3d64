/**
 * `npm run bench:ingest-rss`: peak resident memory of `warden ingest` as the file grows. Writes a
 * CSV (and a Parquet file, row groups of 100,000) of inference records for each size, starts a
 * SQLite server in this process, and runs the CLI in a child process under `/usr/bin/time -v`,
 * reporting its maximum RSS and wall time. Flat memory means the 1M-row figure is close to the
 * 100k-row one.
 *
 * Flags: `--rows=100000,1000000` (sizes), `--formats=csv,parquet`, `--cli=path/to/cli/main.ts`
 * (another checkout's CLI, to measure before/after), `--batch=1000`, `--group=100000` (rows per
 * Parquet row group; `--group=all` writes one row group however many rows), `--reader` (measure
 * that checkout's `readTableBatches` alone, every batch read and dropped, instead of the CLI).
 * Each run is stopped after 20 minutes (exit 124; its peak is still reported).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/server.js';
import { adminSession, versionWithSchema } from '../support/bench-server.js';

const flag = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const SIZES = flag('rows', '100000,1000000').split(',').map(Number);
const FORMATS = flag('formats', 'csv,parquet').split(',');
const CLI = flag('cli', new URL('../../src/cli/main.ts', import.meta.url).pathname);
const BATCH = flag('batch', '1000');
const GROUP = flag('group', '100000');
const READER = process.argv.includes('--reader');
/** The reader-alone run: every batch of the file read and dropped, with the CLI's batch size. */
const READER_SCRIPT = (file: string) =>
  `const { readTableBatches } = await import(${JSON.stringify(new URL('../io/index.ts', `file://${CLI}`).pathname)});
let rows = 0;
for await (const batch of readTableBatches(${JSON.stringify(file)}, { size: ${Number(BATCH)} })) rows += batch.rows;
if (rows === 0) process.exit(3);`;
const RUN_LIMIT_MS = 20 * 60 * 1000;
const NOW = new Date();
const log = (line: string) => process.stderr.write(`${line}\n`);
const COUNTRIES = ['de', 'fr', 'it'];

/** A row of the benchmark file: an id, three features, a prediction and a score. */
const row = (prefix: string, i: number) =>
  `${prefix}${i},${((i * 7919) % 10_000) / 10},${20 + (i % 50)},${COUNTRIES[i % 3]},${i % 2},${((i * 31) % 1000) / 1000}`;

async function writeCsv(file: string, prefix: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('id,amount,age,country,prediction,score\n');
  for (let start = 0; start < rows; start += 10_000) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(rows, start + 10_000); i++) lines.push(row(prefix, i));
    if (!out.write(lines.join('\n') + '\n')) await new Promise((r) => out.once('drain', r));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function writeParquet(file: string, prefix: string, rows: number): void {
  const range = (f: (i: number) => unknown) => Array.from({ length: rows }, (_, i) => f(i));
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'id', data: range((i) => `${prefix}${i}`), type: 'STRING' },
      { name: 'amount', data: range((i) => ((i * 7919) % 10_000) / 10), type: 'DOUBLE' },
      { name: 'age', data: range((i) => 20 + (i % 50)), type: 'INT32' },
      { name: 'country', data: range((i) => COUNTRIES[i % 3]), type: 'STRING' },
      { name: 'prediction', data: range((i) => i % 2), type: 'INT32' },
      { name: 'score', data: range((i) => ((i * 31) % 1000) / 1000), type: 'DOUBLE' },
    ],
    rowGroupSize: GROUP === 'all' ? Math.max(1, rows) : Number(GROUP),
  });
}

/** Runs the CLI under `/usr/bin/time -v`: its maximum RSS (MB), wall seconds and exit code. */
function measure(
  args: string[],
  env: Record<string, string>,
): Promise<{ rssMb: number; seconds: number; code: number }> {
  return new Promise((resolve, reject) => {
    // `timeout` stops the CLI itself at the limit, so `time` still reports its peak (exit 124).
    const limit = `${RUN_LIMIT_MS / 1000}s`;
    const command = ['-v', 'timeout', limit, process.execPath, '--import', 'tsx', ...args];
    const child = spawn('/usr/bin/time', command, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS + 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const wall = /Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
      if (!rss || !wall) return reject(new Error(`no figures from /usr/bin/time:\n${stderr.slice(-2000)}`));
      const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
      if (code !== 0) log(stderr.slice(-1500));
      resolve({ rssMb: Number(rss[1]) / 1024, seconds, code: code ?? -1 });
    });
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-ingest-rss-'));
  const config = loadConfig({ dataDir, port: 0 }, {});
  const server = await startServer(config, { background: false });
  try {
    const session = await adminSession(server, NOW);
    await session.post('/api/v1/models', { name: 'bench', owner: 'bench', riskTier: 1 });
    await session.post(
      '/api/v1/models/bench/versions',
      versionWithSchema([
        { name: 'amount', type: 'number' },
        { name: 'age', type: 'integer' },
        { name: 'country', type: 'category' },
      ]),
    );
    log(
      `machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    );
    log(`cli: ${CLI}${READER ? ' (reader alone)' : ''}, Parquet row groups: ${GROUP}`);
    console.log('| format | rows | file MB | max RSS MB | wall s | exit |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const format of FORMATS)
      for (const rows of SIZES) {
        // A fresh id prefix per run, so every record is new to the server.
        const prefix = `${format}${rows}-${Date.now().toString(36)}-`;
        const file = join(dataDir, `inferences-${rows}.${format}`);
        if (format === 'csv') await writeCsv(file, prefix, rows);
        else writeParquet(file, prefix, rows);
        const { size } = await import('node:fs').then((fs) => fs.statSync(file));
        const result = await measure(
          READER
            ? ['--input-type=module', '-e', READER_SCRIPT(file)]
            : [CLI, 'ingest', 'bench', '1.0.0', '--file', file, '--batch', BATCH, '--quiet'],
          {
            WARDEN_URL: server.url,
            WARDEN_TOKEN: session.token,
          },
        );
        console.log(
          `| ${format} | ${rows.toLocaleString('en-US')} | ${(size / 2 ** 20).toFixed(1)} | ${result.rssMb.toFixed(0)} | ${result.seconds.toFixed(1)} | ${result.code} |`,
        );
        rmSync(file, { force: true });
      }
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

/**
 * `npm run bench:stats`: the statistics engine and `warden drift` against numpy/scipy/pandas,
 * side by side in one run on the same machine.
 *
 *   1. KS, PSI and Wasserstein on 20 columns of 1,000,000 vs 1,000,000 values (engine entry
 *      point `compareColumn`, plus the bare `ksTwoSample` / `wassersteinDistance`), against
 *      scipy's `ks_2samp`, a numpy PSI and scipy's `wasserstein_distance`;
 *   2. the memory of a column sketch as the row count grows;
 *   3. the full `warden drift` CLI on two 200,000-row, 25-column CSV files, against pandas
 *      `read_csv` plus the same per-column methods in scipy, each timed end to end as a process.
 *
 * Flags: `--quick` (small sizes, to try the script), `--write` (replace this benchmark's
 * section of BENCHMARKS.md with the results; only with every part), `--cli FILE` (the CLI
 * entry script to time, default `dist/cli/main.js`). `BENCH_PART=engine|sketch|cli` runs and
 * prints only that part. Needs `npm run build` first (for the CLI).
 */
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareColumn, ksTwoSample, wassersteinDistance } from '../../src/stats/drift/index.js';
import { CsvParser } from '../../src/io/csv.parser.js';
import { readTable } from '../../src/io/index.js';
import { ColumnProfile } from '../../src/stats/sketch/index.js';
import type { DatasetDriftResult, NumericColumn } from '../../src/stats/types.js';
import { normalColumn, seededNormal, writeWideCsv } from './bench-data.js';

const quick = process.argv.includes('--quick');
const cliFlag = process.argv.indexOf('--cli');
const write = process.argv.includes('--write');
const PARTS = ['engine', 'sketch', 'cli'] as const;
const part = process.env.BENCH_PART ?? 'all';
if (part !== 'all' && !(PARTS as readonly string[]).includes(part))
  throw new Error(`BENCH_PART must be one of ${PARTS.join(', ')} (or unset for all), got '${part}'`);
if (write && part !== 'all')
  throw new Error('--write replaces the whole section: run every part (unset BENCH_PART)');
const runs = (name: (typeof PARTS)[number]) => part === 'all' || part === name;
const COLUMNS = quick ? 3 : 20;
const ROWS = quick ? 100_000 : 1_000_000;
const CLI_ROWS = quick ? 20_000 : 200_000;
const CLI_REPEATS = quick ? 1 : 3;
const SKETCH_ROWS = quick ? [10_000, 100_000] : [100_000, 1_000_000, 10_000_000];
const PYTHON = '/usr/bin/python3';
const root = new URL('../../', import.meta.url).pathname;
const SECTION = '## Statistics engine and offline reports';
const COMMAND = 'npm run build && npm run bench:stats -- --write';

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
const log = (line: string) => process.stderr.write(`${line}\n`);

function python<T>(args: string[]): T {
  const result = spawnSync(PYTHON, [join(root, 'bench/stats/reference.py'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (result.status !== 0) throw new Error(`reference.py ${args[0]} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

function machine(): Record<string, string> {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const versions = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys, numpy, scipy, pandas; print(sys.version.split()[0], numpy.__version__, scipy.__version__, pandas.__version__)',
    ],
    {
      encoding: 'utf8',
    },
  ).stdout.trim();
  const [py, numpy, scipy, pandas] = versions.split(' ');
  return {
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    nproc: String(availableParallelism()),
    node: process.version,
    python: `Python ${py}, numpy ${numpy}, scipy ${scipy}, pandas ${pandas}`,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;
const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}×`;

/** Runs `run`, returning its value, wall seconds and CPU seconds of this process (user + system). */
function timed<T>(run: () => T): [T, number, number] {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = run();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return [value, wall, (used.user + used.system) / 1e6];
}

/** As {@link timed}, for async work (wall seconds only). */
async function timedAsync<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const value = await run();
  return [value, Number(process.hrtime.bigint() - start) / 1e9];
}

type Seconds = { ks: number; psi: number; wasserstein: number };

/** 1. Engine: the three statistics per column, JS and Python, with an agreement check on column 0. */
function benchEngine() {
  log(
    `engine: ${COLUMNS} columns × ${ROWS.toLocaleString('en-US')} vs ${ROWS.toLocaleString('en-US')} values`,
  );
  const seconds = { ks: 0, psi: 0, wasserstein: 0, ksBare: 0, wassersteinBare: 0 };
  const cpuSeconds = { ks: 0, psi: 0, wasserstein: 0 };
  let check: { ks: [number, number]; psi: number; wasserstein: number } | null = null;
  for (let j = 0; j < COLUMNS; j++) {
    const reference: NumericColumn = { kind: 'numeric', name: `c${j}`, values: normalColumn(ROWS, 1000 + j) };
    const current: NumericColumn = {
      kind: 'numeric',
      name: `c${j}`,
      values: normalColumn(ROWS, 2000 + j, 0.05 * (j % 3)),
    };
    const [ks, tKs, cKs] = timed(() => compareColumn(reference, current, { method: 'ks' }));
    const [psi, tPsi, cPsi] = timed(() => compareColumn(reference, current, { method: 'psi' }));
    const [w, tW, cW] = timed(() => compareColumn(reference, current, { method: 'wasserstein' }));
    const [, tKsBare] = timed(() => ksTwoSample(reference.values, current.values));
    const [, tWBare] = timed(() => wassersteinDistance(reference.values, current.values));
    seconds.ks += tKs;
    seconds.psi += tPsi;
    seconds.wasserstein += tW;
    seconds.ksBare += tKsBare;
    seconds.wassersteinBare += tWBare;
    cpuSeconds.ks += cKs;
    cpuSeconds.psi += cPsi;
    cpuSeconds.wasserstein += cW;
    if (j === 0) {
      writeFileSync(join(dir, 'ref.f64'), new Uint8Array(reference.values.buffer));
      writeFileSync(join(dir, 'cur.f64'), new Uint8Array(current.values.buffer));
      check = { ks: [ks.statistic!, ks.pValue!], psi: psi.statistic!, wasserstein: w.distance! };
    }
  }
  const scipy = python<{ seconds: Seconds; cpuSeconds: Seconds }>(['engine', String(COLUMNS), String(ROWS)]);
  const reference = python<{ ks: [number, number]; psi: number; wasserstein: number }>([
    'check',
    join(dir, 'ref.f64'),
    join(dir, 'cur.f64'),
  ]);
  const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
  const agreement = {
    ksStatistic: relative(check!.ks[0], reference.ks[0]),
    ksPValue: relative(check!.ks[1], reference.ks[1]),
    psi: relative(check!.psi, reference.psi),
    wasserstein: relative(check!.wasserstein, reference.wasserstein),
  };
  return { seconds, cpuSeconds, scipy, agreement };
}

/** 2. Sketch memory: a numeric column profile fed in 100,000-value chunks. */
function benchSketch() {
  log('sketch memory');
  const gc = (globalThis as { gc?: () => void }).gc;
  return SKETCH_ROWS.map((rows) => {
    const { normal } = seededNormal(rows);
    const chunk = new Float64Array(100_000);
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const profile = new ColumnProfile('x', 'numeric');
    for (let done = 0; done < rows; done += chunk.length) {
      for (let i = 0; i < chunk.length; i++) chunk[i] = 50 + 10 * normal();
      profile.addAll(chunk.subarray(0, Math.min(chunk.length, rows - done)));
    }
    gc?.();
    const heap = process.memoryUsage().heapUsed - before;
    const json = JSON.stringify(profile.toJSON()).length;
    return { rows, json, heap: gc ? heap : null };
  });
}

/** 3. The `warden drift` CLI end to end against pandas + scipy, each as a fresh process. */
async function benchCli() {
  log(`cli: writing two ${CLI_ROWS.toLocaleString('en-US')}-row, 25-column CSV files`);
  const ref = join(dir, 'reference.csv');
  const cur = join(dir, 'current.csv');
  await writeWideCsv(ref, CLI_ROWS, 1, false);
  await writeWideCsv(cur, CLI_ROWS, 2, true);
  const cli = cliFlag > 0 ? process.argv[cliFlag + 1]! : join(root, 'dist/cli/main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const rssHook =
    'data:text/javascript,process.on("exit",()=>{const u=process.resourceUsage();process.stderr.write("maxrss_kb="+u.maxRSS+" cpu_us="+(u.userCPUTime+u.systemCPUTime)+"\\n")})';
  const oursRuns: number[] = [];
  const theirsRuns: number[] = [];
  const oursCpu: number[] = [];
  const theirsCpu: number[] = [];
  let report: DatasetDriftResult | null = null;
  let oursRss = 0;
  let theirsRss = 0;
  let theirs: Record<string, number> = {};
  for (let repeat = 0; repeat < CLI_REPEATS; repeat++) {
    log(`cli: run ${repeat + 1} of ${CLI_REPEATS}`);
    const [ours, tOurs] = timed(() =>
      spawnSync(
        process.execPath,
        ['--import', rssHook, cli, 'drift', '--reference', ref, '--current', cur, '--json'],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        },
      ),
    );
    if (ours.status !== 0) throw new Error(`warden drift failed: ${ours.stderr}`);
    oursRuns.push(tOurs);
    report = JSON.parse(ours.stdout) as DatasetDriftResult;
    // The hook also runs in the reader threads; the main thread exits last, with the process totals.
    const usage = [...ours.stderr.matchAll(/maxrss_kb=(\d+) cpu_us=(\d+)/g)].at(-1);
    oursRss = Math.max(oursRss, Number(usage?.[1] ?? 0));
    oursCpu.push(Number(usage?.[2] ?? 0) / 1e6);
    const methods = Object.fromEntries(report.columns.map((c) => [c.name, c.method]));
    const [py, tPy] = timed(() =>
      python<{ statistics: Record<string, number>; maxRssKb: number; cpuSeconds: number }>([
        'cli',
        ref,
        cur,
        JSON.stringify(methods),
      ]),
    );
    theirsRuns.push(tPy);
    theirsCpu.push(py.cpuSeconds);
    theirsRss = Math.max(theirsRss, py.maxRssKb);
    theirs = py.statistics;
  }
  const maxDifference = Math.max(
    ...report!.columns.map((c) => Math.abs((c.statistic ?? NaN) - theirs[c.name]!)),
  );
  const methods = [
    ...new Set(
      report!.columns.map(
        (c) => `${c.method} (${report!.columns.filter((d) => d.method === c.method).length})`,
      ),
    ),
  ];
  // Where the time goes in reading one file: the CSV parser alone, Warden's reader, pandas.
  const parseOnly = await timedAsync(async () => {
    let records = 0;
    const parser = new CsvParser(() => records++);
    for await (const chunk of createReadStream(ref, { highWaterMark: 1 << 20 })) parser.push(chunk as Buffer);
    parser.end();
    return records;
  });
  const reader = await timedAsync(() => readTable(ref));
  const pandasRead = python<{ seconds: number; cpuSeconds: number }>(['read', ref]);
  // Start-up alone: the CLI loading every command's modules, Python importing its libraries.
  const startOurs = median(
    [0, 1, 2].map(() => timed(() => spawnSync(process.execPath, [cli, '--version']))[1]),
  );
  const startTheirs = median(
    [0, 1, 2].map(
      () =>
        timed(() =>
          spawnSync(PYTHON, ['-c', 'import numpy, pandas, scipy.stats, scipy.spatial.distance']),
        )[1],
    ),
  );
  return {
    read: { parseOnly: parseOnly[1], reader: reader[1], pandas: pandasRead.seconds },
    startOurs,
    startTheirs,
    ours: median(oursRuns),
    theirs: median(theirsRuns),
    oursRuns,
    theirsRuns,
    oursCpu: median(oursCpu),
    theirsCpu: median(theirsCpu),
    oursRss,
    theirsRss,
    maxDifference,
    methods,
    drifted: report!.columns.filter((c) => c.drifted).length,
  };
}

const verdict = (ours: number, theirs: number, limit: number) =>
  ours <= theirs * limit ? 'met' : '**missed**';

function render(
  m: Record<string, string>,
  engine: ReturnType<typeof benchEngine> | null,
  sketch: ReturnType<typeof benchSketch> | null,
  cli: Awaited<ReturnType<typeof benchCli>> | null,
): string {
  return [
    SECTION,
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' (quick mode: reduced sizes)' : ''}.`,
    `Machine: ${m.cpu}, ${m.nproc} cores (nproc), Node ${m.node}; ${m.python}.`,
    `Command: \`${COMMAND}\` (the script is \`bench/stats/run.ts\`, the Python side \`bench/stats/reference.py\`, both in the same run).`,
    '',
    ...(engine ? renderEngine(engine) : []),
    ...(sketch ? renderSketch(sketch) : []),
    ...(cli ? renderCli(cli) : []),
  ].join('\n');
}

function renderEngine(engine: ReturnType<typeof benchEngine>): string[] {
  const { seconds, cpuSeconds, scipy, agreement } = engine;
  return [
    `### Engine: ${COLUMNS} columns, ${ROWS.toLocaleString('en-US')} vs ${ROWS.toLocaleString('en-US')} values each (total over all columns)`,
    '',
    'Times are summed over the columns; CPU time (user + system of the process) is the fairer figure when other work shares the machine, so the ratio and the verdict use it.',
    '',
    '| test | Warden `compareColumn`: wall / CPU | Warden bare function: wall | numpy / scipy: wall / CPU | ratio (CPU) | goal: at least as fast |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    `| KS (two-sample, asymptotic p) | ${ms(seconds.ks)} / ${ms(cpuSeconds.ks)} | ${ms(seconds.ksBare)} (\`ksTwoSample\`) | ${ms(scipy.seconds.ks)} / ${ms(scipy.cpuSeconds.ks)} (\`ks_2samp\`) | ${ratio(cpuSeconds.ks, scipy.cpuSeconds.ks)} | ${verdict(cpuSeconds.ks, scipy.cpuSeconds.ks, 1)} |`,
    `| PSI (10 reference-quantile bins) | ${ms(seconds.psi)} / ${ms(cpuSeconds.psi)} | — | ${ms(scipy.seconds.psi)} / ${ms(scipy.cpuSeconds.psi)} (numpy quantile + searchsorted) | ${ratio(cpuSeconds.psi, scipy.cpuSeconds.psi)} | ${verdict(cpuSeconds.psi, scipy.cpuSeconds.psi, 1)} |`,
    `| Wasserstein-1 (+ normalised) | ${ms(seconds.wasserstein)} / ${ms(cpuSeconds.wasserstein)} | ${ms(seconds.wassersteinBare)} (\`wassersteinDistance\`) | ${ms(scipy.seconds.wasserstein)} / ${ms(scipy.cpuSeconds.wasserstein)} (\`wasserstein_distance\`) | ${ratio(cpuSeconds.wasserstein, scipy.cpuSeconds.wasserstein)} | ${verdict(cpuSeconds.wasserstein, scipy.cpuSeconds.wasserstein, 1)} |`,
    '',
    `Agreement on column 0 (same values given to scipy): relative difference KS D ${agreement.ksStatistic.toExponential(1)}, KS p ${agreement.ksPValue.toExponential(1)}, PSI ${agreement.psi.toExponential(1)}, Wasserstein ${agreement.wasserstein.toExponential(1)}.`,
    '',
  ];
}

function renderSketch(sketch: ReturnType<typeof benchSketch>): string[] {
  return [
    '### Sketch memory (numeric `ColumnProfile`, values streamed in 100,000-value chunks)',
    '',
    '| rows | serialised profile | heap retained |',
    '| ---: | ---: | ---: |',
    ...sketch.map(
      (s) =>
        `| ${s.rows.toLocaleString('en-US')} | ${(s.json / 1024).toFixed(1)} KiB | ${s.heap === null ? 'n/a (run with --expose-gc)' : `${(s.heap / 1024).toFixed(0)} KiB`} |`,
    ),
    '',
  ];
}

function renderCli(cli: Awaited<ReturnType<typeof benchCli>>): string[] {
  return [
    `### \`warden drift\` end to end: two ${CLI_ROWS.toLocaleString('en-US')}-row, 25-column CSV files (20 numeric, 5 categorical)`,
    '',
    `| | wall time (median of ${CLI_REPEATS}) | runs | CPU time (median) | peak RSS |`,
    '| --- | ---: | --- | ---: | ---: |',
    `| \`node ${cliFlag > 0 ? process.argv[cliFlag + 1]! : 'dist/cli/main.js'} drift --reference … --current … --json\` | ${ms(cli.ours)} | ${cli.oursRuns.map(ms).join(', ')} | ${ms(cli.oursCpu)} | ${(cli.oursRss / 1024).toFixed(0)} MiB |`,
    `| Python: \`pandas.read_csv\` ×2 + scipy per column (interpreter start and imports included) | ${ms(cli.theirs)} | ${cli.theirsRuns.map(ms).join(', ')} | ${ms(cli.theirsCpu)} | ${(cli.theirsRss / 1024).toFixed(0)} MiB |`,
    '',
    `Reading one of the two files alone (${(statSync(join(dir, 'reference.csv')).size / 1048576).toFixed(0)} MiB, in one process): Warden's CSV parser alone (records as byte ranges) ${ms(cli.read.parseOnly)}, Warden's CSV reader (parser plus column typing into typed arrays) ${ms(cli.read.reader)}, \`pandas.read_csv\` ${ms(cli.read.pandas)}.`,
    '',
    `Start-up alone (median of 3): \`warden --version\` ${ms(cli.startOurs)}, Python importing numpy, pandas and scipy ${ms(cli.startTheirs)}.`,
    '',
    `Ratio of wall times ${ratio(cli.ours, cli.theirs)} (goal: within 1.5×: ${verdict(cli.ours, cli.theirs, 1.5)}); ratio of CPU times ${ratio(cli.oursCpu, cli.theirsCpu)} (Warden reads the two files on two threads). Methods chosen by default: ${cli.methods.join(', ')}; ${cli.drifted} columns drifted; largest difference between Warden's and scipy's statistic over the 25 columns: ${cli.maxDifference.toExponential(1)}.`,
    '',
  ];
}

function writeSection(section: string): void {
  const path = join(root, 'BENCHMARKS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(SECTION);
  if (start < 0) {
    writeFileSync(path, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + SECTION.length);
  const end = next < 0 ? text.length : next + 1;
  writeFileSync(path, `${text.slice(0, start)}${section}${next < 0 ? '' : '\n'}${text.slice(end)}`);
}

try {
  const m = machine();
  const engine = runs('engine') ? benchEngine() : null;
  const sketch = runs('sketch') ? benchSketch() : null;
  const cli = runs('cli') ? await benchCli() : null;
  const section = render(m, engine, sketch, cli);
  process.stdout.write(section);
  if (write) writeSection(section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

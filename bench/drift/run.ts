/**
 * `npm run bench:drift`: `warden drift` on two large CSV files (default 5,000,000 rows × 25
 * columns each), exact mode (bounded memory) and `--sketch`, against pandas + scipy doing the
 * same per-column tests, in the same run. Each process is timed end to end under
 * `/usr/bin/time -v` (wall, user+system CPU, maximum resident set size).
 *
 * Flags: `--rows N` (rows per file), `--data DIR` (write the files there and keep them; reused
 * when present), `--timeout S` (per process, default 900). Needs `npm run build` first.
 * Without `--data` the files go to a temporary directory that is removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWideCsv } from '../stats/bench-data.js';

const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const ROWS = Number(arg('--rows') ?? 5_000_000);
const TIMEOUT_MS = Number(arg('--timeout') ?? 900) * 1000;
const keep = arg('--data');
const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'dist/cli/main.js');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Measured {
  wallSeconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
  stdout: string;
}

/** Runs a command under GNU time and reads its wall, CPU and maximum RSS. */
function timed(command: string[]): Measured {
  const result = spawnSync('/usr/bin/time', ['-v', ...command], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: TIMEOUT_MS,
  });
  if (result.status !== 0)
    throw new Error(
      `${command.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr.slice(-2000)}`,
    );
  const field = (label: string): string => {
    const match = new RegExp(`${label}: (.+)`).exec(result.stderr);
    if (!match) throw new Error(`no '${label}' in the output of /usr/bin/time`);
    return match[1]!.trim();
  };
  const clock = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')
    .split(':')
    .map(Number)
    .reduce((total, part) => total * 60 + part, 0);
  return {
    wallSeconds: clock,
    cpuSeconds: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
    maxRssMiB: Number(field('Maximum resident set size \\(kbytes\\)')) / 1024,
    stdout: result.stdout,
  };
}

interface Column {
  name: string;
  method: string;
  statistic: number | null;
  sketch?: { errorBound: number | null };
}

const dir = keep ?? mkdtempSync(join(tmpdir(), 'warden-drift-bench-'));
try {
  mkdirSync(dir, { recursive: true });
  const ref = join(dir, `reference-${ROWS}.csv`);
  const cur = join(dir, `current-${ROWS}.csv`);
  if (!existsSync(ref) || !existsSync(cur)) {
    log(`writing two ${ROWS.toLocaleString('en-US')}-row, 25-column CSV files to ${dir}`);
    await writeWideCsv(ref, ROWS, 11, false);
    await writeWideCsv(cur, ROWS, 22, true);
  }
  const size = (statSync(ref).size + statSync(cur).size) / 1048576;
  log(`files: ${size.toFixed(0)} MiB in total`);

  log('warden drift (exact, bounded memory)');
  const exact = timed([process.execPath, cli, 'drift', '--reference', ref, '--current', cur, '--json']);
  log(`  ${exact.wallSeconds} s, ${exact.cpuSeconds.toFixed(1)} CPU-s, ${exact.maxRssMiB.toFixed(0)} MiB`);
  log('warden drift --sketch');
  const sketch = timed([
    process.execPath,
    cli,
    'drift',
    '--reference',
    ref,
    '--current',
    cur,
    '--sketch',
    '--json',
  ]);
  log(`  ${sketch.wallSeconds} s, ${sketch.cpuSeconds.toFixed(1)} CPU-s, ${sketch.maxRssMiB.toFixed(0)} MiB`);
  const exactColumns = (JSON.parse(exact.stdout) as { columns: Column[] }).columns;
  const sketchColumns = (JSON.parse(sketch.stdout) as { columns: Column[] }).columns;
  const methods = Object.fromEntries(exactColumns.map((c) => [c.name, c.method]));
  log('pandas + scipy');
  const python = timed([
    '/usr/bin/python3',
    join(root, 'bench/stats/reference.py'),
    'cli',
    ref,
    cur,
    JSON.stringify(methods),
  ]);
  log(`  ${python.wallSeconds} s, ${python.cpuSeconds.toFixed(1)} CPU-s, ${python.maxRssMiB.toFixed(0)} MiB`);
  const scipy = (JSON.parse(python.stdout) as { statistics: Record<string, number> }).statistics;

  let exactVsScipy = 0;
  let sketchError = 0;
  let sketchErrorColumn = '';
  let boundHolds = true;
  let largestBound = 0;
  for (const [i, column] of exactColumns.entries()) {
    const approx = sketchColumns[i]!;
    if (column.statistic === null || approx.statistic === null) continue;
    exactVsScipy = Math.max(exactVsScipy, Math.abs(column.statistic - scipy[column.name]!));
    const error = Math.abs(approx.statistic - column.statistic);
    if (error > sketchError) {
      sketchError = error;
      sketchErrorColumn = `${column.name} (${column.method})`;
    }
    const bound = approx.sketch?.errorBound ?? null;
    if (bound !== null) {
      largestBound = Math.max(largestBound, bound);
      if (error > bound) boundHolds = false;
    }
  }
  const verdicts = exactColumns.filter(
    (c, i) => c.statistic !== null && sketchColumns[i]!.statistic !== null,
  );
  const sameVerdicts = exactColumns.every(
    (c, i) =>
      (c as Column & { drifted: boolean }).drifted ===
      (sketchColumns[i] as Column & { drifted: boolean }).drifted,
  );
  const cpu = cpus();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const rows = [
    `| | wall | CPU (user+sys) | max RSS | wall vs pandas+scipy |`,
    `| --- | ---: | ---: | ---: | ---: |`,
    ...(
      [
        ['`warden drift` (exact, bounded memory, default `--memory-limit 1GiB`)', exact],
        ['`warden drift --sketch`', sketch],
        ['Python: `pandas.read_csv` ×2 + scipy per column', python],
      ] as const
    ).map(
      ([label, m]) =>
        `| ${label} | ${m.wallSeconds.toFixed(1)} s | ${m.cpuSeconds.toFixed(1)} s | ${m.maxRssMiB.toFixed(0)} MiB | ${(m.wallSeconds / python.wallSeconds).toFixed(2)}× |`,
    ),
  ];
  process.stdout.write(
    [
      `### \`warden drift\` at ${ROWS.toLocaleString('en-US')} rows × 25 columns per file (${size.toFixed(0)} MiB of CSV)`,
      '',
      `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}; load average at the end ${load}.`,
      '',
      ...rows,
      '',
      `Exact vs scipy, largest statistic difference over ${verdicts.length} columns: ${exactVsScipy.toExponential(1)}. ` +
        `Sketch vs exact: largest statistic error ${sketchError.toExponential(2)} (${sketchErrorColumn}); largest printed error bound ${largestBound.toExponential(2)}; ` +
        `every error within its bound: ${boundHolds ? 'yes' : 'NO'}; same drift verdict on every column: ${sameVerdicts ? 'yes' : 'no'}.`,
      '',
    ].join('\n'),
  );
} finally {
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
}

/**
 * Helpers of the offline-report tests: run the built `warden` CLI as a user would, generate
 * seeded data files, and ask Debian's Python (scipy, scikit-learn) for reference values.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cliPath = join(repoRoot, 'dist/cli/main.js');
const PYTHON = '/usr/bin/python3';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the project (`npm run build`) unless dist is newer than every source file. */
export function ensureBuilt(): void {
  const marker = join(repoRoot, 'dist/reports/index.js');
  if (
    existsSync(cliPath) &&
    existsSync(marker) &&
    statSync(marker).mtimeMs >= newestSource(join(repoRoot, 'src'))
  )
    return;
  // The build lock keeps test files that start together from compiling at the same time.
  const result = spawnSync('flock', ['/tmp/warden-build.lock', 'npm', 'run', 'build'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (!existsSync(cliPath) || !existsSync(marker)) {
    throw new Error(`npm run build produced no CLI:\n${result.stdout}\n${result.stderr}`);
  }
}

/** Result of one CLI run. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args` and returns its exit status and output. */
export function runWarden(args: readonly string[]): CliRun {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI and parses its JSON stdout, failing loudly when it did not exit 0. */
/** Result of a CLI run that did not block the test process. */
export interface AsyncCliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (or the one WARDEN_CLI_PATH names) without blocking this process, which may
 * also serve the API the command calls; `env` adds to this process's environment.
 */
export function runWardenAsync(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<AsyncCliRun> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [process.env.WARDEN_CLI_PATH ?? cliPath, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolvePromise({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

export function runWardenJson<T>(args: readonly string[]): T {
  const run = runWarden([...args, '--json']);
  if (run.status !== 0) throw new Error(`warden ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A seeded pseudo-random source (mulberry32) with a standard normal (Box–Muller). */
export function seededRandom(seed: number): { uniform: () => number; normal: () => number } {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

type Cell = string | number | boolean | null;

/** Writes rows of named cells as CSV (null → empty cell). */
export function writeCsv(path: string, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const cell = (value: Cell) => {
    if (value === null) return '';
    const text = String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  writeFileSync(path, [header.join(','), ...rows.map((row) => row.map(cell).join(','))].join('\n') + '\n');
}

/** Writes the same rows as NDJSON (null → JSON null). */
export function writeNdjson(
  path: string,
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
): void {
  writeFileSync(
    path,
    rows
      .map((row) => JSON.stringify(Object.fromEntries(header.map((name, i) => [name, row[i]]))))
      .join('\n') + '\n',
  );
}

/** Whether Debian's Python has the named modules. */
export function pythonHas(...modules: string[]): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')]).status === 0;
}

/** Runs a Python snippet that prints one JSON value; `input` is available to it as `data`. */
export function python<T>(code: string, input: unknown): T {
  const script = `import json, sys\ndata = json.loads(sys.stdin.read())\n${code}`;
  const result = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

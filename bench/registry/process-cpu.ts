/**
 * CPU time of other processes, read from /proc (Linux): what a server process spent in user and
 * system mode, and what the PostgreSQL backends serving one database spent, so benchmarks can report
 * CPU-seconds per 1,000 requests next to requests per second (wall-clock rates drift with the
 * machine's load; CPU per request much less).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds of one process so far, or NaN where /proc is not available. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Process ids of the PostgreSQL backends connected to `database` (other than the asking one). */
export async function postgresBackendPids(adminUrl: string, database: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** Sum of CPU seconds over processes (ones that have exited count as 0 at both ends, so snapshot both). */
export function cpuSnapshot(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]));
}

/** CPU seconds spent between two snapshots, over the processes present in the first. */
export function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, start] of before) {
    const end = after.get(pid);
    if (end !== undefined && Number.isFinite(end) && Number.isFinite(start)) total += end - start;
  }
  return total;
}

/** `--cpu-prof` flags for a server process when BENCH_CPU_PROF names a directory. */
export function profileFlags(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${path.resolve(dir)}`,
        `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
      ]
    : [];
}

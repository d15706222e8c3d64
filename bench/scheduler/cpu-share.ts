/**
 * A fixed share of one core for a benchmark process, through a Linux cgroup (v1 `cpu` controller
 * or v2 `cpu.max`): the process and every thread it starts get `share` × 100 ms of CPU per 100 ms
 * period, as if it ran alone on a machine that small. With one share per scheduler process, two
 * servers on a two-core machine are compared as two servers with a core each would be, instead of
 * as two more processes on the same run queue. Needs write access to the cgroup file system (root).
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PERIOD_US = 100_000;

/** Where a new cpu cgroup can be made, and how its quota is written. */
function hierarchy(): { root: string; limit: (dir: string, quotaUs: number) => void } {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers'))
    return {
      root: '/sys/fs/cgroup',
      limit: (dir, quotaUs) => writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`),
    };
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'))
    return {
      root: '/sys/fs/cgroup/cpu',
      limit: (dir, quotaUs) => {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      },
    };
  throw new Error(
    '--cpu-share needs a cgroup cpu controller at /sys/fs/cgroup (v2) or /sys/fs/cgroup/cpu (v1)',
  );
}

/** Moves process `pid` (all its threads) into a new cgroup limited to `share` of one core; returns its removal. */
export function limitToShare(pid: number, share: number): () => void {
  if (!(share > 0 && share <= 1)) throw new Error(`--cpu-share must be in (0, 1], got ${share}`);
  const { root, limit } = hierarchy();
  const dir = join(root, `warden-bench-${pid}`);
  try {
    mkdirSync(dir);
    limit(dir, Math.round(share * PERIOD_US));
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  } catch (error) {
    throw new Error(`--cpu-share: cannot limit process ${pid} in ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // The group can be removed only once its process has exited.
  return () => rmdirSync(dir);
}

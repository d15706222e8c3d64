import type { BackgroundTask } from '../core/background-task.js';
import { newId } from '../core/ids.js';
import type { AppContext } from '../http/context.js';
import { claimRollout, findDueRolloutIds } from './rollout.repository.js';
import { runClaimedRollout } from './rollout.service.js';

/** How long a claimed analysis may take before another server may take the rollout over. */
export const ROLLOUT_LEASE_MS = 30_000;

/** This process's name in leases. */
const PROCESS_OWNER = newId('srv');

/**
 * Analyses every progressing rollout whose analysis is due, each claimed with a row lease so that
 * two servers never advance or abort one rollout twice; a server killed mid-analysis leaves a
 * lease that runs out, and the next round (here or elsewhere) redoes the step's analysis.
 */
export async function runDueRollouts(ctx: AppContext, owner = PROCESS_OWNER): Promise<number> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  let done = 0;
  for (const id of await findDueRolloutIds(ctx.db, nowIso, 50)) {
    if (
      !(await claimRollout(
        ctx.db,
        id,
        owner,
        nowIso,
        new Date(now.getTime() + ROLLOUT_LEASE_MS).toISOString(),
      ))
    )
      continue;
    if (await runClaimedRollout(ctx, id, owner)) done++;
  }
  return done;
}

/** Rollout analysis, every second: each rollout is analysed at least once per its interval. */
export const rolloutAnalysisTask: BackgroundTask<AppContext> = {
  name: 'rollout-analysis',
  intervalMs: 1_000,
  async runOnce(ctx) {
    await runDueRollouts(ctx);
  },
};

import type { Executor } from './database.js';

/**
 * Claims the round of a periodic task that the whole cluster runs once per interval (a daily
 * purge, a periodic re-hash). The claim is one conditional `UPDATE … RETURNING`: of several
 * servers asking at once, exactly one gets the round; a round whose holder died is claimable
 * again once `leaseMs` has passed. True means this caller runs the round now.
 */
export async function claimTaskRound(
  db: Executor,
  name: string,
  token: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const at = now.toISOString();
  await db
    .insertInto('task_rounds')
    .values({ name, next_run_at: at, lease_token: null, lease_until: null, last_run_at: null })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const claimed = await db
    .updateTable('task_rounds')
    .set({ lease_token: token, lease_until: new Date(now.getTime() + leaseMs).toISOString() })
    .where('name', '=', name)
    .where('next_run_at', '<=', at)
    .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', at)]))
    .returning('name')
    .execute();
  return claimed.length === 1;
}

/** Ends a claimed round: the next one is due `intervalMs` after `now`. */
export async function completeTaskRound(
  db: Executor,
  name: string,
  token: string,
  now: Date,
  intervalMs: number,
): Promise<void> {
  await db
    .updateTable('task_rounds')
    .set({
      next_run_at: new Date(now.getTime() + intervalMs).toISOString(),
      lease_token: null,
      lease_until: null,
      last_run_at: now.toISOString(),
    })
    .where('name', '=', name)
    .where('lease_token', '=', token)
    .execute();
}

/** Gives a claimed round back without advancing it (the round failed; the next check retries). */
export async function releaseTaskRound(db: Executor, name: string, token: string): Promise<void> {
  await db
    .updateTable('task_rounds')
    .set({ lease_token: null, lease_until: null })
    .where('name', '=', name)
    .where('lease_token', '=', token)
    .execute();
}

import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import type { MonitorOutcome } from './monitor-outcome.types.js';

/**
 * Locks the model's row until the transaction ends (PostgreSQL; a SQLite write transaction
 * already excludes others). A transaction that publishes an outcome takes it before anything
 * else: before inserting rows that reference the model (a foreign key takes a KEY SHARE lock, and
 * two evaluations upgrading theirs to FOR UPDATE would wait on each other) and before the audit
 * chain's head. Rollout decisions take the same lock first, so every transaction that touches a
 * model's rollouts, alerts and results queues on one row, in one order.
 */
export async function lockModelForOutcome(trx: Executor, ctx: AppContext, modelId: string): Promise<void> {
  if (ctx.store.capabilities.rowLocks)
    await trx.selectFrom('models').select('id').where('id', '=', modelId).forUpdate().execute();
}

/**
 * Hands one evaluation's outcome to every subscribed reaction (`ctx.monitorReactions`, wired by
 * the server), in order, inside the caller's transaction. On PostgreSQL the model's row is locked
 * first ({@link lockModelForOutcome}; callers take it at the start of their transaction), so
 * concurrent evaluations of one model react one after the other and deduplication holds across
 * servers. Returns the reactions' counts added up by name.
 */
export async function publishMonitorOutcome(
  trx: Executor,
  ctx: AppContext,
  outcome: MonitorOutcome,
): Promise<Record<string, number>> {
  await lockModelForOutcome(trx, ctx, outcome.model.id);
  const totals: Record<string, number> = {};
  for (const reaction of ctx.monitorReactions) {
    const counts = await reaction.react(trx, ctx, outcome);
    for (const [name, n] of Object.entries(counts)) totals[name] = (totals[name] ?? 0) + n;
  }
  return totals;
}

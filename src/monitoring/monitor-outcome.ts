import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import type { MonitorOutcome } from './monitor-outcome.types.js';

/**
 * Hands one evaluation's outcome to every subscribed reaction (`ctx.monitorReactions`, wired by
 * the server), in order, inside the caller's transaction. On PostgreSQL the model's row is locked
 * first, so concurrent evaluations of one model react one after the other and deduplication holds
 * across servers. Returns the reactions' counts added up by name.
 */
export async function publishMonitorOutcome(
  trx: Executor,
  ctx: AppContext,
  outcome: MonitorOutcome,
): Promise<Record<string, number>> {
  if (ctx.store.capabilities.rowLocks)
    await trx.selectFrom('models').select('id').where('id', '=', outcome.model.id).forUpdate().execute();
  const totals: Record<string, number> = {};
  for (const reaction of ctx.monitorReactions) {
    const counts = await reaction.react(trx, ctx, outcome);
    for (const [name, n] of Object.entries(counts)) totals[name] = (totals[name] ?? 0) + n;
  }
  return totals;
}

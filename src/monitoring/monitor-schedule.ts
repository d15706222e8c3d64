import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { newId } from '../core/ids.js';
import type { Executor, StoreCapabilities } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { getActivePolicy } from '../policy/index.js';
import { requireModel } from '../registry/registry.service.js';
import { cadences, readMonitoringConfig } from './monitoring-config.js';
import type { MonitorScheduleTable } from './monitoring.table.js';
import { runModelMonitoring } from './monitoring.run.js';
import { RULE_FAMILIES, rulesOfFamilies, type RuleFamily } from './rules/evaluate.js';

/** How long a claimed evaluation may run before another server may take it over. */
const LEASE_MS = 5 * 60_000;
/** Evaluations claimed per round and server. */
const CLAIM_LIMIT = 10;

type ScheduleRow = Selectable<MonitorScheduleTable>;

/** The next slot strictly after `now`, on the grid `scheduled + k·interval` (missed slots are skipped). */
export function nextSlot(scheduled: Date, intervalMinutes: number, now: Date): Date {
  const step = intervalMinutes * 60_000;
  const k = Math.max(1, Math.floor((now.getTime() - scheduled.getTime()) / step) + 1);
  return new Date(scheduled.getTime() + k * step);
}

/**
 * Brings the schedule in line with the policy and each model's overrides: one row per
 * (model, family) with a cadence, first due now; rows whose family lost its cadence are removed.
 * Safe to run from several servers at once (inserts skip existing rows; updates are idempotent).
 */
async function syncSchedules(db: Executor, now: Date): Promise<void> {
  const policy = await getActivePolicy(db);
  const models = await db.selectFrom('models').select(['id', 'risk_tier']).execute();
  const existing = await db.selectFrom('monitor_schedule').selectAll().execute();
  const byKey = new Map(existing.map((r) => [`${r.model_id}/${r.family}`, r]));
  for (const model of models) {
    const config = await readMonitoringConfig(db, model.id);
    const minutes = cadences(policy.document, model.risk_tier, config);
    for (const family of RULE_FAMILIES) {
      const interval = minutes[family];
      const row = byKey.get(`${model.id}/${family}`);
      if (interval === null) {
        if (row) await db.deleteFrom('monitor_schedule').where('id', '=', row.id).execute();
      } else if (!row) {
        await db
          .insertInto('monitor_schedule')
          .values({
            id: newId('sch', now.getTime()),
            model_id: model.id,
            family,
            interval_minutes: interval,
            next_run_at: now.toISOString(),
            lease_token: null,
            lease_until: null,
            last_run_at: null,
          })
          .onConflict((oc) => oc.columns(['model_id', 'family']).doNothing())
          .execute();
      } else if (row.interval_minutes !== interval) {
        await db
          .updateTable('monitor_schedule')
          .set({ interval_minutes: interval })
          .where('id', '=', row.id)
          .execute();
      }
    }
  }
}

/**
 * Claims up to `limit` due evaluations with a lease, in one statement. On PostgreSQL the
 * candidate rows are locked with `FOR UPDATE SKIP LOCKED`, so concurrent servers claim disjoint
 * rows; on SQLite the statement runs alone. An expired lease (a server died mid-run) is claimable again.
 */
export async function claimDueSchedules(
  db: Executor,
  capabilities: StoreCapabilities,
  now: Date,
  token: string,
  limit = CLAIM_LIMIT,
): Promise<ScheduleRow[]> {
  const nowIso = now.toISOString();
  return db
    .updateTable('monitor_schedule')
    .set({ lease_token: token, lease_until: new Date(now.getTime() + LEASE_MS).toISOString() })
    .where('id', 'in', (eb) => {
      const due = eb
        .selectFrom('monitor_schedule')
        .select('id')
        .where('next_run_at', '<=', nowIso)
        .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', nowIso)]))
        .orderBy('next_run_at')
        .limit(limit);
      return capabilities.rowLocks ? due.forUpdate().skipLocked() : due;
    })
    .returningAll()
    .execute();
}

/**
 * Completes a claimed slot inside the run's transaction: advances `next_run_at` and drops the
 * lease, but only while this server still holds it. False means the lease was lost (the run
 * took longer than {@link LEASE_MS} and another server took over), and the run must roll back.
 */
async function completeSchedule(trx: Executor, row: ScheduleRow, token: string, now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('monitor_schedule')
    .set({
      next_run_at: nextSlot(new Date(row.next_run_at), row.interval_minutes, now).toISOString(),
      lease_token: null,
      lease_until: null,
      last_run_at: now.toISOString(),
    })
    .where('id', '=', row.id)
    .where('lease_token', '=', token)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives a slot back without running it (the model vanished or the run failed). */
async function releaseSchedule(db: Executor, row: ScheduleRow, token: string): Promise<void> {
  await db
    .updateTable('monitor_schedule')
    .set({ lease_token: null, lease_until: null })
    .where('id', '=', row.id)
    .where('lease_token', '=', token)
    .execute();
}

/**
 * One scheduler round: sync the schedule, claim due evaluations, run each (results, alerts and
 * the schedule advance commit together). Returns how many evaluations this server ran.
 */
export async function runDueMonitors(ctx: AppContext, runner = 'server'): Promise<number> {
  const now = ctx.now();
  await syncSchedules(ctx.db, now);
  const token = randomBytes(12).toString('hex');
  const claimed = await claimDueSchedules(ctx.db, ctx.store.capabilities, now, token);
  let ran = 0;
  for (const row of claimed) {
    try {
      const model = await requireModel(
        ctx.db,
        (
          await ctx.db
            .selectFrom('models')
            .select('name')
            .where('id', '=', row.model_id)
            .executeTakeFirstOrThrow()
        ).name,
      );
      const result = await runModelMonitoring(ctx, model, {
        now,
        rules: rulesOfFamilies([row.family as RuleFamily]),
        trigger: 'schedule',
        family: row.family,
        scheduledFor: row.next_run_at,
        runner,
        confirm: (trx) => completeSchedule(trx, row, token, now),
      });
      if (result) ran++;
    } catch (error) {
      // One failing model must not hold back the others: give its slot back and go on.
      console.error(`monitoring evaluation of ${row.model_id} (${row.family}) failed:`, error);
      await releaseSchedule(ctx.db, row, token);
    }
  }
  return ran;
}

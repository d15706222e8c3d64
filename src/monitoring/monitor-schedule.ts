import { randomBytes } from 'node:crypto';
import type { Insertable, Selectable } from 'kysely';
import { newId } from '../core/ids.js';
import type { Executor, StoreCapabilities } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { getActivePolicy } from '../policy/index.js';
import { observeScheduledSlot } from '../metrics/index.js';
import type { Model } from '../registry/model.schema.js';
import { requireModel } from '../registry/registry.service.js';
import { cadences, withDefaults, type MonitoringConfigInput } from './monitoring-config.js';
import type { MonitorScheduleTable } from './monitoring.table.js';
import { runModelMonitoring } from './monitoring.run.js';
import { RULE_FAMILIES, rulesOfFamilies, type RuleFamily } from './rules/evaluate.js';
import { publishMonitorOutcome } from './monitor-outcome.js';

/** How long a claimed evaluation may run before another server may take it over. */
const LEASE_MS = 5 * 60_000;
/** Due slots claimed at a time; a round claims again until nothing is due or its time is up. */
const CLAIM_BATCH = 20;
/** A round stops claiming after this long, so a server shuts down promptly; the next round goes on. */
const ROUND_BUDGET_MS = 20_000;
/** The schedule is brought in line with the policy at most this often per server. */
const SYNC_EVERY_MS = 30_000;
/**
 * A slot started more than this after its time is late: counted on `/metrics`
 * (`warden_monitor_slots_total{outcome="late"}`), and run all the same.
 */
export const LATE_AFTER_MS = 60_000;
/** The rule of the check a scheduled run publishes when its slot started later than its cadence. */
export const SCHEDULE_LAG_RULE = 'schedule_lag';

type ScheduleRow = Selectable<MonitorScheduleTable>;

/**
 * The slot after `scheduled`: exactly one cadence later. Slots missed while no server ran, or
 * while the servers were behind, stay due and are run late in order, never skipped.
 */
export function nextSlot(scheduled: Date, intervalMinutes: number): Date {
  return new Date(scheduled.getTime() + intervalMinutes * 60_000);
}

/** Rows written per statement when the schedule changes in bulk (well under both stores' parameter limits). */
const SYNC_CHUNK = 200;

/**
 * Brings the schedule in line with the policy and each model's overrides: one row per
 * (model, family) with a cadence, for models that have a version, first due now; rows whose family
 * lost its cadence are removed. Reads the models, which of them have versions, their overrides and
 * the schedule in four statements and writes only the differences in chunks, so a round costs
 * the same few statements whatever the number of models. Safe to run from several servers at once (inserts skip existing rows; updates are idempotent).
 */
async function syncSchedules(db: Executor, now: Date): Promise<void> {
  const policy = await getActivePolicy(db);
  const models = await db.selectFrom('models').select(['id', 'risk_tier']).execute();
  // A model without a version has nothing to evaluate: it is scheduled once its first version exists.
  const versioned = new Set(
    (await db.selectFrom('model_versions').select('model_id').distinct().execute()).map((v) => v.model_id),
  );
  const configs = await db.selectFrom('monitoring_configs').select(['model_id', 'config']).execute();
  const configOf = new Map(configs.map((c) => [c.model_id, c.config]));
  const existing = await db
    .selectFrom('monitor_schedule')
    .select(['id', 'model_id', 'family', 'interval_minutes'])
    .execute();
  const byKey = new Map(existing.map((r) => [`${r.model_id}/${r.family}`, r]));
  const inserts: Insertable<MonitorScheduleTable>[] = [];
  const deletes: string[] = [];
  const updates = new Map<number, string[]>();
  for (const model of models) {
    const stored = configOf.get(model.id);
    const config = withDefaults(stored === undefined ? {} : (JSON.parse(stored) as MonitoringConfigInput));
    const minutes = cadences(policy.document, model.risk_tier, config);
    for (const family of RULE_FAMILIES) {
      const interval = versioned.has(model.id) ? minutes[family] : null;
      const row = byKey.get(`${model.id}/${family}`);
      if (interval === null) {
        if (row) deletes.push(row.id);
      } else if (!row) {
        inserts.push({
          id: newId('sch', now.getTime()),
          model_id: model.id,
          family,
          interval_minutes: interval,
          next_run_at: now.toISOString(),
          lease_token: null,
          lease_until: null,
          last_run_at: null,
        });
      } else if (row.interval_minutes !== interval) {
        updates.set(interval, [...(updates.get(interval) ?? []), row.id]);
      }
    }
  }
  for (let i = 0; i < inserts.length; i += SYNC_CHUNK) {
    await db
      .insertInto('monitor_schedule')
      .values(inserts.slice(i, i + SYNC_CHUNK))
      .onConflict((oc) => oc.columns(['model_id', 'family']).doNothing())
      .execute();
  }
  for (let i = 0; i < deletes.length; i += SYNC_CHUNK) {
    await db
      .deleteFrom('monitor_schedule')
      .where('id', 'in', deletes.slice(i, i + SYNC_CHUNK))
      .execute();
  }
  for (const [interval, ids] of updates) {
    for (let i = 0; i < ids.length; i += SYNC_CHUNK) {
      await db
        .updateTable('monitor_schedule')
        .set({ interval_minutes: interval })
        .where('id', 'in', ids.slice(i, i + SYNC_CHUNK))
        .execute();
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
  limit = CLAIM_BATCH,
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
 * Completes a claimed slot inside the run's transaction: advances `next_run_at` by one cadence
 * and drops the lease, but only while this server still holds it. False means the lease was lost
 * (the run took longer than {@link LEASE_MS} and another server took over), and the run must roll back.
 */
async function completeSchedule(
  trx: Executor,
  row: ScheduleRow,
  token: string,
  startedAt: Date,
): Promise<boolean> {
  const result = await trx
    .updateTable('monitor_schedule')
    .set({
      next_run_at: nextSlot(new Date(row.next_run_at), row.interval_minutes).toISOString(),
      lease_token: null,
      lease_until: null,
      last_run_at: startedAt.toISOString(),
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

/** How late a slot started, and whether the slot before it started later than its cadence. */
export interface SlotLag {
  lagMs: number;
  late: boolean;
  /** This slot started more than one cadence after its time. */
  overCadence: boolean;
  /** The previous slot of this row did (so a clean check closes the episode). */
  previousOverCadence: boolean;
}

/** Pure: the lag of a slot started at `startedAt`. */
export function slotLag(
  row: Pick<ScheduleRow, 'next_run_at' | 'interval_minutes' | 'last_run_at'>,
  startedAt: Date,
): SlotLag {
  const slot = new Date(row.next_run_at).getTime();
  const cadenceMs = row.interval_minutes * 60_000;
  const lagMs = Math.max(0, startedAt.getTime() - slot);
  const previousLag = row.last_run_at === null ? 0 : new Date(row.last_run_at).getTime() - (slot - cadenceMs);
  return {
    lagMs,
    late: lagMs > LATE_AFTER_MS,
    overCadence: lagMs > cadenceMs,
    previousOverCadence: previousLag > cadenceMs,
  };
}

/**
 * Publishes, in the run's transaction, a `schedule_lag` check for the model when its slot
 * started later than its cadence (status alert, so an alert opens), and a clean one for the first
 * slot after such an episode. The check names the model's latest version.
 */
async function publishScheduleLag(
  trx: Executor,
  ctx: AppContext,
  model: Model,
  row: ScheduleRow,
  lag: SlotLag,
  startedAt: Date,
): Promise<void> {
  if (!lag.overCadence && !lag.previousOverCadence) return;
  const latest = await trx
    .selectFrom('model_versions')
    .select('version')
    .where('model_id', '=', model.id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!latest) return;
  const lagMinutes = Math.round(lag.lagMs / 600) / 100;
  await publishMonitorOutcome(trx, ctx, {
    model: { id: model.id, name: model.name, riskTier: model.riskTier },
    version: latest.version,
    now: startedAt,
    checks: [
      {
        rule: SCHEDULE_LAG_RULE,
        value: lagMinutes,
        threshold: row.interval_minutes,
        status: lag.overCadence ? 'alert' : 'ok',
        window: { from: row.next_run_at, to: startedAt.toISOString(), records: 1 },
        policyRule: `monitoring.cadence.${row.family}`,
        version: latest.version,
        detail: lag.overCadence
          ? `the ${row.family} evaluation due at ${row.next_run_at} started ${lagMinutes} min late, more than its cadence of ${row.interval_minutes} min: the scheduler is behind`
          : `the ${row.family} evaluation due at ${row.next_run_at} started within its cadence again`,
      },
    ],
  });
}

/** Runs one claimed slot at its own time (a late slot evaluates the window it was due for). */
async function runSlot(ctx: AppContext, row: ScheduleRow, token: string, runner: string): Promise<boolean> {
  const startedAt = ctx.now();
  const lag = slotLag(row, startedAt);
  try {
    const found = await ctx.db
      .selectFrom('models')
      .select('name')
      .where('id', '=', row.model_id)
      .executeTakeFirstOrThrow();
    const model = await requireModel(ctx.db, found.name);
    const result = await runModelMonitoring(ctx, model, {
      now: new Date(row.next_run_at),
      rules: rulesOfFamilies([row.family as RuleFamily]),
      trigger: 'schedule',
      family: row.family,
      scheduledFor: row.next_run_at,
      runner,
      confirm: async (trx) => {
        if (!(await completeSchedule(trx, row, token, startedAt))) return false;
        await publishScheduleLag(trx, ctx, model, row, lag, startedAt);
        return true;
      },
    });
    if (!result) return false;
    observeScheduledSlot(lag.lagMs / 1000, lag.late);
    return true;
  } catch (error) {
    // One failing model must not hold back the others: give its slot back and go on.
    console.error(`monitoring evaluation of ${row.model_id} (${row.family}) failed:`, error);
    await releaseSchedule(ctx.db, row, token);
    return false;
  }
}

const lastSync = new WeakMap<AppContext, number>();

/**
 * One scheduler round: sync the schedule (at most every {@link SYNC_EVERY_MS}), then claim due
 * slots oldest first, a batch at a time, and run them (results, reactions and the schedule
 * advance commit together), until nothing is due or the round's time is up. On PostgreSQL a few
 * run at once, so evaluations overlap their round trips; several servers claim disjoint slots, so
 * their capacity adds up. Returns how many evaluations this server ran.
 */
export async function runDueMonitors(
  ctx: AppContext,
  runner = 'server',
  options: { budgetMs?: number; concurrency?: number } = {},
): Promise<number> {
  const began = Date.now();
  const budget = options.budgetMs ?? ROUND_BUDGET_MS;
  const synced = lastSync.get(ctx);
  const now = ctx.now();
  if (synced === undefined || Math.abs(now.getTime() - synced) >= SYNC_EVERY_MS) {
    await syncSchedules(ctx.db, now);
    lastSync.set(ctx, now.getTime());
  }
  const concurrency = options.concurrency ?? (ctx.store.capabilities.rowLocks ? 4 : 1);
  const token = randomBytes(12).toString('hex');
  let ran = 0;
  while (Date.now() - began < budget) {
    const claimed = await claimDueSchedules(ctx.db, ctx.store.capabilities, ctx.now(), token, CLAIM_BATCH);
    if (claimed.length === 0) break;
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const row = claimed[next++]!;
        if (await runSlot(ctx, row, token, runner)) ran++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
  }
  return ran;
}

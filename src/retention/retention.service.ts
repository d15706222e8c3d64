import { createHash, randomBytes } from 'node:crypto';
import type { BackgroundTask } from '../core/background-task.js';
import type { Executor } from '../db/database.js';
import { claimTaskRound, completeTaskRound, releaseTaskRound } from '../db/task-rounds.js';
import type { AppContext, Principal } from '../http/context.js';
import { getActivePolicy, retentionPolicy } from '../policy/index.js';

const DAY_MS = 86_400_000;
/** Records deleted per purge (one transaction and one audit entry each). */
const PURGE_BATCH = 5_000;
const SYSTEM_ACTOR = 'warden';
const TASK = 'retention.purge';

/** One purge: the records of one model deleted in one transaction, as its audit entry states them. */
export interface Purge {
  model: string;
  tier: number;
  cutoff: string;
  records: number;
  labels: number;
  feedback: number;
  pending: number;
  from: string;
  to: string;
  idsSha256: string;
}

export interface RetentionRun {
  ranAt: string;
  purges: Purge[];
  /** Models under legal hold, whose records were left alone. */
  held: string[];
}

/**
 * SHA-256 of the purged ids, so an auditor holding a copy of the records can check what went:
 * each id `<kind>:<version id>:<record id>` (kind `record`, `label` or `feedback`; the last two
 * for labels or feedback that never met their record), sorted, joined with `\n`.
 */
export function purgedIdsDigest(ids: string[]): string {
  return createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex');
}

async function purgeBatch(
  trx: Executor,
  ctx: AppContext,
  model: { id: string; name: string; tier: number },
  cutoff: string,
  rule: string,
  actor: Principal | null,
  requestId: string | undefined,
): Promise<Purge | null> {
  if (ctx.store.capabilities.rowLocks)
    await trx.selectFrom('models').select('id').where('id', '=', model.id).forUpdate().execute();
  const hold = await trx
    .selectFrom('models')
    .select('legal_hold_at')
    .where('id', '=', model.id)
    .executeTakeFirst();
  if (!hold || hold.legal_hold_at !== null) return null;
  const versions = trx.selectFrom('model_versions').select('id').where('model_id', '=', model.id);
  const records = await trx
    .selectFrom('inference_records')
    .select(['version_id', 'record_id', 'ts', 'label', 'feedback'])
    .where('version_id', 'in', versions)
    .where('ts', '<', cutoff)
    .orderBy('ts')
    .limit(PURGE_BATCH)
    .execute();
  const pending = await trx
    .selectFrom('monitoring_pending')
    .select(['version_id', 'record_id', 'kind', 'received_at'])
    .where('version_id', 'in', versions)
    .where('received_at', '<', cutoff)
    .limit(PURGE_BATCH)
    .execute();
  if (records.length === 0 && pending.length === 0) return null;
  const byVersion = new Map<string, string[]>();
  for (const r of records) byVersion.set(r.version_id, [...(byVersion.get(r.version_id) ?? []), r.record_id]);
  for (const [versionId, ids] of byVersion)
    await trx
      .deleteFrom('inference_records')
      .where('version_id', '=', versionId)
      .where('record_id', 'in', ids)
      .execute();
  for (const p of pending)
    await trx
      .deleteFrom('monitoring_pending')
      .where('version_id', '=', p.version_id)
      .where('record_id', '=', p.record_id)
      .where('kind', '=', p.kind)
      .execute();
  const times = [...records.map((r) => r.ts), ...pending.map((p) => p.received_at)].sort();
  const purge: Purge = {
    model: model.name,
    tier: model.tier,
    cutoff,
    records: records.length,
    labels: records.filter((r) => r.label !== null).length,
    feedback: records.filter((r) => r.feedback !== null).length,
    pending: pending.length,
    from: times[0]!,
    to: times[times.length - 1]!,
    idsSha256: purgedIdsDigest([
      ...records.map((r) => `record:${r.version_id}:${r.record_id}`),
      ...pending.map((p) => `${p.kind}:${p.version_id}:${p.record_id}`),
    ]),
  };
  await ctx.audit.append(trx, {
    actor: actor?.name ?? SYSTEM_ACTOR,
    action: 'retention.purged',
    subject: `model:${model.name}`,
    ...(requestId ? { requestId } : {}),
    change: { ...purge, rule },
  });
  return purge;
}

/**
 * Purges raw inference records (with their labels and feedback) and labels or feedback still
 * waiting for their record, once older than the tier's `retention.rawRecordDays`. Window
 * profiles and audit entries are kept. A model under legal hold is skipped. Each purge (at most
 * {@link PURGE_BATCH} records of one model) is one transaction with one audit entry.
 */
export async function runRetention(
  ctx: AppContext,
  actor: { principal: Principal; requestId: string } | null = null,
): Promise<RetentionRun> {
  const now = ctx.now();
  const policy = await getActivePolicy(ctx.db);
  const models = await ctx.db
    .selectFrom('models')
    .select(['id', 'name', 'risk_tier', 'legal_hold_at'])
    .orderBy('name')
    .execute();
  const run: RetentionRun = { ranAt: now.toISOString(), purges: [], held: [] };
  for (const m of models) {
    if (m.legal_hold_at !== null) {
      run.held.push(m.name);
      continue;
    }
    const tier = Number(m.risk_tier);
    const days = retentionPolicy(policy.document, tier).rawRecordDays;
    const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
    const rule = `tiers.${tier}.retention.rawRecordDays (${days} days, policy version ${policy.version})`;
    for (;;) {
      const purge = await ctx.db
        .transaction()
        .execute((trx) =>
          purgeBatch(
            trx,
            ctx,
            { id: m.id, name: m.name, tier },
            cutoff,
            rule,
            actor?.principal ?? null,
            actor?.requestId,
          ),
        );
      if (!purge) break;
      run.purges.push(purge);
      if (purge.records < PURGE_BATCH && purge.pending < PURGE_BATCH) break;
    }
  }
  return run;
}

/**
 * The daily retention run. Every server asks every ten minutes; the round is claimed in
 * `task_rounds`, so one server runs it once a day.
 */
export const retentionTask: BackgroundTask<AppContext> = {
  name: TASK,
  intervalMs: 10 * 60_000,
  async runOnce(ctx) {
    const token = randomBytes(12).toString('hex');
    if (!(await claimTaskRound(ctx.db, TASK, token, ctx.now(), 3_600_000))) return;
    try {
      await runRetention(ctx);
      await completeTaskRound(ctx.db, TASK, token, ctx.now(), DAY_MS);
    } catch (error) {
      await releaseTaskRound(ctx.db, TASK, token);
      throw error;
    }
  },
};

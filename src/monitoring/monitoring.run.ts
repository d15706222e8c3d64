import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { requireModel } from '../registry/registry.service.js';
import type { Model } from '../registry/model.schema.js';
import { lockModelForOutcome, publishMonitorOutcome } from './monitor-outcome.js';
import { evaluateModel, storeChecks } from './monitoring.service.js';
import type { MonitorCheck } from './monitoring.types.js';

/** How an evaluation was started, for the run log. */
export interface RunOptions {
  now: Date;
  rules?: readonly string[];
  trigger: 'manual' | 'schedule';
  family: string;
  /** The schedule slot this run fills (manual runs use their own run id). */
  scheduledFor?: string;
  runner: string;
  /**
   * Called first inside the transaction that stores the results; returning false rolls the
   * run back (the scheduler uses it to confirm it still holds its lease).
   */
  confirm?: (trx: Executor) => Promise<boolean>;
  actor?: { name: string; requestId: string | null };
}

/** Thrown inside the storing transaction when the run must not be recorded; caught by the caller. */
class RunAbandoned extends Error {
  override readonly name = 'RunAbandoned';
}

/**
 * Evaluates a model and stores the results in one transaction: the checks of every version,
 * what the subscribed reactions make of them (`publishMonitorOutcome`), and one run-log row. Returns
 * every check, or null when `confirm` refused the run.
 */
export async function runModelMonitoring(
  ctx: AppContext,
  model: Model,
  options: RunOptions,
): Promise<{ runId: string; checks: MonitorCheck[] } | null> {
  const { config, policyVersion, evaluations } = await evaluateModel(ctx.db, model, {
    now: options.now,
    ...(options.rules ? { rules: options.rules } : {}),
  });
  const runId = newId('run', options.now.getTime());
  try {
    await ctx.db.transaction().execute(async (trx) => {
      // The model's row first: before the results' foreign keys and the audit chain's head.
      await lockModelForOutcome(trx, ctx, model.id);
      if (options.confirm && !(await options.confirm(trx))) throw new RunAbandoned();
      for (const evaluation of evaluations) {
        await storeChecks(trx, { model, evaluation, runId, policyVersion, now: options.now });
        await publishMonitorOutcome(trx, ctx, {
          model: { id: model.id, name: model.name, riskTier: model.riskTier },
          version: evaluation.version.version,
          checks: evaluation.checks,
          now: options.now,
          bucketMinutes: config.bucketMinutes,
        });
      }
      const checks = evaluations.reduce((n, e) => n + e.checks.length, 0);
      await trx
        .insertInto('monitoring_runs')
        .values({
          id: runId,
          model_id: model.id,
          family: options.family,
          scheduled_for: options.scheduledFor ?? runId,
          trigger: options.trigger,
          runner: options.runner,
          checks,
          finished_at: options.now.toISOString(),
        })
        .execute();
      if (options.actor) {
        const byStatus: Record<string, number> = {};
        for (const e of evaluations)
          for (const c of e.checks) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
        await ctx.audit.append(trx, {
          actor: options.actor.name,
          action: 'monitoring.evaluated',
          subject: `model:${model.name}`,
          requestId: options.actor.requestId,
          change: {
            runId,
            policyVersion,
            checks,
            byStatus,
            versions: evaluations.map((e) => e.version.version),
          },
        });
      }
    });
  } catch (error) {
    if (error instanceof RunAbandoned) return null;
    throw error;
  }
  return { runId, checks: evaluations.flatMap((e) => e.checks) };
}

/**
 * Evaluates a model's monitors now and returns every check (each with the policy rule its
 * threshold came from). The results are stored and published to the reactions.
 */
export async function runMonitoring(
  ctx: AppContext,
  modelName: string,
  options: { now: Date; rules?: string[]; actor?: { name: string; requestId: string | null } },
): Promise<{ checks: MonitorCheck[] }> {
  const model = await requireModel(ctx.db, modelName);
  const result = await runModelMonitoring(ctx, model, {
    now: options.now,
    ...(options.rules ? { rules: options.rules } : {}),
    trigger: 'manual',
    family: 'all',
    runner: 'api',
    ...(options.actor ? { actor: options.actor } : {}),
  });
  return { checks: result?.checks ?? [] };
}

import { auditRefusals } from '../audit/index.js';
import { WardenError, conflict, invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import type { CheckedModel, MonitorCheck } from '../monitoring/index.js';
import { getActivePolicy, monitoringPolicy } from '../policy/index.js';
import { findVersion } from '../registry/version.repository.js';
import { enqueueEvent } from '../webhooks/index.js';
import { pipelineWebhookUrl } from './pipeline-target.js';
import {
  isRetrainingTrigger,
  mergeReasons,
  scheduledRetrainingDue,
  SCHEDULE_RULE,
  widenWindow,
  type RetrainingReason,
} from './retraining-triggers.js';
import {
  findOpenRequest,
  findRequestRow,
  findRetrainingRequests,
  insertRetrainingRequest,
  latestRequestAt,
  toRetrainingRequest,
  updateRetrainingRequest,
} from './retraining.repository.js';
import type { RetrainingLog, RetrainingRequest, RetrainingResultInput } from './retraining.schema.js';

const SYSTEM_ACTOR = 'warden';

/**
 * Records that a model needs retraining, inside the caller's transaction (which must hold the
 * model's lock on PostgreSQL). With no open request a new one is made, audited and announced as
 * `retraining.requested` to the model's pipeline webhook and to subscribers; with one open, the
 * reasons are merged into it and its data window widened, without a second announcement.
 */
async function requestRetraining(
  trx: Executor,
  ctx: AppContext,
  input: {
    model: CheckedModel;
    version: string;
    reasons: RetrainingReason[];
    dataWindow: { from: string; to: string };
    now: Date;
  },
): Promise<'created' | 'merged' | 'unchanged'> {
  const at = input.now.toISOString();
  const open = await findOpenRequest(trx, input.model.id);
  if (open) {
    const merged = mergeReasons(JSON.parse(open.reasons) as RetrainingReason[], input.reasons);
    const window = widenWindow({ from: open.data_from, to: open.data_to }, input.dataWindow);
    if (!merged.changed && window.from === open.data_from && window.to === open.data_to) return 'unchanged';
    await updateRetrainingRequest(trx, open.id, {
      reasons: JSON.stringify(merged.reasons),
      data_from: window.from,
      data_to: window.to,
      updated_at: at,
    });
    await ctx.audit.append(trx, {
      actor: SYSTEM_ACTOR,
      action: 'retraining.reasons-added',
      subject: `retraining-request:${open.id}`,
      change: { reasons: input.reasons, dataWindow: window },
    });
    return 'merged';
  }
  const row = {
    id: newId('rtr'),
    model_id: input.model.id,
    model_name: input.model.name,
    version: input.version,
    reasons: JSON.stringify(mergeReasons([], input.reasons).reasons),
    data_from: input.dataWindow.from,
    data_to: input.dataWindow.to,
    status: 'requested',
    open: 1,
    created_at: at,
    updated_at: at,
    delivered_at: null,
    completed_at: null,
    reported_by: null,
    produced_version: null,
    outcome: null,
    metric_changes: null,
    note: null,
    kept_version: null,
    cost_amount: null,
    cost_currency: null,
  };
  await insertRetrainingRequest(trx, row);
  const request = toRetrainingRequest(row);
  const url = await pipelineWebhookUrl(trx, input.model.name);
  await ctx.audit.append(trx, {
    actor: SYSTEM_ACTOR,
    action: 'retraining.requested',
    subject: `retraining-request:${row.id}`,
    change: { ...request, pipelineWebhook: url ?? null },
  });
  const payload = { ...request, tier: input.model.riskTier };
  const subject = `retraining-request:${row.id}`;
  await enqueueEvent(trx, ctx, { type: 'retraining.requested', subject, payload });
  if (url !== undefined)
    await enqueueEvent(trx, ctx, { type: 'retraining.requested', subject, payload, url });
  return 'created';
}

/** The new-data volume rule counts records since the version was created, so it only grows. */
const VOLUME_RULE = 'new_data_volume';

/**
 * True when a closed request for this version already carried the new-data volume reason. The
 * volume keeps growing until a new version replaces this one, so asking again after the
 * pipeline answered would ask at every evaluation; the tier's schedule covers later retraining.
 */
async function volumeAlreadyAnswered(trx: Executor, modelId: string, version: string): Promise<boolean> {
  const rows = await trx
    .selectFrom('retraining_requests')
    .select('reasons')
    .where('model_id', '=', modelId)
    .where('version', '=', version)
    .where('open', 'is', null)
    .execute();
  return rows.some((r) => (JSON.parse(r.reasons) as RetrainingReason[]).some((x) => x.rule === VOLUME_RULE));
}

/**
 * Turns the trigger checks of one evaluation (alert status on a trigger rule) into a retraining
 * request for the model, or into reasons added to its open one. Returns 1 when a request was made.
 */
export async function applyChecksToRetraining(
  trx: Executor,
  ctx: AppContext,
  input: { model: CheckedModel; version: string; checks: MonitorCheck[]; now: Date },
): Promise<number> {
  let firing = input.checks.filter(isRetrainingTrigger);
  if (
    firing.some((c) => c.rule === VOLUME_RULE) &&
    (await volumeAlreadyAnswered(trx, input.model.id, input.version))
  )
    firing = firing.filter((c) => c.rule !== VOLUME_RULE);
  if (firing.length === 0) return 0;
  const at = input.now.toISOString();
  const reasons: RetrainingReason[] = firing.map((c) => ({
    rule: c.rule,
    ...(c.feature !== undefined ? { feature: c.feature } : {}),
    ...(c.segment !== undefined ? { segment: c.segment } : {}),
    value: c.value,
    threshold: c.threshold,
    at,
  }));
  const dataWindow = firing
    .map((c) => ({ from: c.window.from, to: c.window.to }))
    .reduce((a, b) => widenWindow(a, b));
  const outcome = await requestRetraining(trx, ctx, {
    model: input.model,
    version: input.version,
    reasons,
    dataWindow,
    now: input.now,
  });
  return outcome === 'created' ? 1 : 0;
}

/**
 * The tier's retraining schedule (weekly, bi-weekly, monthly …): for every model with a
 * production champion, asks for retraining once `scheduledRetrainingDays` have passed since the
 * model's last request, or since the champion version was created when there was none.
 * Each model is handled in its own transaction under the model's lock, so concurrent servers
 * ask once.
 */
export async function runRetrainingSchedule(ctx: AppContext, now: Date): Promise<number> {
  const models = await ctx.db
    .selectFrom('models')
    .select('id')
    .where('champion_version_id', 'is not', null)
    .orderBy('id')
    .execute();
  const doc = (await getActivePolicy(ctx.db)).document;
  let created = 0;
  for (const { id } of models) {
    const made = await ctx.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('models')
        .innerJoin('model_versions', 'model_versions.id', 'models.champion_version_id')
        .select([
          'models.id',
          'models.name',
          'models.risk_tier',
          'model_versions.version',
          'model_versions.created_at as version_created_at',
        ])
        .where('models.id', '=', id);
      if (ctx.store.capabilities.rowLocks) query = query.forUpdate(['models']);
      const model = await query.executeTakeFirst();
      if (!model) return false;
      const tier = Number(model.risk_tier);
      const everyDays = monitoringPolicy(doc, tier).triggers.scheduledRetrainingDays;
      const since = (await latestRequestAt(trx, model.id)) ?? model.version_created_at;
      const elapsed = scheduledRetrainingDue(since, everyDays, now);
      if (elapsed === null) return false;
      const outcome = await requestRetraining(trx, ctx, {
        model: { id: model.id, name: model.name, riskTier: tier },
        version: model.version,
        reasons: [{ rule: SCHEDULE_RULE, value: elapsed, threshold: everyDays, at: now.toISOString() }],
        dataWindow: { from: since, to: now.toISOString() },
        now,
      });
      return outcome === 'created';
    });
    if (made) created++;
  }
  return created;
}

/**
 * Marks requests `delivered` once the model's pipeline webhook has accepted the announcement
 * (a 2xx recorded by webhook delivery for the direct pipeline target). Requests of models without
 * a pipeline webhook stay `requested` until the pipeline reports a result.
 */
export async function markDeliveredRequests(ctx: AppContext): Promise<number> {
  const open = await ctx.db
    .selectFrom('retraining_requests')
    .select('id')
    .where('status', '=', 'requested')
    .execute();
  if (open.length === 0) return 0;
  const delivered = await ctx.db
    .selectFrom('webhook_deliveries')
    .select(['subject', 'delivered_at'])
    .where('event_type', '=', 'retraining.requested')
    .where('subscription_id', 'is', null)
    .where('status', '=', 'delivered')
    .where(
      'subject',
      'in',
      open.map((r) => `retraining-request:${r.id}`),
    )
    .execute();
  let marked = 0;
  for (const d of delivered) {
    const id = d.subject.slice('retraining-request:'.length);
    const changed = await ctx.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('retraining_requests')
        .set({ status: 'delivered', delivered_at: d.delivered_at, updated_at: ctx.now().toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'requested')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await ctx.audit.append(trx, {
        actor: SYSTEM_ACTOR,
        action: 'retraining.delivered',
        subject: `retraining-request:${id}`,
        change: { deliveredAt: d.delivered_at },
      });
      return true;
    });
    if (changed) marked++;
  }
  return marked;
}

export async function requireRetrainingRequest(db: Executor, id: string): Promise<RetrainingRequest> {
  const row = await findRequestRow(db, id);
  if (!row) throw notFound(`retraining request "${id}" does not exist`);
  return toRetrainingRequest(row);
}

/**
 * The production change request that put a version in production, if one executed: the registry's
 * proof that a "promoted" entry is true.
 */
async function findExecutedPromotion(
  db: Executor,
  modelId: string,
  version: string,
): Promise<{ id: string } | undefined> {
  return db
    .selectFrom('change_requests')
    .select('id')
    .where('model_id', '=', modelId)
    .where('version', '=', version)
    .where('kind', '=', 'transition')
    .where('to_stage', '=', 'production')
    .where('status', '=', 'executed')
    .executeTakeFirst();
}

/**
 * Checks a reported outcome against the registry: "promoted" names a version whose production
 * change request executed; "kept" names the production champion left in place (filled in when not
 * given). Refuses (400 or 409) naming the rule otherwise. Returns the champion kept, if any.
 */
async function checkOutcomeAgainstRegistry(
  db: Executor,
  row: { model_id: string; model_name: string },
  outcome: string | undefined,
  input: RetrainingResultInput,
): Promise<string | null> {
  if (outcome === 'promoted') {
    if (input.producedVersion === undefined)
      throw invalidInput(
        'rule retraining.promoted-names-version: a "promoted" outcome must name the promoted version in producedVersion',
        'producedVersion',
      );
    if (!(await findExecutedPromotion(db, row.model_id, input.producedVersion)))
      throw conflict(
        `rule retraining.promoted-needs-executed-production-request: ${row.model_name}@${input.producedVersion} has no executed change request to production; promote it through a change request first, or report "kept"`,
        'outcome',
      );
    return null;
  }
  if (input.keptVersion !== undefined && outcome !== 'kept')
    throw invalidInput('keptVersion belongs to a "kept" outcome only', 'keptVersion');
  if (outcome !== 'kept') return null;
  const model = await db
    .selectFrom('models')
    .select('champion_version_id')
    .where('id', '=', row.model_id)
    .executeTakeFirstOrThrow();
  const champion =
    model.champion_version_id === null
      ? undefined
      : await db
          .selectFrom('model_versions')
          .select('version')
          .where('id', '=', model.champion_version_id)
          .executeTakeFirst();
  if (!champion)
    throw conflict(
      `rule retraining.kept-names-champion: model "${row.model_name}" has no version in production, so no champion was kept; report "failed" or promote a version`,
      'outcome',
    );
  if (input.keptVersion !== undefined && input.keptVersion !== champion.version)
    throw conflict(
      `rule retraining.kept-names-champion: ${row.model_name}@${input.keptVersion} is not the production champion (${champion.version} is)`,
      'keptVersion',
    );
  if (input.producedVersion !== undefined && input.producedVersion === champion.version)
    throw conflict(
      `rule retraining.kept-names-champion: the run produced ${input.producedVersion}, the champion itself; a kept run's new version is not the champion`,
      'producedVersion',
    );
  return champion.version;
}

/**
 * The pipeline reports how a retraining run ended. Links the request to the version it produced
 * (which must be registered for the model) and records the decision — promoted, kept or failed —
 * checked against the registry, with the metric changes and the training cost. Refused (409)
 * when the request is already closed.
 */
export async function recordRetrainingResult(
  ctx: AppContext,
  actor: { principal: Principal; requestId: string },
  id: string,
  input: RetrainingResultInput,
): Promise<RetrainingRequest> {
  const outcome = input.status === 'failed' ? 'failed' : input.outcome;
  if (input.status === 'failed' && input.outcome !== undefined && input.outcome !== 'failed')
    throw invalidInput('a failed run has outcome "failed"', 'outcome');
  if (input.status === 'completed' && (outcome === undefined || outcome === 'failed'))
    throw invalidInput('a completed run needs outcome "promoted" or "kept"', 'outcome');
  return auditRefusals(
    ctx,
    {
      actor: actor.principal.name,
      requestId: actor.requestId,
      action: 'retraining.result_refused',
      subject: `retraining:${id}`,
    },
    () =>
      ctx.db.transaction().execute(async (trx) => {
        const row = await findRequestRow(trx, id, ctx.store.capabilities.rowLocks);
        if (!row) throw notFound(`retraining request "${id}" does not exist`);
        if (row.open !== 1)
          throw new WardenError('invalid_transition', `retraining request "${id}" is already ${row.status}`);
        if (
          input.producedVersion !== undefined &&
          !(await findVersion(trx, row.model_name, input.producedVersion))
        )
          throw invalidInput(
            `model "${row.model_name}" has no version "${input.producedVersion}"; register it before reporting`,
            'producedVersion',
          );
        const kept = await checkOutcomeAgainstRegistry(trx, row, outcome, input);
        const at = ctx.now().toISOString();
        const changes = {
          status: input.status,
          open: null,
          completed_at: at,
          updated_at: at,
          reported_by: actor.principal.name,
          produced_version: input.producedVersion ?? null,
          outcome: outcome ?? null,
          metric_changes: input.metricChanges ? JSON.stringify(input.metricChanges) : null,
          note: input.note ?? null,
          kept_version: kept,
          cost_amount: input.cost?.amount ?? null,
          cost_currency: input.cost?.currency ?? null,
        };
        await updateRetrainingRequest(trx, id, changes);
        await ctx.audit.append(trx, {
          actor: actor.principal.name,
          action: `retraining.${input.status}`,
          subject: `retraining-request:${id}`,
          requestId: actor.requestId,
          change: { ...input, outcome, ...(kept !== null ? { keptVersion: kept } : {}) },
        });
        return toRetrainingRequest({ ...row, ...changes });
      }),
  );
}

/** Sums amounts per currency, rounded to a millionth so that sums of cents stay exact. */
function sumByCurrency(
  costs: Array<{ amount: number; currency: string }>,
): Array<{ currency: string; amount: number }> {
  const totals = new Map<string, number>();
  for (const c of costs) totals.set(c.currency, (totals.get(c.currency) ?? 0) + c.amount);
  return [...totals]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, amount]) => ({ currency, amount: Math.round(amount * 1e6) / 1e6 }));
}

/** The retraining decision log of a model: every request, newest first, with its outcome. */
export async function retrainingLog(
  db: Executor,
  modelId: string,
  modelName: string,
): Promise<RetrainingLog> {
  const rows = await findRetrainingRequests(db, { modelName, limit: 1000 });
  const requests = rows.filter((r) => r.model_id === modelId).map(toRetrainingRequest);
  const count = (o: string) => requests.filter((r) => r.outcome === o).length;
  return {
    model: modelName,
    summary: {
      requests: requests.length,
      promoted: count('promoted'),
      kept: count('kept'),
      failed: count('failed'),
      open: requests.filter((r) => r.status === 'requested' || r.status === 'delivered').length,
      costSpent: sumByCurrency(requests.flatMap((r) => (r.cost ? [r.cost] : []))),
      costSaved: sumByCurrency(requests.flatMap((r) => (r.outcome === 'kept' && r.cost ? [r.cost] : []))),
    },
    entries: requests.map((r) => ({
      requestId: r.id,
      requestedAt: r.createdAt,
      ...(r.completedAt !== undefined ? { completedAt: r.completedAt } : {}),
      reasons: r.reasons,
      status: r.status,
      ...(r.outcome !== undefined ? { outcome: r.outcome } : {}),
      ...(r.producedVersion !== undefined ? { producedVersion: r.producedVersion } : {}),
      ...(r.metricChanges !== undefined ? { metricChanges: r.metricChanges } : {}),
      ...(r.note !== undefined ? { note: r.note } : {}),
      ...(r.keptVersion !== undefined ? { keptVersion: r.keptVersion } : {}),
      ...(r.cost !== undefined ? { cost: r.cost } : {}),
    })),
  };
}

import { notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import type { CheckedModel, MonitorCheck } from '../monitoring/index.js';
import { getActivePolicy, monitoringPolicy, type MonitoringPolicy } from '../policy/index.js';
import { enqueueEvent } from '../webhooks/index.js';
import { applyCheck, nextEscalation, type AlertingPolicy, type Severity } from './alert-state.js';
import {
  alertKey,
  findActiveAlertsOfModel,
  findOpenAlertIds,
  findAlertRow,
  insertAlert,
  toAlert,
  updateAlert,
  type AlertRow,
} from './alert.repository.js';
import type { Alert, LifecycleComment } from './alert.schema.js';
import { appendComment, lifecycleChanges } from './lifecycle-step.js';

/** The name system changes are audited under. */
const SYSTEM_ACTOR = 'warden';

/** Who is acting, for the audit entry. */
export interface Actor {
  principal: Principal;
  requestId: string;
}

/** The tier's monitoring policy (triggers and alerting) from the active governance policy. */
export async function loadMonitoringPolicy(db: Executor, tier: number): Promise<MonitoringPolicy> {
  const active = await getActivePolicy(db);
  return monitoringPolicy(active.document, tier);
}

/**
 * Applies one evaluation's checks to the model's alerts inside the caller's transaction: opens,
 * repeats and auto-resolves alerts, and puts `alert.opened` / `alert.resolved` into the webhook
 * outbox. Lifecycle changes (opened, severity raised, resolved) are audited; repeat and clean-window
 * counters are kept on the alert. The caller holds the model's lock (see `publishMonitorOutcome`).
 */
export async function applyChecksToAlerts(
  trx: Executor,
  ctx: AppContext,
  input: { model: CheckedModel; version: string; checks: MonitorCheck[]; now: Date },
  alerting: AlertingPolicy,
): Promise<{ opened: number; resolved: number }> {
  const { model, now } = input;
  const at = now.toISOString();
  const active = await findActiveAlertsOfModel(trx, model.id);
  let opened = 0;
  let resolved = 0;
  for (const check of input.checks) {
    const key = alertKey(model.id, check.rule, check.feature, check.segment);
    const row = active.get(key) ?? null;
    const action = applyCheck(
      row === null
        ? null
        : {
            status: row.status as 'open' | 'acknowledged',
            severity: row.severity as Severity,
            occurrences: Number(row.occurrences),
            cleanWindows: Number(row.clean_windows),
          },
      check,
      model.riskTier,
      alerting,
    );
    switch (action.kind) {
      case 'none':
        break;
      case 'open': {
        const id = newId('alr');
        const fresh = {
          id,
          model_id: model.id,
          model_name: model.name,
          version: check.version || input.version,
          rule: check.rule,
          feature: check.feature ?? null,
          segment: check.segment ?? null,
          active_key: key,
          policy_rule: check.policyRule,
          severity: action.severity,
          status: 'open',
          value: check.value,
          threshold: check.threshold,
          detail: check.detail ?? null,
          window_from: check.window.from,
          window_to: check.window.to,
          opened_at: at,
          last_seen_at: at,
          occurrences: 1,
          clean_windows: 0,
          escalation_level: 0,
          escalated_to: alerting.escalationChain[0] ?? '',
          escalated_at: null,
          acknowledged_by: null,
          acknowledged_at: null,
          resolved_by: null,
          resolved_at: null,
          comments: '[]',
          updated_at: at,
        };
        await insertAlert(trx, fresh);
        active.set(key, fresh);
        const alert = toAlert(fresh);
        await ctx.audit.append(trx, {
          actor: SYSTEM_ACTOR,
          action: 'alert.opened',
          subject: `alert:${id}`,
          change: { ...alert, tier: model.riskTier },
        });
        await enqueueEvent(trx, ctx, {
          type: 'alert.opened',
          subject: `alert:${id}`,
          payload: { ...alert, tier: model.riskTier },
        });
        opened++;
        break;
      }
      case 'repeat': {
        const changes = {
          version: check.version || input.version,
          severity: action.severity,
          value: check.value,
          threshold: check.threshold,
          detail: check.detail ?? null,
          window_from: check.window.from,
          window_to: check.window.to,
          last_seen_at: at,
          occurrences: action.occurrences,
          clean_windows: 0,
          updated_at: at,
        };
        await updateAlert(trx, row!.id, changes);
        active.set(key, { ...row!, ...changes });
        // Repeats only count; the trail records a repeat when it raises the severity.
        if (action.severity !== row!.severity)
          await ctx.audit.append(trx, {
            actor: SYSTEM_ACTOR,
            action: 'alert.severity-raised',
            subject: `alert:${row!.id}`,
            change: {
              from: row!.severity,
              to: action.severity,
              occurrences: action.occurrences,
              value: check.value,
              threshold: check.threshold,
              window: check.window,
            },
          });
        break;
      }
      case 'clean': {
        // The streak is a counter, audited when it resolves the alert.
        await updateAlert(trx, row!.id, { clean_windows: action.cleanWindows, updated_at: at });
        active.set(key, { ...row!, clean_windows: action.cleanWindows });
        break;
      }
      case 'resolve': {
        const note: LifecycleComment = {
          at,
          by: SYSTEM_ACTOR,
          action: 'auto-resolved',
          comment: `${action.cleanWindows} consecutive clean windows`,
        };
        const changes = {
          status: 'resolved',
          active_key: null,
          clean_windows: action.cleanWindows,
          resolved_by: SYSTEM_ACTOR,
          resolved_at: at,
          comments: appendComment(row!.comments, note),
          updated_at: at,
        };
        await updateAlert(trx, row!.id, changes);
        active.delete(key);
        const alert = toAlert({ ...row!, ...changes });
        await ctx.audit.append(trx, {
          actor: SYSTEM_ACTOR,
          action: 'alert.resolved',
          subject: `alert:${row!.id}`,
          change: { automatic: true, cleanWindows: action.cleanWindows, window: check.window },
        });
        await enqueueEvent(trx, ctx, {
          type: 'alert.resolved',
          subject: `alert:${row!.id}`,
          payload: { ...alert, automatic: true, tier: model.riskTier },
        });
        resolved++;
        break;
      }
    }
  }
  return { opened, resolved };
}

export async function requireAlert(db: Executor, id: string, lock = false): Promise<AlertRow> {
  const row = await findAlertRow(db, id, lock);
  if (!row) throw notFound(`alert "${id}" does not exist`);
  return row;
}

/** Acknowledges an open alert: stops its escalation. Refused (409) unless the alert is open. */
export async function acknowledgeAlert(
  ctx: AppContext,
  actor: Actor,
  id: string,
  comment: string,
): Promise<Alert> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await requireAlert(trx, id, ctx.store.capabilities.rowLocks);
    const at = ctx.now().toISOString();
    const changes = lifecycleChanges(
      { kind: 'alert', ...row },
      'acknowledged',
      actor.principal.name,
      at,
      comment,
    );
    await updateAlert(trx, id, changes);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'alert.acknowledged',
      subject: `alert:${id}`,
      requestId: actor.requestId,
      change: { comment, escalationLevel: Number(row.escalation_level) },
    });
    return toAlert({ ...row, ...changes });
  });
}

/** Resolves an open or acknowledged alert by hand. Refused (409) when it is already resolved. */
export async function resolveAlert(
  ctx: AppContext,
  actor: Actor,
  id: string,
  comment: string,
): Promise<Alert> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await requireAlert(trx, id, ctx.store.capabilities.rowLocks);
    const at = ctx.now().toISOString();
    const changes = lifecycleChanges(
      { kind: 'alert', ...row },
      'resolved',
      actor.principal.name,
      at,
      comment,
    );
    await updateAlert(trx, id, changes);
    const alert = toAlert({ ...row, ...changes });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'alert.resolved',
      subject: `alert:${id}`,
      requestId: actor.requestId,
      change: { automatic: false, comment },
    });
    const model = await trx
      .selectFrom('models')
      .select('risk_tier')
      .where('id', '=', row.model_id)
      .executeTakeFirstOrThrow();
    await enqueueEvent(trx, ctx, {
      type: 'alert.resolved',
      subject: `alert:${id}`,
      payload: { ...alert, automatic: false, tier: Number(model.risk_tier) },
    });
    return alert;
  });
}

/**
 * Moves every open alert whose acknowledgement deadline has passed one step up its tier's
 * escalation chain, as of `now`. Each alert escalates in its own transaction; on PostgreSQL the
 * rows are claimed with SKIP LOCKED so two servers never escalate the same alert twice.
 */
export async function escalateDueAlerts(ctx: AppContext, now: Date): Promise<number> {
  const candidates = await findOpenAlertIds(ctx.db, 1000);
  const policies = new Map<string, AlertingPolicy>();
  let escalated = 0;
  for (const candidate of candidates) {
    const done = await ctx.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('alerts')
        .selectAll()
        .where('id', '=', candidate)
        .where('status', '=', 'open');
      if (ctx.store.capabilities.rowLocks) query = query.forUpdate().skipLocked();
      const row = await query.executeTakeFirst();
      if (!row) return false;
      const model = await trx
        .selectFrom('models')
        .select('risk_tier')
        .where('id', '=', row.model_id)
        .executeTakeFirstOrThrow();
      const tier = Number(model.risk_tier);
      let alerting = policies.get(String(tier));
      if (!alerting) {
        alerting = (await loadMonitoringPolicy(trx, tier)).alerting;
        policies.set(String(tier), alerting);
      }
      const step = nextEscalation(
        {
          status: 'open',
          openedAt: row.opened_at,
          escalationLevel: Number(row.escalation_level),
          escalatedAt: row.escalated_at,
        },
        alerting,
        now,
      );
      if (!step) return false;
      const at = now.toISOString();
      const changes = {
        escalation_level: step.level,
        escalated_to: step.to,
        escalated_at: at,
        updated_at: at,
      };
      await updateAlert(trx, row.id, changes);
      const alert = toAlert({ ...row, ...changes });
      await ctx.audit.append(trx, {
        actor: SYSTEM_ACTOR,
        action: 'alert.escalated',
        subject: `alert:${row.id}`,
        change: {
          level: step.level,
          to: step.to,
          from: row.escalated_to,
          ackWithinMinutes: alerting.ackWithinMinutes,
        },
      });
      await enqueueEvent(trx, ctx, {
        type: 'alert.escalated',
        subject: `alert:${row.id}`,
        payload: { ...alert, tier },
      });
      return true;
    });
    if (done) escalated++;
  }
  return escalated;
}

/**
 * Opens an alert raised by an automatic action rather than a monitor window (a rollout rolled
 * back), inside the caller's transaction, audited and announced like any opened alert. The rule
 * names what raised it (`rollout:<id>`); a second call for the same active rule only counts.
 */
export async function openSystemAlert(
  trx: Executor,
  ctx: AppContext,
  input: {
    model: CheckedModel;
    version: string;
    rule: string;
    policyRule: string;
    severity: Severity;
    value: number | null;
    threshold: number | null;
    detail: string;
    from: string;
    now: Date;
  },
): Promise<string> {
  const at = input.now.toISOString();
  const key = alertKey(input.model.id, input.rule);
  const existing = (await findActiveAlertsOfModel(trx, input.model.id)).get(key);
  if (existing) {
    await updateAlert(trx, existing.id, {
      occurrences: Number(existing.occurrences) + 1,
      last_seen_at: at,
      updated_at: at,
    });
    return existing.id;
  }
  const { alerting } = await loadMonitoringPolicy(trx, input.model.riskTier);
  const id = newId('alr');
  const row = {
    id,
    model_id: input.model.id,
    model_name: input.model.name,
    version: input.version,
    rule: input.rule,
    feature: null,
    segment: null,
    active_key: key,
    policy_rule: input.policyRule,
    severity: input.severity,
    status: 'open',
    value: input.value,
    threshold: input.threshold,
    detail: input.detail,
    window_from: input.from,
    window_to: at,
    opened_at: at,
    last_seen_at: at,
    occurrences: 1,
    clean_windows: 0,
    escalation_level: 0,
    escalated_to: alerting.escalationChain[0] ?? '',
    escalated_at: null,
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_by: null,
    resolved_at: null,
    comments: '[]',
    updated_at: at,
  };
  await insertAlert(trx, row);
  const alert = toAlert(row);
  await ctx.audit.append(trx, {
    actor: SYSTEM_ACTOR,
    action: 'alert.opened',
    subject: `alert:${id}`,
    change: { ...alert, tier: input.model.riskTier },
  });
  await enqueueEvent(trx, ctx, {
    type: 'alert.opened',
    subject: `alert:${id}`,
    payload: { ...alert, tier: input.model.riskTier },
  });
  return id;
}

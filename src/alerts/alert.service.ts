import { notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import { monitorKind, type CheckedModel, type MonitorCheck } from '../monitoring/index.js';
import { getActivePolicy, monitoringPolicy, type MonitoringPolicy } from '../policy/index.js';
import { enqueueEvent } from '../webhooks/index.js';
import {
  applyGroupChecks,
  memberKey,
  nextEscalation,
  type AlertingPolicy,
  type AlertMember,
  type GroupCheck,
  type Severity,
} from './alert-state.js';
import {
  alertKey,
  findActiveAlertsOfModel,
  findOpenAlertIds,
  findAlertRow,
  insertAlert,
  readMembers,
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

/** The identity of a check's window: the start of the bucket its end falls in, or the end itself. */
function windowIdOf(to: string, bucketMinutes: number | undefined): string {
  if (bucketMinutes === undefined) return to;
  const bucket = bucketMinutes * 60_000;
  return new Date(Math.floor(Date.parse(to) / bucket) * bucket).toISOString();
}

/** The member that speaks for the alert in its top-level fields: the worst firing one, in member order. */
function headline(members: readonly AlertMember[]): AlertMember {
  const rank = (m: AlertMember) => (m.status === 'alert' ? 2 : m.status === 'warning' ? 1 : 0);
  let best = members[0]!;
  for (const m of members) if (rank(m) > rank(best)) best = m;
  return best;
}

function headlineColumns(members: readonly AlertMember[]) {
  const h = headline(members);
  return {
    version: h.version,
    rule: h.rule,
    feature: h.feature ?? null,
    segment: h.segment ?? null,
    policy_rule: h.policyRule,
    value: h.value,
    threshold: h.threshold,
    detail: h.detail ?? null,
    window_from: h.window.from,
    window_to: h.window.to,
  };
}

/**
 * Applies one evaluation's checks to the model's alerts inside the caller's transaction, grouped
 * by monitor kind (`monitorKind`: the rule family, e.g. every data-drift check of every feature
 * and segment in one alert): opens at most one alert per kind, repeats and auto-resolves it
 * (see `applyGroupChecks`), and puts `alert.opened` / `alert.resolved` into the webhook outbox.
 * A check already listed in an active alert goes to that alert. Lifecycle changes (opened,
 * severity raised, resolved) are audited; repeat and clean-window counters and the members'
 * latest verdicts are kept on the alert. The caller holds the model's lock (see `publishMonitorOutcome`).
 */
export async function applyChecksToAlerts(
  trx: Executor,
  ctx: AppContext,
  input: { model: CheckedModel; version: string; checks: MonitorCheck[]; now: Date; bucketMinutes?: number },
  alerting: AlertingPolicy,
): Promise<{ opened: number; resolved: number }> {
  const { model, now } = input;
  const at = now.toISOString();
  const active = await findActiveAlertsOfModel(trx, model.id);
  const owners = new Map<string, AlertRow>();
  for (const row of active.values()) for (const m of readMembers(row)) owners.set(memberKey(m), row);
  const groups = new Map<string, { kind: string; row: AlertRow | null; checks: GroupCheck[] }>();
  for (const check of input.checks) {
    const gc: GroupCheck = {
      rule: check.rule,
      ...(check.feature !== undefined ? { feature: check.feature } : {}),
      ...(check.segment !== undefined ? { segment: check.segment } : {}),
      version: check.version || input.version,
      status: check.status,
      value: check.value,
      threshold: check.threshold,
      policyRule: check.policyRule,
      ...(check.detail !== undefined ? { detail: check.detail } : {}),
      window: { from: check.window.from, to: check.window.to },
      windowId: windowIdOf(check.window.to, input.bucketMinutes),
    };
    const kind = monitorKind(check.rule);
    const row = owners.get(memberKey(gc)) ?? active.get(alertKey(model.id, kind)) ?? null;
    const target = row?.id ?? `new:${kind}`;
    const group = groups.get(target) ?? { kind: row?.kind || kind, row, checks: [] };
    group.checks.push(gc);
    groups.set(target, group);
  }
  let opened = 0;
  let resolved = 0;
  for (const { kind, row, checks } of groups.values()) {
    const action = applyGroupChecks(
      row === null
        ? null
        : {
            status: row.status as 'open' | 'acknowledged',
            severity: row.severity as Severity,
            occurrences: Number(row.occurrences),
            cleanWindows: Number(row.clean_windows),
            countedWindow: row.counted_window,
            members: readMembers(row),
          },
      checks,
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
          ...headlineColumns(action.members),
          kind,
          members: JSON.stringify(action.members),
          counted_window: action.countedWindow,
          active_key: alertKey(model.id, kind),
          severity: action.severity,
          status: 'open',
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
        const current = row!;
        const changes = {
          ...headlineColumns(action.members),
          severity: action.severity,
          members: JSON.stringify(action.members),
          counted_window: action.countedWindow,
          last_seen_at: at,
          occurrences: action.occurrences,
          clean_windows: 0,
          updated_at: at,
        };
        await updateAlert(trx, current.id, changes);
        // Repeats only count; the trail records a repeat when it raises the severity.
        if (action.severity !== current.severity)
          await ctx.audit.append(trx, {
            actor: SYSTEM_ACTOR,
            action: 'alert.severity-raised',
            subject: `alert:${current.id}`,
            change: {
              from: current.severity,
              to: action.severity,
              occurrences: action.occurrences,
              value: changes.value,
              threshold: changes.threshold,
              window: { from: changes.window_from, to: changes.window_to },
            },
          });
        break;
      }
      case 'update':
        await updateAlert(trx, row!.id, { members: JSON.stringify(action.members), updated_at: at });
        break;
      case 'clean':
        // The streak is a counter, audited when it resolves the alert.
        await updateAlert(trx, row!.id, {
          clean_windows: action.cleanWindows,
          members: JSON.stringify(action.members),
          counted_window: action.countedWindow,
          updated_at: at,
        });
        break;
      case 'resolve': {
        const current = row!;
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
          members: JSON.stringify(action.members),
          counted_window: action.countedWindow,
          resolved_by: SYSTEM_ACTOR,
          resolved_at: at,
          comments: appendComment(current.comments, note),
          updated_at: at,
        };
        await updateAlert(trx, current.id, changes);
        const alert = toAlert({ ...current, ...changes });
        const window = checks.find((c) => c.windowId === action.countedWindow)?.window;
        await ctx.audit.append(trx, {
          actor: SYSTEM_ACTOR,
          action: 'alert.resolved',
          subject: `alert:${current.id}`,
          change: { automatic: true, cleanWindows: action.cleanWindows, window },
        });
        await enqueueEvent(trx, ctx, {
          type: 'alert.resolved',
          subject: `alert:${current.id}`,
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
      { kind: 'alert', id: row.id, status: row.status, comments: row.comments },
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
      { kind: 'alert', id: row.id, status: row.status, comments: row.comments },
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
    /** Who is told first, instead of the first step of the tier's escalation chain. */
    notify?: string;
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
    kind: input.rule,
    members: '[]',
    counted_window: at,
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
    escalated_to: input.notify ?? alerting.escalationChain[0] ?? '',
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

/**
 * Resolves the active alert a system condition opened (see {@link openSystemAlert}) once the
 * condition has cleared, inside the caller's transaction, audited and announced like an
 * automatic resolution. Returns the alert id, or null when none was active.
 */
export async function resolveSystemAlert(
  trx: Executor,
  ctx: AppContext,
  input: { model: CheckedModel; rule: string; comment: string; now: Date },
): Promise<string | null> {
  const at = input.now.toISOString();
  const row = (await findActiveAlertsOfModel(trx, input.model.id)).get(alertKey(input.model.id, input.rule));
  if (!row) return null;
  const changes = {
    status: 'resolved',
    active_key: null,
    resolved_by: SYSTEM_ACTOR,
    resolved_at: at,
    comments: appendComment(row.comments, {
      at,
      by: SYSTEM_ACTOR,
      action: 'auto-resolved',
      comment: input.comment,
    }),
    updated_at: at,
  };
  await updateAlert(trx, row.id, changes);
  const alert = toAlert({ ...row, ...changes });
  await ctx.audit.append(trx, {
    actor: SYSTEM_ACTOR,
    action: 'alert.resolved',
    subject: `alert:${row.id}`,
    change: { automatic: true, comment: input.comment },
  });
  await enqueueEvent(trx, ctx, {
    type: 'alert.resolved',
    subject: `alert:${row.id}`,
    payload: { ...alert, automatic: true, tier: input.model.riskTier },
  });
  return row.id;
}

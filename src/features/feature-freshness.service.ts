import { openSystemAlert, resolveSystemAlert } from '../alerts/index.js';
import { invalidInput, notFound } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { enqueueEvent } from '../webhooks/index.js';
import {
  findFreshnessRow,
  findProductionConsumers,
  findWatchedFreshFeatures,
  markLate,
  saveFreshnessRow,
  type FeatureFreshnessRow,
} from './feature-freshness.repository.js';
import { freshnessMs, freshnessState } from './feature-freshness.rules.js';
import { findFeatureByName } from './feature.repository.js';
import type { Feature } from './feature.schema.js';
import type { FeatureActor } from './feature.service.js';

const SYSTEM_ACTOR = 'warden';
/** A heartbeat may be stamped this far ahead of the server's clock (clock skew), no further. */
const MAX_FUTURE_MS = 5 * 60_000;
const SEVERITY_BY_TIER = ['critical', 'high', 'medium', 'low'] as const;

/** A feature's freshness as the API shows it. */
export interface FeatureFreshness {
  feature: string;
  owner: string;
  /** The catalog's freshness SLA (e.g. "65m"); null when the feature has none. */
  sla: string | null;
  lastRefreshAt: string | null;
  lastRows: number | null;
  refreshes: number;
  /** When the next refresh is due (last refresh + SLA); null without SLA or heartbeat. */
  dueAt: string | null;
  late: boolean;
  lateSince: string | null;
}

function toFreshness(feature: Feature, row: FeatureFreshnessRow | undefined, now: Date): FeatureFreshness {
  const slaMs = feature.sla.freshness !== undefined ? freshnessMs(feature.sla.freshness) : null;
  const state = row && slaMs !== null ? freshnessState(row.last_refresh_at, slaMs, now) : null;
  return {
    feature: feature.name,
    owner: feature.owner,
    sla: feature.sla.freshness ?? null,
    lastRefreshAt: row?.last_refresh_at ?? null,
    lastRows: row?.last_rows === null || row === undefined ? null : Number(row.last_rows),
    refreshes: row ? Number(row.refreshes) : 0,
    dueAt: state?.dueAt ?? null,
    late: state?.late ?? false,
    lateSince: row?.late_since ?? null,
  };
}

async function requireFeatureIn(db: Executor, name: string): Promise<Feature> {
  const feature = await findFeatureByName(db, name);
  if (!feature) throw notFound(`feature "${name}" does not exist`);
  return feature;
}

/** The alert rule a late feature opens on each consuming model. */
function freshnessRule(feature: string): string {
  return `feature_freshness:${feature}`;
}

/** A feature's freshness now. */
export async function getFeatureFreshness(ctx: AppContext, name: string): Promise<FeatureFreshness> {
  const feature = await requireFeatureIn(ctx.db, name);
  return toFreshness(feature, await findFreshnessRow(ctx.db, feature.id, false), ctx.now());
}

/**
 * Records a refresh heartbeat (`at` defaults to now; a time more than 5 minutes ahead of the
 * server is refused; an earlier one than the latest known never moves it back). A late feature
 * that is fresh again recovers: its alerts resolve and `feature.fresh` is sent. Audited.
 */
export async function recordFeatureRefresh(
  ctx: AppContext,
  actor: FeatureActor,
  name: string,
  input: { at?: string | undefined; rows?: number | undefined },
): Promise<FeatureFreshness> {
  const now = ctx.now();
  const at = input.at !== undefined ? new Date(input.at) : now;
  if (at.getTime() > now.getTime() + MAX_FUTURE_MS)
    throw invalidInput(`at: ${input.at} is in the future (the server's time is ${now.toISOString()})`, 'at');
  return ctx.db.transaction().execute(async (trx) => {
    const feature = await requireFeatureIn(trx, name);
    const before = await findFreshnessRow(trx, feature.id, ctx.store.capabilities.rowLocks);
    const atIso = at.toISOString();
    const last = before && before.last_refresh_at > atIso ? before.last_refresh_at : atIso;
    const nowIso = now.toISOString();
    const row: FeatureFreshnessRow = {
      feature_id: feature.id,
      last_refresh_at: last,
      last_rows: last === atIso ? (input.rows ?? null) : (before?.last_rows ?? null),
      refreshes: Number(before?.refreshes ?? 0) + 1,
      late_since: before?.late_since ?? null,
      updated_at: nowIso,
    };
    const slaMs = feature.sla.freshness !== undefined ? freshnessMs(feature.sla.freshness) : null;
    const recovered = row.late_since !== null && (slaMs === null || !freshnessState(last, slaMs, now).late);
    const lateSince = row.late_since;
    if (recovered) row.late_since = null;
    await saveFreshnessRow(trx, row, before !== undefined);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'feature.refreshed',
      subject: `feature:${feature.name}`,
      requestId: actor.requestId,
      change: { at: atIso, rows: input.rows ?? null, lastRefreshAt: last },
    });
    if (recovered) await recover(trx, ctx, feature, { lateSince: lateSince!, lastRefreshAt: last, now });
    return toFreshness(feature, row, now);
  });
}

/** A late feature is fresh again: its alerts resolve, `feature.fresh` tells the owners. */
async function recover(
  trx: Executor,
  ctx: AppContext,
  feature: Feature,
  state: { lateSince: string; lastRefreshAt: string; now: Date },
): Promise<void> {
  const consumers = await findProductionConsumers(trx, feature.id);
  const resolved: string[] = [];
  const models = new Map(consumers.map((c) => [c.modelId, c]));
  for (const c of models.values()) {
    const id = await resolveSystemAlert(trx, ctx, {
      model: { id: c.modelId, name: c.model, riskTier: c.riskTier },
      rule: freshnessRule(feature.name),
      comment: `feature ${feature.name} refreshed at ${state.lastRefreshAt}`,
      now: state.now,
    });
    if (id !== null) resolved.push(id);
  }
  const change = {
    feature: feature.name,
    owner: feature.owner,
    lateSince: state.lateSince,
    lastRefreshAt: state.lastRefreshAt,
    resolvedAlerts: resolved,
  };
  await ctx.audit.append(trx, {
    actor: SYSTEM_ACTOR,
    action: 'feature.fresh',
    subject: `feature:${feature.name}`,
    change,
  });
  await enqueueEvent(trx, ctx, {
    type: 'feature.fresh',
    subject: `feature:${feature.name}`,
    payload: change,
  });
}

/**
 * Checks every feature with a freshness SLA that has sent a heartbeat: one whose last refresh is
 * older than its SLA is marked late (by one server only: a conditional update), an alert opens on
 * every model whose production version consumes it (told to the feature's owner and the model's
 * owner), and `feature.stale` names them all. Returns how many features this call marked late.
 */
export async function checkFeatureFreshness(ctx: AppContext, now: Date): Promise<number> {
  let marked = 0;
  for (const f of await findWatchedFreshFeatures(ctx.db)) {
    const slaMs = freshnessMs(f.sla);
    if (slaMs === null) continue;
    const state = freshnessState(f.last_refresh_at, slaMs, now);
    if (!state.late) continue;
    const done = await ctx.db.transaction().execute(async (trx) => {
      const at = now.toISOString();
      if (!(await markLate(trx, f.id, f.last_refresh_at, at))) return false;
      const consumers = await findProductionConsumers(trx, f.id);
      const alerts: string[] = [];
      const detail =
        `feature ${f.name} was last refreshed at ${f.last_refresh_at}, ${Math.round(state.ageMinutes)} minutes ago; ` +
        `its freshness SLA is ${f.sla} (due at ${state.dueAt}); feature owner ${f.owner}`;
      const byModel = new Map<string, (typeof consumers)[number]>();
      for (const c of consumers) if (!byModel.has(c.modelId)) byModel.set(c.modelId, c);
      for (const c of byModel.values()) {
        alerts.push(
          await openSystemAlert(trx, ctx, {
            model: { id: c.modelId, name: c.model, riskTier: c.riskTier },
            version: c.version,
            rule: freshnessRule(f.name),
            policyRule: 'feature.sla.freshness',
            severity: SEVERITY_BY_TIER[Math.min(Math.max(c.riskTier, 1), 4) - 1]!,
            value: Math.round(state.ageMinutes * 100) / 100,
            threshold: slaMs / 60_000,
            detail: `${detail}; consumed in production by ${c.model} ${c.version} (owner ${c.owner})`,
            from: f.last_refresh_at,
            now,
            notify: f.owner === c.owner ? f.owner : `${f.owner}, ${c.owner}`,
          }),
        );
      }
      const payload = {
        feature: f.name,
        owner: f.owner,
        sla: f.sla,
        lastRefreshAt: f.last_refresh_at,
        dueAt: state.dueAt,
        lateSince: at,
        consumers: consumers.map((c) => ({ model: c.model, version: c.version, owner: c.owner })),
        owners: [...new Set([f.owner, ...consumers.map((c) => c.owner)])].sort(),
        alerts,
      };
      await ctx.audit.append(trx, {
        actor: SYSTEM_ACTOR,
        action: 'feature.stale',
        subject: `feature:${f.name}`,
        change: payload,
      });
      await enqueueEvent(trx, ctx, { type: 'feature.stale', subject: `feature:${f.name}`, payload });
      return true;
    });
    if (done) marked++;
  }
  return marked;
}

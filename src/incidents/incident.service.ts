import { lifecycleChanges } from '../alerts/lifecycle-step.js';
import { notFound } from '../core/errors.js';
import { enqueueEvent } from '../webhooks/index.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import { isRateRule, type CheckedModel, type MonitorCheck } from '../monitoring/index.js';
import type { Incident } from './incident.schema.js';
import {
  findActiveIncident,
  findIncidentRow,
  incidentKey,
  insertIncident,
  toIncident,
  updateIncident,
  type IncidentRow,
} from './incident.repository.js';
import {
  DEFAULT_SPIKE_OPTIONS,
  SPIKE_TEST_NAME,
  testForSpike,
  type RateSample,
  type SpikeOptions,
} from './spike-test.js';

const SYSTEM_ACTOR = 'warden';

/** Trailing windows pooled into the baseline. */
const BASELINE_WINDOWS = 12;

/** Loads the previous windows of the same rule and segment, newest first, ending before `before`. */
export type BaselineLoader = (
  trx: Executor,
  query: { model: CheckedModel; rule: string; segment?: string; before: string; limit: number },
) => Promise<RateSample[]>;

/**
 * Tests each signal or feedback check with counts against its trailing baseline and opens an
 * incident on a spike (or repeats the active one of the same signal and segment). Runs inside the
 * caller's transaction; every change is audited.
 */
export async function applyChecksToIncidents(
  trx: Executor,
  ctx: AppContext,
  input: { model: CheckedModel; version: string; checks: MonitorCheck[]; now: Date },
  loadBaseline: BaselineLoader,
  options: SpikeOptions = DEFAULT_SPIKE_OPTIONS,
): Promise<number> {
  const at = input.now.toISOString();
  let opened = 0;
  for (const check of input.checks) {
    if (!isRateRule(check.rule) || check.n === undefined || check.count === undefined) continue;
    const baseline = await loadBaseline(trx, {
      model: input.model,
      rule: check.rule,
      ...(check.segment !== undefined ? { segment: check.segment } : {}),
      before: check.window.from,
      limit: BASELINE_WINDOWS,
    });
    const verdict = testForSpike({ n: check.n, count: check.count }, baseline, options);
    if (verdict.decision !== 'spike') continue;
    const key = incidentKey(input.model.id, check.rule, check.segment);
    const measured = {
      version: check.version || input.version,
      window_from: check.window.from,
      window_to: check.window.to,
      n: check.n,
      count: check.count,
      rate: verdict.rate,
      baseline_rate: verdict.baselineRate,
      baseline_n: verdict.baselineN,
      baseline_count: verdict.baselineCount,
      baseline_windows: verdict.baselineWindows,
      z: verdict.z,
      p_value: verdict.pValue,
      example_record_ids: JSON.stringify((check.exampleIds ?? []).slice(0, 20)),
      last_seen_at: at,
      updated_at: at,
    };
    const active = await findActiveIncident(trx, key);
    if (active) {
      const occurrences = Number(active.occurrences) + 1;
      await updateIncident(trx, active.id, { ...measured, occurrences });
      await ctx.audit.append(trx, {
        actor: SYSTEM_ACTOR,
        action: 'incident.repeated',
        subject: `incident:${active.id}`,
        change: { occurrences, rate: verdict.rate, pValue: verdict.pValue, window: check.window },
      });
      continue;
    }
    const row: IncidentRow = {
      id: newId('inc'),
      model_id: input.model.id,
      model_name: input.model.name,
      signal: check.rule,
      segment: check.segment ?? null,
      active_key: key,
      status: 'open',
      test: SPIKE_TEST_NAME,
      opened_at: at,
      occurrences: 1,
      acknowledged_by: null,
      acknowledged_at: null,
      resolved_by: null,
      resolved_at: null,
      comments: '[]',
      ...measured,
    };
    await insertIncident(trx, row);
    const incident = toIncident(row);
    await ctx.audit.append(trx, {
      actor: SYSTEM_ACTOR,
      action: 'incident.opened',
      subject: `incident:${row.id}`,
      change: { ...incident, alpha: options.alpha },
    });
    await enqueueEvent(trx, ctx, {
      type: 'incident.opened',
      subject: `model:${input.model.name}`,
      payload: incident,
    });
    opened++;
  }
  return opened;
}

export async function requireIncident(db: Executor, id: string, lock = false): Promise<IncidentRow> {
  const row = await findIncidentRow(db, id, lock);
  if (!row) throw notFound(`incident "${id}" does not exist`);
  return row;
}

/** Acknowledges an open incident. Refused (409) unless it is open. */
export function acknowledgeIncident(
  ctx: AppContext,
  actor: { principal: Principal; requestId: string },
  id: string,
  comment: string,
): Promise<Incident> {
  return stepIncident(ctx, actor, id, comment, 'acknowledged');
}

/** Resolves an open or acknowledged incident. Refused (409) when already resolved. */
export function resolveIncident(
  ctx: AppContext,
  actor: { principal: Principal; requestId: string },
  id: string,
  comment: string,
): Promise<Incident> {
  return stepIncident(ctx, actor, id, comment, 'resolved');
}

/** A person's acknowledge or resolve of an incident, with its audit entry (`incident.<step>`). */
function stepIncident(
  ctx: AppContext,
  actor: { principal: Principal; requestId: string },
  id: string,
  comment: string,
  step: 'acknowledged' | 'resolved',
): Promise<Incident> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await requireIncident(trx, id, ctx.store.capabilities.rowLocks);
    const at = ctx.now().toISOString();
    const changes = lifecycleChanges({ kind: 'incident', ...row }, step, actor.principal.name, at, comment);
    await updateIncident(trx, id, changes);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: `incident.${step}`,
      subject: `incident:${id}`,
      requestId: actor.requestId,
      change: { comment },
    });
    return toIncident({ ...row, ...changes });
  });
}

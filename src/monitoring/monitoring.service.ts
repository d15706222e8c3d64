import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import { newId } from '../core/ids.js';
import { explainabilityPolicy, getActivePolicy, monitoringPolicy } from '../policy/index.js';
import type { Model } from '../registry/model.schema.js';
import { findVersions } from '../registry/version.repository.js';
import type { ModelVersion } from '../registry/version.schema.js';
import { findWindowRows } from './ingestion.repository.js';
import {
  readMonitoringConfig,
  resolveThresholds,
  monitoringTask,
  ruleOptions,
  type MonitoringConfig,
} from './monitoring-config.js';
import type { MonitorCheck } from './monitoring.types.js';
import { loadReference } from './reference.service.js';
import { evaluateRules } from './rules/evaluate.js';
import type { Traffic } from './rules/sla.rules.js';
import type { TrendPoint } from './rules/trend.rules.js';
import { signalFired, WindowProfile } from './window-profile.js';

/** Segments evaluated per window: the largest ones by record count. */
const MAX_SEGMENTS = 50;
/** Example record ids attached to a signal or feedback check. */
const EXAMPLE_IDS = 5;

/** The evaluation window: explicit bounds plus the records it holds. */
interface EvaluationWindow {
  from: Date;
  to: Date;
}

async function evaluationWindow(
  db: Executor,
  versionIds: string[],
  config: MonitoringConfig,
  now: Date,
): Promise<EvaluationWindow> {
  if (config.windowRecords === undefined || versionIds.length === 0) {
    return { from: new Date(now.getTime() - config.windowHours * 3_600_000), to: now };
  }
  // Count window: walk back over whole buckets until they hold the requested number of records.
  const rows = await db
    .selectFrom('monitoring_windows')
    .select(['window_start', 'records'])
    .where('version_id', 'in', versionIds)
    .where('segment', '=', '')
    .where('window_start', '<=', now.toISOString())
    .orderBy('window_start', 'desc')
    .limit(10_000)
    .execute();
  let total = 0;
  let from = now;
  for (const r of rows) {
    total += Number(r.records);
    from = new Date(r.window_start);
    if (total >= config.windowRecords) break;
  }
  return { from, to: now };
}

/** Versions whose records fall in the window, and the champion whether or not it has any (its checks then show "no data"). */
async function versionsToEvaluate(
  db: Executor,
  model: Model,
  window: EvaluationWindow,
): Promise<ModelVersion[]> {
  const versions = await findVersions(db, { modelId: model.id, limit: 10_000 });
  if (versions.length === 0) return [];
  const active = await db
    .selectFrom('monitoring_windows')
    .select('version_id')
    .distinct()
    .where(
      'version_id',
      'in',
      versions.map((v) => v.id),
    )
    .where('window_start', '>=', window.from.toISOString())
    .where('window_start', '<=', window.to.toISOString())
    .execute();
  const ids = new Set(active.map((r) => r.version_id));
  // The champion is always judged: a production model that stopped reporting is an outage.
  return versions.filter((v) => ids.has(v.id) || v.version === model.championVersion);
}

/** Rolls the window's stored profiles up into one profile for the whole and one per segment. */
function rollUp(rows: { segment: string; profile: string }[]): {
  overall: WindowProfile;
  segments: Map<string, WindowProfile>;
} {
  const overall = new WindowProfile();
  const segments = new Map<string, WindowProfile>();
  for (const row of rows) {
    const profile = WindowProfile.parse(row.profile);
    if (row.segment === '') overall.merge(profile);
    else {
      const existing = segments.get(row.segment);
      if (existing) existing.merge(profile);
      else segments.set(row.segment, profile);
    }
  }
  if (segments.size > MAX_SEGMENTS) {
    const keep = [...segments].sort((a, b) => b[1].records - a[1].records).slice(0, MAX_SEGMENTS);
    return { overall, segments: new Map(keep) };
  }
  return { overall, segments };
}

/** A few record ids where a signal fired (or feedback was negative) in the window, for incident evidence. */
async function exampleIds(
  db: Executor,
  versionId: string,
  window: EvaluationWindow,
  check: MonitorCheck,
): Promise<string[]> {
  const signal = check.rule.startsWith('safety_signal:') ? check.rule.slice('safety_signal:'.length) : null;
  const column = signal !== null ? 'signals' : 'feedback';
  const needle = signal !== null ? `%${JSON.stringify(signal)}:%` : '%"rating":"down"%';
  const rows = await db
    .selectFrom('inference_records')
    .select(['record_id', 'signals'])
    .where('version_id', '=', versionId)
    .where('ts', '>=', window.from.toISOString())
    .where('ts', '<=', window.to.toISOString())
    .where(sql.ref(column), 'like', needle)
    .limit(EXAMPLE_IDS * 20)
    .execute();
  const out: string[] = [];
  for (const r of rows) {
    if (signal !== null) {
      const signals = r.signals === null ? {} : (JSON.parse(r.signals) as Record<string, boolean | string>);
      const value = signals[signal];
      if (value === undefined || !signalFired(value)) continue;
    }
    out.push(r.record_id);
    if (out.length >= EXAMPLE_IDS) break;
  }
  return out;
}

/**
 * The model's traffic over the window, for the throughput SLA: the records of every version in
 * the window's buckets, over the minutes from the first whole bucket of the window to `now` (or,
 * for a model whose first record falls inside the window, from that record).
 */
async function modelTraffic(
  db: Executor,
  versionIds: readonly string[],
  window: EvaluationWindow,
  bucketMinutes: number,
): Promise<Traffic> {
  const fromIso = window.from.toISOString();
  const toIso = window.to.toISOString();
  const rows = await db
    .selectFrom('monitoring_windows')
    .select(['window_start', 'records'])
    .where('version_id', 'in', versionIds)
    .where('segment', '=', '')
    .where('window_start', '>=', fromIso)
    .where('window_start', '<=', toIso)
    .execute();
  const records = rows.reduce((sum, r) => sum + Number(r.records), 0);
  const earlier = await db
    .selectFrom('monitoring_windows')
    .select('window_start')
    .where('version_id', 'in', versionIds)
    .where('segment', '=', '')
    .where('window_start', '<', fromIso)
    .limit(1)
    .executeTakeFirst();
  const bucket = bucketMinutes * 60_000;
  // Buckets are counted when they start inside the window: the span starts at the first boundary.
  let start = Math.ceil(window.from.getTime() / bucket) * bucket;
  if (!earlier && rows.length > 0) {
    const first = rows.reduce((a, r) => (r.window_start < a ? r.window_start : a), rows[0]!.window_start);
    const profiles = await db
      .selectFrom('monitoring_windows')
      .select('profile')
      .where('version_id', 'in', versionIds)
      .where('segment', '=', '')
      .where('window_start', '=', first)
      .execute();
    let firstAt = Number.POSITIVE_INFINITY;
    for (const p of profiles)
      firstAt = Math.min(firstAt, WindowProfile.parse(p.profile).firstAt ?? Date.parse(first));
    start = Math.max(start, firstAt);
  }
  return {
    records,
    minutes: Math.max(0, window.to.getTime() - start) / 60_000,
    since: new Date(start).toISOString(),
    everReported: rows.length > 0 || earlier !== undefined,
  };
}

/**
 * The version's last `count` stored buckets of the whole population up to `now`, oldest first,
 * with their records and signal firings, for the signal trend test.
 */
async function trendSeries(db: Executor, versionId: string, now: Date, count: number): Promise<TrendPoint[]> {
  const rows = await db
    .selectFrom('monitoring_windows')
    .select(['window_start', 'profile'])
    .where('version_id', '=', versionId)
    .where('segment', '=', '')
    .where('window_start', '<=', now.toISOString())
    .orderBy('window_start', 'desc')
    .limit(count)
    .execute();
  return rows.reverse().map((r) => {
    const profile = WindowProfile.parse(r.profile);
    const events: Record<string, number> = {};
    for (const [name, s] of Object.entries(profile.signals)) events[name] = s.events;
    return { start: r.window_start, records: profile.records, events };
  });
}

/** One version's evaluation. */
export interface VersionEvaluation {
  version: ModelVersion;
  checks: MonitorCheck[];
}

/**
 * Evaluates a model's monitors at `now` from stored profiles only (never raw records): for each
 * version with records in the window, the window's profiles are rolled up and every selected
 * rule runs over the whole population and each segment. Reads only; nothing is stored.
 */
export async function evaluateModel(
  db: Executor,
  model: Model,
  options: { now: Date; rules?: readonly string[] },
): Promise<{ config: MonitoringConfig; policyVersion: number; evaluations: VersionEvaluation[] }> {
  const [policy, config] = await Promise.all([getActivePolicy(db), readMonitoringConfig(db, model.id)]);
  const thresholds = resolveThresholds(policy.document, model.riskTier, config.thresholds);
  const versions = await findVersions(db, { modelId: model.id, limit: 10_000 });
  const window = await evaluationWindow(
    db,
    versions.map((v) => v.id),
    config,
    options.now,
  );
  const evaluations: VersionEvaluation[] = [];
  for (const version of await versionsToEvaluate(db, model, window)) {
    const rows = await findWindowRows(
      db,
      [version.id],
      window.from.toISOString(),
      new Date(window.to.getTime() + 1).toISOString(),
    );
    const { overall, segments } = rollUp(rows);
    const reference = await loadReference(db, version.id);
    const volume = await db
      .selectFrom('monitoring_windows')
      .select((eb) => eb.fn.sum<number>('records').as('total'))
      .where('version_id', '=', version.id)
      .where('segment', '=', '')
      .executeTakeFirst();
    const wanted = options.rules
      ? new Set(
          options.rules.map((r) =>
            r.startsWith('safety_signal:')
              ? 'safety_signal'
              : r.startsWith('signal_trend:')
                ? 'signal_trend'
                : r,
          ),
        )
      : undefined;
    const trend =
      wanted === undefined || wanted.has('signal_trend')
        ? await trendSeries(db, version.id, options.now, config.trendWindows)
        : undefined;
    const traffic =
      version.version === model.championVersion && (wanted === undefined || wanted.has('throughput'))
        ? await modelTraffic(
            db,
            versions.map((v) => v.id),
            window,
            config.bucketMinutes,
          )
        : undefined;
    const checks = evaluateRules({
      overall,
      segments,
      reference,
      baseline: version.metrics,
      segmentBaselines: version.segmentMetrics,
      inputSchema: version.inputSchema,
      thresholds,
      options: ruleOptions(
        config,
        monitoringTask(config, version.metrics),
        monitoringPolicy(policy.document, model.riskTier).alpha,
      ),
      sensitiveAttributes: config.sensitiveAttributes,
      newData: { records: Number(volume?.total ?? 0), since: version.createdAt },
      ...(traffic ? { traffic } : {}),
      ...(trend ? { trend } : {}),
      ...(wanted ? { rules: wanted } : {}),
      explainability: explainabilityPolicy(policy.document, model.riskTier),
    });
    const from = window.from.toISOString();
    const to = window.to.toISOString();
    const out: MonitorCheck[] = [];
    for (const c of checks) {
      const family = c.rule.startsWith('safety_signal:')
        ? 'safety_signal'
        : c.rule.startsWith('signal_trend:')
          ? 'signal_trend'
          : null;
      // Asked for one signal by name: its checks only.
      if (
        options.rules &&
        family !== null &&
        !options.rules.includes(family) &&
        !options.rules.includes(c.rule)
      )
        continue;
      const profile = c.segment === undefined ? overall : segments.get(c.segment);
      const records = profile?.records ?? 0;
      const labelled = profile ? labelledRecords(profile) : 0;
      const check: MonitorCheck = { ...c, window: { from, to, records, labelled }, version: version.version };
      if (
        (c.rule.startsWith('safety_signal:') || c.rule === 'negative_feedback_rate') &&
        (c.count ?? 0) > 0 &&
        c.segment === undefined
      ) {
        check.exampleIds = await exampleIds(db, version.id, window, check);
      }
      out.push(check);
    }
    evaluations.push({ version, checks: out });
  }
  return { config, policyVersion: policy.version, evaluations };
}

/** Records of a rolled-up window that have a label (every label counted once, pooled classes included). */
function labelledRecords(profile: WindowProfile): number {
  let n = 0;
  for (const count of Object.values(profile.labels)) n += count;
  return n;
}

/** Stores one evaluation's checks as time-series rows, inside the caller's transaction. */
export async function storeChecks(
  trx: Executor,
  input: { model: Model; evaluation: VersionEvaluation; runId: string; policyVersion: number; now: Date },
): Promise<void> {
  const evaluatedAt = input.now.toISOString();
  const rows = input.evaluation.checks.map((c) => ({
    id: newId('mon', input.now.getTime()),
    run_id: input.runId,
    model_id: input.model.id,
    version_id: input.evaluation.version.id,
    rule: c.rule,
    feature: c.feature ?? '',
    segment: c.segment ?? '',
    window_from: c.window.from,
    window_to: c.window.to,
    records: c.window.records,
    labelled: c.window.labelled ?? null,
    value: c.value,
    threshold: c.threshold,
    status: c.status,
    policy_rule: c.policyRule,
    policy_version: String(input.policyVersion),
    detail: JSON.stringify({
      ...(c.n !== undefined ? { n: c.n } : {}),
      ...(c.count !== undefined ? { count: c.count } : {}),
      ...(c.exampleIds !== undefined ? { exampleIds: c.exampleIds } : {}),
      ...(c.observed !== undefined ? { observed: c.observed } : {}),
      ...(c.baseline !== undefined ? { baseline: c.baseline } : {}),
      ...(c.detail !== undefined ? { detail: c.detail } : {}),
      ...(c.explanations !== undefined ? { explanations: c.explanations } : {}),
    }),
    evaluated_at: evaluatedAt,
  }));
  for (let i = 0; i < rows.length; i += 200) {
    await trx
      .insertInto('monitoring_results')
      .values(rows.slice(i, i + 200))
      .execute();
  }
}

import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import { newId } from '../core/ids.js';
import { getActivePolicy, monitoringPolicy } from '../policy/index.js';
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

/** Versions whose records fall in the window; the champion when none do (so its checks show "no data"). */
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
  const chosen = versions.filter((v) => ids.has(v.id));
  if (chosen.length > 0) return chosen;
  const champion = versions.find((v) => v.version === model.championVersion);
  return champion ? [champion] : [];
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
      ? new Set(options.rules.map((r) => (r.startsWith('safety_signal:') ? 'safety_signal' : r)))
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
      ...(wanted ? { rules: wanted } : {}),
    });
    const from = window.from.toISOString();
    const to = window.to.toISOString();
    const out: MonitorCheck[] = [];
    for (const c of checks) {
      if (
        options.rules &&
        c.rule.startsWith('safety_signal:') &&
        !options.rules.includes('safety_signal') &&
        !options.rules.includes(c.rule)
      )
        continue;
      const records = c.segment === undefined ? overall.records : (segments.get(c.segment)?.records ?? 0);
      const check: MonitorCheck = { ...c, window: { from, to, records }, version: version.version };
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

import type { Executor } from '../db/database.js';
import { decisionRightsFacts } from '../explanations/index.js';
import type { PerformanceCounts } from '../monitoring/window-profile.js';
import { getActivePolicy, tierPolicy, type PolicyDocument } from '../policy/index.js';
import type { Model } from '../registry/model.schema.js';
import { requireModel } from '../registry/registry.service.js';

/** Labelled performance of a set of records, summed from window profiles (exact counts). */
export interface PerformanceTotals extends PerformanceCounts {
  records: number;
  errors: number;
  labels: Record<string, number>;
}

/** Everything a periodic report or a post-implementation review reads, for one model and period. */
export interface ReportFacts {
  model: Model;
  policy: PolicyDocument;
  period: { from: string; to: string };
  /** Disputes of the model's decisions in the period, and opt-outs of its automated decisions up to its end. */
  decisionRights: Awaited<ReturnType<typeof decisionRightsFacts>>;
  /** Versions the period covers (all of the model's, or one for a review). */
  versions: Array<{
    id: string;
    version: string;
    metrics: Record<string, number>;
    segmentMetrics: Record<string, Record<string, number>>;
  }>;
  results: Array<{
    rule: string;
    feature: string;
    segment: string;
    status: string;
    value: number | null;
    threshold: number | null;
    windowTo: string;
    version: string;
  }>;
  /** Daily totals of the whole population, by day (YYYY-MM-DD). */
  daily: Array<{ day: string; totals: PerformanceTotals }>;
  /** Totals over the period per segment key ('' = everyone). */
  segments: Record<string, PerformanceTotals>;
  alerts: Array<{
    id: string;
    rule: string;
    severity: string;
    status: string;
    openedAt: string;
    acknowledgedAt: string | null;
    resolvedAt: string | null;
    version: string;
  }>;
  incidents: Array<{
    id: string;
    signal: string;
    status: string;
    openedAt: string;
    acknowledgedAt: string | null;
    resolvedAt: string | null;
  }>;
  retraining: Array<{
    id: string;
    status: string;
    reasons: string;
    createdAt: string;
    outcome: string | null;
    producedVersion: string | null;
  }>;
  changes: Array<{
    id: string;
    kind: string;
    version: string | null;
    from: string | null;
    to: string | null;
    status: string;
    executedAt: string | null;
  }>;
  deployments: Array<{
    id: string;
    version: string;
    environment: string;
    target: string;
    status: string;
    deployedAt: string;
    endedAt: string | null;
  }>;
  validation: Array<{
    version: string;
    passed: boolean;
    level: string;
    createdAt: string;
    summary: Record<string, unknown>;
  }>;
}

export function emptyTotals(): PerformanceTotals {
  return {
    records: 0,
    errors: 0,
    labels: {},
    labelled: 0,
    correct: 0,
    tp: 0,
    fp: 0,
    tn: 0,
    fn: 0,
    brierSum: 0,
    brierN: 0,
    brierSqSum: 0,
    brierSqN: 0,
  };
}

function addTotals(
  into: PerformanceTotals,
  p: { records: number; errors: number; labels: Record<string, number>; performance: PerformanceCounts },
): void {
  into.records += p.records;
  into.errors += p.errors ?? 0;
  for (const [k, n] of Object.entries(p.labels ?? {})) into.labels[k] = (into.labels[k] ?? 0) + n;
  for (const key of [
    'labelled',
    'correct',
    'tp',
    'fp',
    'tn',
    'fn',
    'brierSum',
    'brierN',
    'brierSqSum',
    'brierSqN',
  ] as const)
    into[key] += p.performance?.[key] ?? 0;
}

/**
 * Loads a model's records for a period. Monitoring windows are read as their stored profiles
 * (bounded per window and segment, however many records they hold), so a million-record period
 * costs as much as a small one.
 */
export async function loadReportFacts(
  db: Executor,
  modelName: string,
  period: { from: string; to: string },
  versionFilter?: string,
): Promise<ReportFacts> {
  const model = await requireModel(db, modelName);
  const policy = (await getActivePolicy(db)).document;
  tierPolicy(policy, model.riskTier);
  let vq = db
    .selectFrom('model_versions')
    .select(['id', 'version', 'metrics', 'segment_metrics'])
    .where('model_id', '=', model.id);
  if (versionFilter) vq = vq.where('version', '=', versionFilter);
  const versionRows = await vq.orderBy('id').execute();
  const versions = versionRows.map((v) => ({
    id: v.id,
    version: v.version,
    metrics: JSON.parse(v.metrics) as Record<string, number>,
    segmentMetrics: JSON.parse(v.segment_metrics) as Record<string, Record<string, number>>,
  }));
  const ids = versions.map((v) => v.id);
  const nameOf = new Map(versions.map((v) => [v.id, v.version]));
  const none = ids.length === 0;

  const results = none
    ? []
    : await db
        .selectFrom('monitoring_results')
        .select([
          'rule',
          'feature',
          'segment',
          'status',
          'value',
          'threshold',
          'window_to',
          'version_id',
          'id',
        ])
        .where('version_id', 'in', ids)
        .where('window_to', '>', period.from)
        .where('window_to', '<=', period.to)
        .orderBy('window_to')
        .orderBy('rule')
        .orderBy('feature')
        .orderBy('segment')
        .orderBy('id')
        .execute();

  const daily = new Map<string, PerformanceTotals>();
  const segments: Record<string, PerformanceTotals> = {};
  if (!none) {
    const windows = await db
      .selectFrom('monitoring_windows')
      .select(['window_start', 'segment', 'records', 'profile'])
      .where('version_id', 'in', ids)
      .where('window_start', '>=', period.from)
      .where('window_start', '<', period.to)
      .orderBy('window_start')
      .orderBy('segment')
      .orderBy('version_id')
      .execute();
    for (const w of windows) {
      const p = JSON.parse(w.profile) as {
        records: number;
        errors: number;
        labels: Record<string, number>;
        performance: PerformanceCounts;
      };
      addTotals((segments[w.segment] ??= emptyTotals()), p);
      if (w.segment === '') {
        const day = w.window_start.slice(0, 10);
        let t = daily.get(day);
        if (!t) daily.set(day, (t = emptyTotals()));
        addTotals(t, p);
      }
    }
  }

  const alerts = await db
    .selectFrom('alerts')
    .select(['id', 'rule', 'severity', 'status', 'opened_at', 'acknowledged_at', 'resolved_at', 'version'])
    .where('model_id', '=', model.id)
    .where('opened_at', '<=', period.to)
    .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', period.from)]))
    .$if(versionFilter !== undefined, (q) => q.where('version', '=', versionFilter!))
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
  const incidents = await db
    .selectFrom('incidents')
    .select(['id', 'signal', 'status', 'opened_at', 'acknowledged_at', 'resolved_at'])
    .where('model_id', '=', model.id)
    .where('opened_at', '<=', period.to)
    .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', period.from)]))
    .$if(versionFilter !== undefined, (q) => q.where('version', '=', versionFilter!))
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
  const retraining = await db
    .selectFrom('retraining_requests')
    .select(['id', 'status', 'reasons', 'created_at', 'outcome', 'produced_version'])
    .where('model_id', '=', model.id)
    .where('created_at', '>=', period.from)
    .where('created_at', '<', period.to)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const changes = await db
    .selectFrom('change_requests')
    .select(['id', 'kind', 'version', 'from_stage', 'to_stage', 'status', 'executed_at'])
    .where('model_id', '=', model.id)
    .where('created_at', '<', period.to)
    .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', period.from)]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const deployments = await db
    .selectFrom('deployments')
    .select(['id', 'version', 'environment', 'target', 'status', 'deployed_at', 'ended_at'])
    .where('model_id', '=', model.id)
    .where('deployed_at', '<', period.to)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', period.from)]))
    .$if(versionFilter !== undefined, (q) => q.where('version', '=', versionFilter!))
    .orderBy('deployed_at')
    .orderBy('id')
    .execute();
  const validation = none
    ? []
    : await db
        .selectFrom('validation_runs')
        .select(['version', 'passed', 'level', 'created_at', 'summary'])
        .where('version_id', 'in', ids)
        .where('created_at', '<', period.to)
        .orderBy('created_at')
        .orderBy('id')
        .execute();

  const decisionRights = await decisionRightsFacts(db, model.id, model.name, period.from, period.to);
  return {
    model,
    policy,
    period,
    decisionRights,
    versions,
    results: results.map((r) => ({
      rule: r.rule,
      feature: r.feature,
      segment: r.segment,
      status: r.status,
      value: r.value === null ? null : Number(r.value),
      threshold: r.threshold === null ? null : Number(r.threshold),
      windowTo: r.window_to,
      version: nameOf.get(r.version_id) ?? '',
    })),
    daily: [...daily.entries()].map(([day, totals]) => ({ day, totals })),
    segments,
    alerts: alerts.map((a) => ({
      id: a.id,
      rule: a.rule,
      severity: a.severity,
      status: a.status,
      openedAt: a.opened_at,
      acknowledgedAt: a.acknowledged_at,
      resolvedAt: a.resolved_at,
      version: a.version,
    })),
    incidents: incidents.map((i) => ({
      id: i.id,
      signal: i.signal,
      status: i.status,
      openedAt: i.opened_at,
      acknowledgedAt: i.acknowledged_at,
      resolvedAt: i.resolved_at,
    })),
    retraining: retraining.map((r) => ({
      id: r.id,
      status: r.status,
      reasons: r.reasons,
      createdAt: r.created_at,
      outcome: r.outcome,
      producedVersion: r.produced_version,
    })),
    changes: changes.map((c) => ({
      id: c.id,
      kind: c.kind,
      version: c.version,
      from: c.from_stage,
      to: c.to_stage,
      status: c.status,
      executedAt: c.executed_at,
    })),
    deployments: deployments.map((d) => ({
      id: d.id,
      version: d.version,
      environment: d.environment,
      target: d.target,
      status: d.status,
      deployedAt: d.deployed_at,
      endedAt: d.ended_at,
    })),
    validation: validation.map((v) => ({
      version: v.version,
      passed: Number(v.passed) === 1,
      level: v.level,
      createdAt: v.created_at,
      summary: JSON.parse(v.summary) as Record<string, unknown>,
    })),
  };
}

import semver from 'semver';
import type { Executor } from '../db/database.js';
import { findModelByName } from '../registry/model.repository.js';
import type { Model } from '../registry/model.schema.js';
import { requireVersion } from '../registry/registry.service.js';
import { findVersionBlobs } from '../registry/version.repository.js';
import type { ModelVersion } from '../registry/version.schema.js';
import { currentSections, type SectionRevision } from './model-card.repository.js';

/** A validation check as stored on a run. */
export interface StoredCheck {
  name: string;
  status: string;
  value: unknown;
  threshold: unknown;
  rule?: string;
  detail?: string;
  items?: Array<Record<string, unknown>>;
}

/** Everything a model card is generated from, loaded in one place; the builder only reads it. */
export interface ModelCardFacts {
  model: Model;
  version: ModelVersion;
  /** The version before this one (by semantic version), for the bump level. */
  previousVersion: string | null;
  features: Array<{ name: string; owner: string; type: string; semver: string; status: string }>;
  validationRuns: Array<{
    id: string;
    passed: boolean;
    level: string;
    createdAt: string;
    createdBy: string;
    checks: StoredCheck[];
    waivers: Array<{
      check: string;
      reason: string;
      status: string;
      until: string;
      requestedBy: string;
      approvedBy: string | null;
    }>;
  }>;
  changeRequests: Array<{
    id: string;
    from: string | null;
    to: string | null;
    status: string;
    requestedBy: string;
    reason: string;
    createdAt: string;
    executedAt: string | null;
    decisions: Array<{
      principal: string;
      role: string;
      decision: string;
      comment: string | null;
      at: string;
    }>;
  }>;
  deployments: Array<{
    id: string;
    environment: string;
    target: string;
    status: string;
    trafficPercent: number;
    deployedBy: string;
    deployedAt: string;
    endedAt: string | null;
  }>;
  monitoring: Array<{
    rule: string;
    feature: string;
    segment: string;
    status: string;
    value: number | null;
    threshold: number | null;
    evaluatedAt: string;
  }>;
  openAlerts: Array<{ id: string; rule: string; severity: string; status: string; openedAt: string }>;
  openIncidents: Array<{ id: string; signal: string; status: string; rate: number; openedAt: string }>;
  /** Current human-written sections (API revisions), newest revision each. */
  humanSections: SectionRevision[];
  /** The uploaded Markdown card, with who uploaded it and when (from the audit trail). */
  uploadedCard: { text: string; uploadedBy: string; uploadedAt: string } | null;
}

const json = <T>(text: string | null | undefined, fallback: T): T =>
  text ? (JSON.parse(text) as T) : fallback;

/** Loads the facts of one version's card; 404 when the model or version does not exist. */
export async function loadModelCardFacts(
  db: Executor,
  modelName: string,
  versionName: string,
): Promise<ModelCardFacts> {
  const version = await requireVersion(db, modelName, versionName);
  const model = (await findModelByName(db, modelName))!;
  const others = await db
    .selectFrom('model_versions')
    .select('version')
    .where('model_id', '=', model.id)
    .execute();
  const lower = others.map((v) => v.version).filter((v) => semver.lt(v, version.version));
  const previousVersion = lower.sort(semver.compare).at(-1) ?? null;

  const features = await db
    .selectFrom('version_features')
    .innerJoin('features', 'features.id', 'version_features.feature_id')
    .select(['features.name', 'features.owner', 'features.type', 'features.semver', 'features.status'])
    .where('version_features.version_id', '=', version.id)
    .orderBy('features.name')
    .execute();

  const runs = await db
    .selectFrom('validation_runs')
    .selectAll()
    .where('version_id', '=', version.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const waivers = runs.length
    ? await db
        .selectFrom('validation_waivers')
        .selectAll()
        .where(
          'run_id',
          'in',
          runs.map((r) => r.id),
        )
        .orderBy('requested_at')
        .orderBy('id')
        .execute()
    : [];

  const requests = await db
    .selectFrom('change_requests')
    .selectAll()
    .where('version_id', '=', version.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const decisions = requests.length
    ? await db
        .selectFrom('change_request_decisions')
        .selectAll()
        .where(
          'change_request_id',
          'in',
          requests.map((r) => r.id),
        )
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    : [];

  const deployments = await db
    .selectFrom('deployments')
    .selectAll()
    .where('version_id', '=', version.id)
    .orderBy('deployed_at')
    .orderBy('id')
    .execute();

  // The latest result of each monitor (rule, feature, segment) of this version.
  const results = await db
    .selectFrom('monitoring_results')
    .select(['rule', 'feature', 'segment', 'status', 'value', 'threshold', 'evaluated_at', 'window_to'])
    .where('version_id', '=', version.id)
    .orderBy('window_to', 'desc')
    .orderBy('id', 'desc')
    .limit(5000)
    .execute();
  const latest = new Map<string, (typeof results)[number]>();
  for (const r of results) {
    const key = `${r.rule}\u0000${r.feature}\u0000${r.segment}`;
    if (!latest.has(key)) latest.set(key, r);
  }

  const openAlerts = await db
    .selectFrom('alerts')
    .select(['id', 'rule', 'severity', 'status', 'opened_at'])
    .where('model_id', '=', model.id)
    .where('version', '=', version.version)
    .where('status', '!=', 'resolved')
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
  const openIncidents = await db
    .selectFrom('incidents')
    .select(['id', 'signal', 'status', 'rate', 'opened_at'])
    .where('model_id', '=', model.id)
    .where('version', '=', version.version)
    .where('status', '!=', 'resolved')
    .orderBy('opened_at')
    .orderBy('id')
    .execute();

  const blobs = await findVersionBlobs(db, version.id);
  let uploadedCard: ModelCardFacts['uploadedCard'] = null;
  if (blobs?.modelCard) {
    const entry = await db
      .selectFrom('audit_log')
      .select(['actor', 'at'])
      .where('subject', '=', `model:${model.name}@${version.version}`)
      .where('action', '=', 'version.model_card_set')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    uploadedCard = {
      text: blobs.modelCard,
      uploadedBy: entry?.actor ?? version.createdBy,
      uploadedAt: entry?.at ?? version.updatedAt,
    };
  }

  return {
    model,
    version,
    previousVersion,
    features,
    validationRuns: runs.map((r) => ({
      id: r.id,
      passed: Number(r.passed) === 1,
      level: r.level,
      createdAt: r.created_at,
      createdBy: r.created_by,
      checks: json<StoredCheck[]>(r.checks, []),
      waivers: waivers
        .filter((w) => w.run_id === r.id)
        .map((w) => ({
          check: w.check_name,
          reason: w.reason,
          status: w.status,
          until: w.until,
          requestedBy: w.requested_by,
          approvedBy: w.approved_by,
        })),
    })),
    changeRequests: requests.map((r) => ({
      id: r.id,
      from: r.from_stage,
      to: r.to_stage,
      status: r.status,
      requestedBy: r.requested_by,
      reason: r.reason,
      createdAt: r.created_at,
      executedAt: r.executed_at,
      decisions: decisions
        .filter((d) => d.change_request_id === r.id)
        .map((d) => ({
          principal: d.principal,
          role: d.role,
          decision: d.decision,
          comment: d.comment,
          at: d.created_at,
        })),
    })),
    deployments: deployments.map((d) => ({
      id: d.id,
      environment: d.environment,
      target: d.target,
      status: d.status,
      trafficPercent: Number(d.traffic_percent),
      deployedBy: d.deployed_by,
      deployedAt: d.deployed_at,
      endedAt: d.ended_at,
    })),
    monitoring: [...latest.values()]
      .map((r) => ({
        rule: r.rule,
        feature: r.feature,
        segment: r.segment,
        status: r.status,
        value: r.value === null ? null : Number(r.value),
        threshold: r.threshold === null ? null : Number(r.threshold),
        evaluatedAt: r.evaluated_at,
      }))
      .sort((a, b) =>
        `${a.rule}|${a.feature}|${a.segment}` < `${b.rule}|${b.feature}|${b.segment}` ? -1 : 1,
      ),
    openAlerts: openAlerts.map((a) => ({
      id: a.id,
      rule: a.rule,
      severity: a.severity,
      status: a.status,
      openedAt: a.opened_at,
    })),
    openIncidents: openIncidents.map((i) => ({
      id: i.id,
      signal: i.signal,
      status: i.status,
      rate: Number(i.rate),
      openedAt: i.opened_at,
    })),
    humanSections: await currentSections(db, version.id),
    uploadedCard,
  };
}

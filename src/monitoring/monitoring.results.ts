import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { encodePageToken } from '../http/pagination.js';
import { getActivePolicy, monitoringPolicy } from '../policy/index.js';
import { requireModel, type Actor } from '../registry/registry.service.js';
import {
  cadences,
  readMonitoringConfig,
  resolveThresholds,
  ruleOptions,
  withDefaults,
  type MonitoringConfig,
  type MonitoringConfigInput,
} from './monitoring-config.js';
import type { CheckStatus, MonitorCheck } from './monitoring.types.js';
import type { MonitorThresholds } from './rules/rule.types.js';
import { requireOutboundUrl } from '../core/outbound-url.js';

/** A stored monitoring result: the check plus when, by which run and under which policy version. */
export type StoredCheck = MonitorCheck & {
  id: string;
  runId: string;
  policyVersion: string;
  evaluatedAt: string;
};

/**
 * Monitoring results of a model, newest first, filtered by rule, feature, segment (`''` for
 * the whole population), version, status and evaluation time; paged by `after` (the last item's cursor).
 */
export async function listMonitoringResults(
  db: Executor,
  f: {
    modelName: string;
    rule?: string;
    feature?: string;
    segment?: string;
    version?: string;
    status?: CheckStatus;
    from?: string;
    to?: string;
    after?: { at: string; id: string };
    limit: number;
  },
): Promise<{ items: StoredCheck[]; nextPageToken?: string }> {
  const model = await requireModel(db, f.modelName);
  let q = db
    .selectFrom('monitoring_results')
    .innerJoin('model_versions', 'model_versions.id', 'monitoring_results.version_id')
    .selectAll('monitoring_results')
    .select('model_versions.version as version_name')
    .where('monitoring_results.model_id', '=', model.id);
  if (f.rule !== undefined) q = q.where('monitoring_results.rule', '=', f.rule);
  if (f.feature !== undefined) q = q.where('monitoring_results.feature', '=', f.feature);
  if (f.segment !== undefined) q = q.where('monitoring_results.segment', '=', f.segment);
  if (f.version !== undefined) q = q.where('model_versions.version', '=', f.version);
  if (f.status !== undefined) q = q.where('monitoring_results.status', '=', f.status);
  if (f.from !== undefined) q = q.where('monitoring_results.evaluated_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('monitoring_results.evaluated_at', '<', f.to);
  if (f.after) {
    const { at, id } = f.after;
    q = q.where((eb) =>
      eb.or([
        eb('monitoring_results.evaluated_at', '<', at),
        eb.and([eb('monitoring_results.evaluated_at', '=', at), eb('monitoring_results.id', '<', id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('monitoring_results.evaluated_at', 'desc')
    .orderBy('monitoring_results.id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const items = rows.slice(0, f.limit).map((r): StoredCheck => {
    const extra = JSON.parse(r.detail) as {
      n?: number;
      count?: number;
      exampleIds?: string[];
      observed?: number;
      baseline?: number;
      detail?: string;
      explanations?: MonitorCheck['explanations'];
    };
    return {
      id: r.id,
      runId: r.run_id,
      rule: r.rule,
      ...(r.feature !== '' ? { feature: r.feature } : {}),
      ...(r.segment !== '' ? { segment: r.segment } : {}),
      value: r.value,
      threshold: r.threshold,
      status: r.status as CheckStatus,
      window: {
        from: r.window_from,
        to: r.window_to,
        records: Number(r.records),
        ...(r.labelled !== null ? { labelled: Number(r.labelled) } : {}),
      },
      policyRule: r.policy_rule,
      policyVersion: r.policy_version,
      version: r.version_name,
      ...extra,
      evaluatedAt: r.evaluated_at,
    };
  });
  if (rows.length <= f.limit) return { items };
  const last = items[items.length - 1]!;
  return { items, nextPageToken: encodePageToken({ at: last.evaluatedAt, id: last.id }) };
}

/** A model's monitoring configuration plus the thresholds and cadences in force (with their sources). */
export type MonitoringConfigView = MonitoringConfig & {
  model: string;
  riskTier: number;
  policyVersion: number;
  effective: {
    thresholds: MonitorThresholds;
    thresholdSources: Record<string, string>;
    cadenceMinutes: Record<string, number | null>;
    /** Significance level of the verdicts: the model's, else the policy's, else Warden's default. */
    alpha: number;
  };
};

/**
 * The monitoring configuration of a model by name: its overrides (windows, cadences,
 * thresholds, `storeRawFeatures`, `pipelineWebhookUrl`, sensitive attributes) with defaults
 * filled in, and the effective thresholds and cadences of its tier.
 */
export async function getMonitoringConfig(db: Executor, modelName: string): Promise<MonitoringConfigView> {
  const model = await requireModel(db, modelName);
  const [config, policy] = await Promise.all([readMonitoringConfig(db, model.id), getActivePolicy(db)]);
  const thresholds = resolveThresholds(policy.document, model.riskTier, config.thresholds);
  return {
    ...config,
    model: model.name,
    riskTier: model.riskTier,
    policyVersion: policy.version,
    effective: {
      thresholds: thresholds.values,
      thresholdSources: thresholds.sources,
      cadenceMinutes: cadences(policy.document, model.riskTier, config),
      alpha: ruleOptions(config, undefined, monitoringPolicy(policy.document, model.riskTier).alpha).alpha,
    },
  };
}

/** The configuration a model stores as it was given (no defaults filled in); `{}` when none. */
export async function readStoredMonitoringConfig(
  db: Executor,
  modelId: string,
): Promise<MonitoringConfigInput> {
  const row = await db
    .selectFrom('monitoring_configs')
    .select('config')
    .where('model_id', '=', modelId)
    .executeTakeFirst();
  return row ? (JSON.parse(row.config) as MonitoringConfigInput) : {};
}

/** Refuses (400) a configuration whose webhook URL may not be reached; fills nothing in. */
export function checkMonitoringConfig(ctx: AppContext, input: MonitoringConfigInput): void {
  withDefaults(input);
  if (input.pipelineWebhookUrl)
    requireOutboundUrl(input.pipelineWebhookUrl, ctx.config.webhookAllow, 'pipelineWebhookUrl');
}

/**
 * Stores a model's monitoring configuration in the caller's transaction, with its audit entry
 * (naming the tightenings, the loosenings held for approval, or the change request that approved it).
 */
export async function storeMonitoringConfig(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  model: { id: string; name: string },
  input: MonitoringConfigInput,
  note: { changeRequestId?: string; heldForApproval?: string[] } = {},
): Promise<void> {
  const now = ctx.now().toISOString();
  const values = { config: JSON.stringify(input), updated_at: now, updated_by: actor.principal.name };
  await trx
    .insertInto('monitoring_configs')
    .values({ model_id: model.id, ...values })
    .onConflict((oc) => oc.column('model_id').doUpdateSet(values))
    .execute();
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'monitoring.config_set',
    subject: `model:${model.name}`,
    requestId: actor.requestId,
    change: { ...input, ...note },
  });
}

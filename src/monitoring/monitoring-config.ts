import { z } from '@hono/zod-openapi';
import type { Executor } from '../db/database.js';
import { monitoringPolicy, tierPolicy, type PolicyDocument } from '../policy/index.js';
import {
  DEFAULT_RULE_OPTIONS,
  type MonitorThresholds,
  type ResolvedThresholds,
  type RuleOptions,
  type ThresholdName,
} from './rules/rule.types.js';
import type { RuleFamily } from './rules/evaluate.js';
import { MONITORING_TASKS, type MonitoringTask } from './monitoring.types.js';

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().min(0);
const cadence = z.number().int().min(1).max(525_600).nullable();

/** Per-model threshold overrides; any left out come from the policy (or Warden's defaults). */
const thresholdOverridesSchema = z
  .strictObject({
    accuracyDecayPct: nonNegative,
    precisionDecayPct: nonNegative,
    recallDecayPct: nonNegative,
    dataDriftPsi: nonNegative,
    conceptDriftPsi: nonNegative,
    missingIncreasePts: nonNegative,
    schemaChange: z.enum(['immediate', 'next-business-day']),
    brierDrift: nonNegative,
    newDataVolume: z.number().int().min(1),
    errorRatePct: nonNegative,
    latencyP95Ms: positive.nullable(),
    latencyP99Ms: positive.nullable(),
    throughputPerMinute: positive.nullable(),
    costPer1kPredictions: nonNegative.nullable(),
    tokensPerWindow: z.number().int().min(0).nullable(),
    newCategoryPct: nonNegative,
    safetySignalRatePct: nonNegative,
    negativeFeedbackRatePct: nonNegative,
    equalOpportunityDiff: nonNegative,
    rmseIncreasePct: nonNegative,
    maeIncreasePct: nonNegative,
    mapeIncreasePct: nonNegative,
    r2Decay: nonNegative,
  })
  .partial();

/** A model's monitoring configuration; every field is optional and has a documented default. */
export const monitoringConfigSchema = z
  .strictObject({
    task: z.enum(MONITORING_TASKS).optional().openapi({
      description:
        'classification (default) or regression: which performance rules apply and whether predictions and labels must be numbers. Unset: regression when the version records only regression metrics (mae, rmse, mape, r2)',
    }),
    bucketMinutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .optional()
      .openapi({ description: 'Length of a stored window profile (time bucket), minutes; default 60' }),
    windowHours: z
      .number()
      .finite()
      .positive()
      .max(24 * 366)
      .optional()
      .openapi({ description: 'Evaluation window: the last N hours of buckets; default 24' }),
    windowRecords: z.number().int().min(1).optional().openapi({
      description: 'Count window instead: the most recent buckets holding at least this many records',
    }),
    trendWindows: z.number().int().min(4).max(720).optional().openapi({
      description: 'Buckets the signal trend test (Mann-Kendall) looks back over; default 12',
    }),
    cadenceMinutes: z
      .strictObject({ performance: cadence, dataDrift: cadence, conceptDrift: cadence, fairness: cadence })
      .partial()
      .optional()
      .openapi({ description: 'Overrides the policy cadence per rule family (null: not scheduled)' }),
    thresholds: thresholdOverridesSchema.optional(),
    minRecords: z.number().int().min(1).optional(),
    minLabels: z.number().int().min(1).optional(),
    warningFraction: z.number().finite().gt(0).lt(1).optional(),
    alpha: z.number().finite().gt(0).max(0.5).optional().openapi({
      description:
        "Significance level of the monitors' verdicts; overrides the policy's monitoring.alpha (default 0.01)",
    }),
    positiveClass: z.string().min(1).max(200).optional(),
    storeRawFeatures: z.boolean().optional().openapi({
      description: 'false: keep only the input hash and the profiles, not the raw features (default true)',
    }),
    pipelineWebhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional()
      .openapi({ description: 'http or https URL the retraining requests are POSTed to' }),
    sensitiveAttributes: z.array(z.string().min(1).max(200)).max(50).optional(),
  })
  .superRefine((config, ctx) => {
    // A window shorter than one bucket would be evaluated over a bucket it only partly covers.
    const bucketMinutes = config.bucketMinutes ?? 60;
    const windowHours = config.windowHours ?? 24;
    if (windowHours * 60 < bucketMinutes)
      ctx.addIssue({
        code: 'custom',
        path: ['windowHours'],
        message: `the window (${windowHours} h = ${windowHours * 60} min) must span at least one bucket (bucketMinutes ${bucketMinutes})`,
      });
  })
  .openapi('MonitoringConfig', {
    description:
      'A model’s monitoring configuration: features, windows, sensitive attributes, retraining webhook',
  });

export type MonitoringConfigInput = z.infer<typeof monitoringConfigSchema>;

/** A model's monitoring configuration with every default filled in. */
export interface MonitoringConfig {
  /** The task set for the model; undefined when it is inferred per version ({@link monitoringTask}). */
  task?: MonitoringTask;
  bucketMinutes: number;
  windowHours: number;
  windowRecords?: number;
  /** Buckets the signal trend test looks back over. */
  trendWindows: number;
  cadenceMinutes: Partial<Record<RuleFamily, number | null>>;
  thresholds: Partial<MonitorThresholds>;
  minRecords: number;
  minLabels: number;
  warningFraction: number;
  /** The model's own significance level; undefined when the policy's (or Warden's default) applies. */
  alpha?: number;
  positiveClass: string;
  storeRawFeatures: boolean;
  pipelineWebhookUrl?: string;
  sensitiveAttributes: string[];
  /** When the config was last changed, and by whom (absent when never set). */
  updatedAt?: string;
  updatedBy?: string;
}

/** Fills the defaults in a stored (or absent) configuration. */
export function withDefaults(input: MonitoringConfigInput): MonitoringConfig {
  return {
    ...(input.task !== undefined ? { task: input.task } : {}),
    bucketMinutes: input.bucketMinutes ?? 60,
    windowHours: input.windowHours ?? 24,
    ...(input.windowRecords !== undefined ? { windowRecords: input.windowRecords } : {}),
    trendWindows: input.trendWindows ?? 12,
    cadenceMinutes: input.cadenceMinutes ?? {},
    thresholds: input.thresholds ?? {},
    minRecords: input.minRecords ?? DEFAULT_RULE_OPTIONS.minRecords,
    minLabels: input.minLabels ?? DEFAULT_RULE_OPTIONS.minLabels,
    warningFraction: input.warningFraction ?? DEFAULT_RULE_OPTIONS.warningFraction,
    ...(input.alpha !== undefined ? { alpha: input.alpha } : {}),
    positiveClass: input.positiveClass ?? DEFAULT_RULE_OPTIONS.positiveClass,
    storeRawFeatures: input.storeRawFeatures ?? true,
    ...(input.pipelineWebhookUrl !== undefined ? { pipelineWebhookUrl: input.pipelineWebhookUrl } : {}),
    sensitiveAttributes: input.sensitiveAttributes ?? [],
  };
}

/** Reads a model's monitoring configuration by model id (defaults when none was set). */
export async function readMonitoringConfig(db: Executor, modelId: string): Promise<MonitoringConfig> {
  const row = await db
    .selectFrom('monitoring_configs')
    .selectAll()
    .where('model_id', '=', modelId)
    .executeTakeFirst();
  if (!row) return withDefaults({});
  return {
    ...withDefaults(JSON.parse(row.config) as MonitoringConfigInput),
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** Warden's own defaults for the thresholds the policy's trigger table does not hold. */
const WARDEN_THRESHOLD_DEFAULTS = {
  newCategoryPct: 1,
  safetySignalRatePct: 1,
  negativeFeedbackRatePct: 20,
} as const;

/**
 * The thresholds a model is judged by: the model's overrides, else the policy of its tier
 * (trigger table; error rate, latency, throughput, cost and tokens from its SLA table;
 * equal-opportunity limit from the validation section), else Warden's defaults. Each value keeps its source.
 */
export function resolveThresholds(
  doc: PolicyDocument,
  tier: number,
  overrides: Partial<MonitorThresholds>,
): ResolvedThresholds {
  const mp = monitoringPolicy(doc, tier);
  const t = mp.triggers;
  const rt = mp.regressionTriggers;
  // A policy saved before regression triggers existed is judged by Warden's defaults for the tier.
  const rtNote = mp.regressionTriggersSource === 'policy' ? '' : ' (Warden default)';
  const tp = tierPolicy(doc, tier);
  const sla = mp.sla;
  // A policy saved before the SLA table existed is judged by Warden's SLA defaults for the tier.
  const slaNote = mp.slaSource === 'policy' ? '' : ' (Warden default)';
  const fromPolicy: Record<ThresholdName, [MonitorThresholds[ThresholdName], string]> = {
    accuracyDecayPct: [t.accuracyDecayPct, 'triggers.accuracyDecayPct'],
    precisionDecayPct: [t.precisionDecayPct, 'triggers.precisionDecayPct'],
    recallDecayPct: [t.recallDecayPct, 'triggers.recallDecayPct'],
    dataDriftPsi: [t.dataDriftPsi, 'triggers.dataDriftPsi'],
    conceptDriftPsi: [t.conceptDriftPsi, 'triggers.conceptDriftPsi'],
    missingIncreasePts: [t.missingValueIncreasePts, 'triggers.missingValueIncreasePts'],
    schemaChange: [t.schemaChange, 'triggers.schemaChange'],
    brierDrift: [t.brierDrift, 'triggers.brierDrift'],
    newDataVolume: [t.newDataVolume, 'triggers.newDataVolume'],
    errorRatePct: [sla.errorRatePct, `sla.errorRatePct${slaNote}`],
    latencyP95Ms: [sla.latencyP95Ms, `sla.latencyP95Ms${slaNote}`],
    latencyP99Ms: [sla.latencyP99Ms, `sla.latencyP99Ms${slaNote}`],
    throughputPerMinute: [sla.throughputPerMinute, `sla.throughputPerMinute${slaNote}`],
    costPer1kPredictions: [sla.costPer1kPredictions, `sla.costPer1kPredictions${slaNote}`],
    tokensPerWindow: [sla.tokensPerWindow, `sla.tokensPerWindow${slaNote}`],
    newCategoryPct: [WARDEN_THRESHOLD_DEFAULTS.newCategoryPct, 'monitoring.newCategoryPct'],
    safetySignalRatePct: [WARDEN_THRESHOLD_DEFAULTS.safetySignalRatePct, 'monitoring.safetySignalRatePct'],
    negativeFeedbackRatePct: [
      WARDEN_THRESHOLD_DEFAULTS.negativeFeedbackRatePct,
      'monitoring.negativeFeedbackRatePct',
    ],
    equalOpportunityDiff: [
      tp.validation.fairness.equalOpportunityDiffMax,
      'validation.fairness.equalOpportunityDiffMax',
    ],
    rmseIncreasePct: [rt.rmseIncreasePct, `regressionTriggers.rmseIncreasePct${rtNote}`],
    maeIncreasePct: [rt.maeIncreasePct, `regressionTriggers.maeIncreasePct${rtNote}`],
    mapeIncreasePct: [rt.mapeIncreasePct, `regressionTriggers.mapeIncreasePct${rtNote}`],
    r2Decay: [rt.r2Decay, `regressionTriggers.r2Decay${rtNote}`],
  };
  const values = {} as Record<ThresholdName, unknown>;
  const sources = {} as Record<ThresholdName, string>;
  for (const name of Object.keys(fromPolicy) as ThresholdName[]) {
    if (overrides[name] !== undefined) {
      values[name] = overrides[name];
      sources[name] = `config.thresholds.${name}`;
    } else {
      values[name] = fromPolicy[name][0];
      sources[name] = fromPolicy[name][1];
    }
  }
  return { values: values as unknown as MonitorThresholds, sources };
}

/** Metric names that only a classification model records. */
const CLASSIFICATION_METRICS = new Set([
  'accuracy',
  'precision',
  'recall',
  'f1',
  'auc',
  'rocauc',
  'roc_auc',
  'brier',
  'brierscore',
  'brier_score',
  'logloss',
  'log_loss',
  'ece',
]);
const REGRESSION_METRICS = new Set(['mae', 'rmse', 'mape', 'r2', 'mse']);

/**
 * The task a version is monitored as: the configuration's `task` when set; otherwise
 * `regression` when the version's validated metrics name regression metrics (mae, rmse, mape,
 * r2, mse) and no classification metric, else `classification`.
 */
export function monitoringTask(config: MonitoringConfig, metrics: Record<string, number>): MonitoringTask {
  if (config.task !== undefined) return config.task;
  const names = Object.keys(metrics).map((m) => m.toLowerCase());
  const regression = names.some((m) => REGRESSION_METRICS.has(m));
  const classification = names.some((m) => CLASSIFICATION_METRICS.has(m));
  return regression && !classification ? 'regression' : 'classification';
}

/**
 * Rule options from a model's configuration, for a version monitored as `task`; the significance
 * level is the model's, else the policy's (`policyAlpha`), else Warden's default.
 */
export function ruleOptions(
  config: MonitoringConfig,
  task: MonitoringTask = 'classification',
  policyAlpha?: number,
): RuleOptions {
  return {
    ...DEFAULT_RULE_OPTIONS,
    task,
    alpha: config.alpha ?? policyAlpha ?? DEFAULT_RULE_OPTIONS.alpha,
    minRecords: config.minRecords,
    minLabels: config.minLabels,
    warningFraction: config.warningFraction,
    positiveClass: config.positiveClass,
  };
}

/** Minutes between scheduled evaluations of each family: the model's override, else the policy's. */
export function cadences(
  doc: PolicyDocument,
  tier: number,
  config: MonitoringConfig,
): Record<RuleFamily, number | null> {
  const policy = monitoringPolicy(doc, tier).cadenceMinutes;
  return {
    performance:
      config.cadenceMinutes.performance !== undefined
        ? config.cadenceMinutes.performance
        : policy.performance,
    dataDrift:
      config.cadenceMinutes.dataDrift !== undefined ? config.cadenceMinutes.dataDrift : policy.dataDrift,
    conceptDrift:
      config.cadenceMinutes.conceptDrift !== undefined
        ? config.cadenceMinutes.conceptDrift
        : policy.conceptDrift,
    fairness: config.cadenceMinutes.fairness !== undefined ? config.cadenceMinutes.fairness : policy.fairness,
  };
}

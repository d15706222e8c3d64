import { z } from '@hono/zod-openapi';
import { READ_ONLY_ROLES, ROLES } from '../auth/roles.js';
import { STAGES } from '../registry/version.schema.js';
import { CUSTOM_METRIC_NAME, customMetricIssue } from './custom-metric.rules.js';

/** Risk tiers: 1 critical · 2 high · 3 standard · 4 experimental. */
export const TIERS = ['1', '2', '3', '4'] as const;

/** Validation levels, from most to least thorough. */
export const VALIDATION_LEVELS = ['full', 'regression', 'smoke'] as const;
export type ValidationLevel = (typeof VALIDATION_LEVELS)[number];

/** What a version bump is relative to the current production champion. */
export type VersionBump = 'major' | 'minor' | 'patch' | 'initial';

/**
 * Every check the validation suite knows. A level lists which of them run; a check listed
 * for a tier whose thresholds do not apply (fairness without sensitive data) is skipped with a reason.
 */
export const CHECK_NAMES = [
  'performance.thresholds',
  'performance.no-regression',
  'performance.significance',
  'performance.segments',
  'data.schema',
  'data.ranges',
  'data.missing-rate',
  'data.drift',
  'infrastructure.latency',
  'infrastructure.memory',
  'security.artifact',
  'security.signature',
  'security.pii',
  'fairness.disparate-impact',
  'fairness.equal-opportunity',
  'fairness.demographic-parity',
  'model-card.complete',
  'explainability.evidence',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

const count = z.number().int('must be an integer').min(1, 'must be >= 1').max(100, 'must be <= 100');
const nonNegative = z.number().finite().min(0, 'must be >= 0');
const positive = z.number().finite().positive('must be > 0');
const minutes = z.number().int('must be an integer').min(1, 'must be >= 1');
const fraction = z.number().finite().min(0, 'must be >= 0').max(1, 'must be <= 1');

/** A role that may act on a decision: the read-only roles can never approve or roll back. */
const actingRole = z.enum(ROLES).refine((role) => !READ_ONLY_ROLES.includes(role), {
  message: `a read-only role (${READ_ONLY_ROLES.join(', ')}) cannot approve or roll back`,
});

/** One approval a transition needs: `count` distinct principals holding `role` (a quorum when `of` is set). */
export const approvalRuleSchema = z.strictObject({
  role: actingRole,
  count,
  of: count.optional().openapi({ description: 'Size of the body the quorum is drawn from (informational)' }),
  label: z.string().max(200).optional(),
});
export type ApprovalRule = z.infer<typeof approvalRuleSchema>;

const stageSet = new Set<string>(STAGES);
/** Transition keys read `from->to`, both stages of the lifecycle. */
const transitionKey = z.string().refine(
  (key) => {
    const [from, to, ...rest] = key.split('->');
    return (
      rest.length === 0 && from !== undefined && to !== undefined && stageSet.has(from) && stageSet.has(to)
    );
  },
  `must be "from->to" with stages among ${STAGES.join(', ')}`,
);

const fairnessSchema = z.strictObject({
  required: z.boolean(),
  disparateImpactMin: fraction,
  equalOpportunityDiffMax: fraction,
  demographicParityDiffMax: fraction,
});

const validationSchema = z.strictObject({
  levelFor: z.strictObject({
    initial: z.enum(VALIDATION_LEVELS),
    major: z.enum(VALIDATION_LEVELS),
    minor: z.enum(VALIDATION_LEVELS),
    patch: z.enum(VALIDATION_LEVELS),
  }),
  checks: z.strictObject({
    full: z.array(z.enum(CHECK_NAMES)).max(CHECK_NAMES.length),
    regression: z.array(z.enum(CHECK_NAMES)).max(CHECK_NAMES.length),
    smoke: z.array(z.enum(CHECK_NAMES)).max(CHECK_NAMES.length),
  }),
  minRecords: z
    .number()
    .int('must be an integer')
    .min(1, 'must be >= 1')
    .optional()
    .openapi({ description: 'Fewest evaluation records a validation may judge metric thresholds on' }),
  minMetrics: z
    .record(z.string().min(1).max(64), fraction)
    .openapi({ description: 'Metric name (accuracy, precision, recall, f1, rocAuc) → minimum value' }),
  regressionMetrics: z.array(z.string().min(1).max(64)).min(1, 'must name at least one metric').max(10),
  noRegressionPct: nonNegative.openapi({
    description: 'Largest allowed drop against the champion, in percentage points of the metric',
  }),
  segmentRegressionPct: nonNegative,
  significanceAlpha: z.number().finite().gt(0, 'must be > 0').lt(1, 'must be < 1'),
  maxPsi: nonNegative,
  maxMissingRate: fraction,
  latencyP95Ms: positive,
  latencyP99Ms: positive,
  memoryMaxPct: z.number().finite().gt(0, 'must be > 0').max(100, 'must be <= 100'),
  memoryLimitMb: positive,
  requireSignature: z.boolean(),
  fairness: fairnessSchema,
});

const cadenceSchema = z.strictObject({
  performance: minutes.nullable(),
  dataDrift: minutes.nullable(),
  conceptDrift: minutes.nullable(),
  fairness: minutes.nullable(),
});

const triggersSchema = z.strictObject({
  accuracyDecayPct: nonNegative,
  precisionDecayPct: nonNegative,
  recallDecayPct: nonNegative,
  dataDriftPsi: nonNegative,
  conceptDriftPsi: nonNegative,
  missingValueIncreasePts: nonNegative,
  schemaChange: z.enum(['immediate', 'next-business-day']),
  brierDrift: nonNegative,
  scheduledRetrainingDays: minutes,
  newDataVolume: z.number().int().min(1, 'must be >= 1'),
});

/**
 * Degradation triggers of regression models (the seed trigger table has none): relative increase
 * of each error metric over the baseline, in percent, and the absolute drop of R².
 */
const regressionTriggersSchema = z.strictObject({
  rmseIncreasePct: nonNegative,
  maeIncreasePct: nonNegative,
  mapeIncreasePct: nonNegative,
  r2Decay: nonNegative,
});

/**
 * The operational service levels a production model is monitored against (seed 002's SLA table:
 * p95 latency < 50 ms, request errors < 0.1 %, throughput > 10,000 requests per minute). A null
 * limit is not monitored (the value is still reported).
 */
const slaSchema = z.strictObject({
  latencyP95Ms: positive.openapi({ description: 'Highest acceptable p95 latency, ms' }),
  latencyP99Ms: positive.openapi({ description: 'Highest acceptable p99 latency, ms' }),
  errorRatePct: nonNegative
    .max(100, 'must be <= 100')
    .openapi({ description: 'Highest acceptable share of records with an error, percent' }),
  throughputPerMinute: positive.nullable().openapi({
    description: 'Lowest acceptable throughput of the production model, records per minute (null: none)',
  }),
  costPer1kPredictions: nonNegative.nullable().openapi({
    description:
      'Highest acceptable mean cost of 1,000 predictions, in the unit records report `cost` in (null: none)',
  }),
  tokensPerWindow: z
    .number()
    .int('must be an integer')
    .min(0, 'must be >= 0')
    .nullable()
    .openapi({ description: 'Highest acceptable tokens (in + out) per evaluation window (null: none)' }),
});

const alertingSchema = z.strictObject({
  ackWithinMinutes: minutes,
  escalationChain: z.array(z.string().min(1).max(100)).min(1, 'must name at least one step').max(20),
  escalateEveryMinutes: minutes,
  autoResolveAfterCleanWindows: z.number().int().min(1, 'must be >= 1').max(1000),
});

const monitoringSchema = z.strictObject({
  cadenceMinutes: cadenceSchema,
  triggers: triggersSchema,
  /** Absent in documents written before regression monitoring: Warden's defaults per tier apply. */
  regressionTriggers: regressionTriggersSchema.optional(),
  /** Absent in documents written before SLA monitoring: Warden's defaults per tier apply. */
  sla: slaSchema.optional(),
  alpha: z.number().finite().gt(0, 'must be > 0').max(0.5, 'must be <= 0.5').optional().openapi({
    description:
      'Significance level of the monitors: a statistic past its trigger alerts only when significant against sampling noise at this level (default 0.01)',
  }),
  alerting: alertingSchema,
});

/** A custom metric every rollout of the tier is judged on (a rollout naming the same metric replaces it). */
const customMetricSchema = z
  .strictObject({
    name: z.string().max(60).regex(CUSTOM_METRIC_NAME, 'must be lower case letters, digits and _'),
    signal: z.string().min(1).max(220).openapi({
      description: 'signals.<name> or feedback.down (aggregate rate); score or latencyMs (mean or p95)',
    }),
    aggregate: z.enum(['rate', 'mean', 'p95']),
    maxValue: z.number().finite().optional(),
    maxIncrease: nonNegative.optional(),
    failureLimit: z.number().int('must be an integer').min(0, 'must be >= 0').max(1000).optional(),
  })
  .superRefine((m, ctx) => {
    const issue = customMetricIssue(m);
    if (issue) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
  });

/**
 * Analysis defaults of the tier's rollouts: what a rollout that does not set a field gets. The
 * error-rate and accuracy-drop limits are `rollbackErrorRatePct` and `rollbackAccuracyDropPct`,
 * and the least time of a step `minStepMinutes`. Absent fields: Warden's defaults.
 */
const rolloutAnalysisSchema = z.strictObject({
  intervalSeconds: z.number().int('must be an integer').min(1, 'must be >= 1').max(86_400).optional(),
  minSamplesPerVariant: z
    .number()
    .int('must be an integer')
    .min(1, 'must be >= 1')
    .max(100_000_000)
    .optional(),
  maxWaitSeconds: z
    .number()
    .int('must be an integer')
    .min(1, 'must be >= 1')
    .max(90 * 86_400)
    .optional(),
  alpha: z.number().finite().gt(0, 'must be > 0').lt(0.5, 'must be < 0.5').optional(),
  requireLabels: z.boolean().optional(),
  failureLimit: z.number().int('must be an integer').min(0, 'must be >= 0').max(1000).optional(),
  failureLimits: z
    .record(
      z.string().regex(CUSTOM_METRIC_NAME, 'must be a metric name such as error_rate'),
      z.number().int('must be an integer').min(0, 'must be >= 0').max(1000),
    )
    .optional(),
  thresholds: z
    .strictObject({
      latencyP95Ms: positive.optional(),
      latencyP99Ms: positive.optional(),
      predictionPsi: positive.optional(),
      shadowAgreement: fraction.optional(),
    })
    .optional(),
  custom: z
    .array(customMetricSchema)
    .max(20)
    .superRefine((metrics, ctx) => {
      const seen = new Set<string>();
      metrics.forEach((m, i) => {
        if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'named twice' });
        seen.add(m.name);
      });
    })
    .optional(),
});
export type RolloutAnalysisPolicy = z.infer<typeof rolloutAnalysisSchema>;

const rolloutSchema = z.strictObject({
  canaryStepsPct: z
    .array(z.number().finite().gt(0, 'must be > 0').max(100, 'must be <= 100'))
    .min(1, 'must have at least one step')
    .max(20)
    .refine((steps) => steps.every((s, i) => i === 0 || s > steps[i - 1]!), 'steps must increase')
    .refine((steps) => steps[steps.length - 1] === 100, 'the last step must be 100'),
  minStepMinutes: minutes,
  shadowHours: nonNegative,
  rollbackErrorRatePct: nonNegative,
  rollbackAccuracyDropPct: nonNegative,
  automaticRollback: z.boolean(),
  /**
   * How an approved production change request executes for a model that already has a champion:
   * `rollout` waits for a rollout (whose success carries it out), `direct` executes at once.
   * Absent in documents written before rollouts: `rollout`.
   */
  productionChange: z.enum(['rollout', 'direct']).optional(),
  /** Absent in documents written before analysis defaults: Warden's defaults apply. */
  analysis: rolloutAnalysisSchema.optional(),
});

const retentionSchema = z.strictObject({
  auditYears: z.number().int().min(1, 'must be >= 1').max(100),
  rawRecordDays: z.number().int().min(1, 'must be >= 1').max(36_500),
});

const retirementSchema = z.strictObject({
  graceDays: z.number().int().min(0, 'must be >= 0').max(3650),
  needsApproval: z.boolean(),
  artifact: z.enum(['keep', 'mark']),
});

const rollbackSchema = z.strictObject({
  roles: z.array(actingRole).min(1, 'must name at least one role').max(ROLES.length),
  approvalAfterTheFact: z.boolean(),
});

/** Sections of a model card: generated from records, or written by people (`intendedUse`, `limitations`, `ethicalConsiderations`). */
export const MODEL_CARD_SECTIONS = [
  'modelDetails',
  'intendedUse',
  'trainingData',
  'features',
  'metrics',
  'fairness',
  'calibration',
  'validation',
  'approvals',
  'deployments',
  'monitoring',
  'limitations',
  'ethicalConsiderations',
  'incidents',
] as const;
export type ModelCardSection = (typeof MODEL_CARD_SECTIONS)[number];

const documentationSchema = z.strictObject({
  modelCard: z.strictObject({
    requiredSections: z.array(z.enum(MODEL_CARD_SECTIONS)).max(MODEL_CARD_SECTIONS.length),
    reviewDays: z.number().int().min(1, 'must be >= 1').nullable().openapi({
      description: 'Days after which a card is due for review (null: reviewed at deployment only)',
    }),
  }),
  periodicReportDays: z.number().int().min(1, 'must be >= 1').nullable().openapi({
    description: 'Cadence of the periodic monitoring report (SOP-1013 6.2/6.7); null: on demand only',
  }),
  postImplementationReviewDays: z
    .number()
    .int()
    .min(1, 'must be >= 1')
    .max(365)
    .openapi({ description: 'Days of production a post-implementation review (SOP-1013 6.8) covers' }),
});

/** Explanations a tier asks for, how their monitors are judged, and how long a dispute may stay open. */
const explainabilitySchema = z.strictObject({
  required: z.boolean().openapi({
    description: 'Records must carry attributions, and the validation gate asks for explanation evidence',
  }),
  topFeatures: count.optional().openapi({ description: 'Features listed in global importance (default 10)' }),
  driftMinRankCorrelation: z.number().finite().min(-1).max(1).optional().openapi({
    description: 'Lowest Spearman correlation of global importance against the reference (default 0.8)',
  }),
  driftMaxShareChange: fraction.optional().openapi({
    description: "Largest change of one feature's share of importance against the reference (default 0.1)",
  }),
  additivityTolerance: nonNegative.optional().openapi({
    description: 'Largest |Σ attributions + base − score| a record may show (default 0.01)',
  }),
  additivityMaxViolationRate: fraction.optional().openapi({
    description: 'Largest share of records beyond the tolerance (default 0.05)',
  }),
  sparsityMaxFeatures: positive.optional().openapi({
    description: 'Largest mean number of features needed for 80 % of |attribution| (default 10)',
  }),
  stabilityMin: fraction.optional().openapi({ description: 'Lowest explanation stability (default 0.8)' }),
  fidelityMin: z.number().finite().min(-1).max(1).optional().openapi({
    description: 'Lowest explanation fidelity (default 0.7)',
  }),
  minRecords: z.number().int().min(1).optional().openapi({
    description: 'Fewest attributed records (or pairs) a window needs before it is judged (default 30)',
  }),
  disputeDays: z.number().int().min(1).max(365).optional().openapi({
    description: 'Days a dispute of a decision may stay open before it is overdue (default 30)',
  }),
  requireCounterfactuals: z.boolean().optional().openapi({
    description: 'The validation gate asks for counterfactual examples as evidence (default: when required)',
  }),
});

export const tierPolicySchema = z
  .strictObject({
    label: z.string().min(1).max(100),
    approvals: z.record(transitionKey, z.array(approvalRuleSchema).max(20)),
    validation: validationSchema,
    monitoring: monitoringSchema,
    rollout: rolloutSchema,
    retention: retentionSchema,
    retirement: retirementSchema,
    rollback: rollbackSchema,
    /** Absent in documents written before generated documents: Warden's defaults per tier apply. */
    documentation: documentationSchema.optional(),
    /** Absent: Warden's defaults (attributions required on tier 1 only). */
    explainability: explainabilitySchema.optional(),
    vetoRoles: z.array(actingRole).max(ROLES.length).optional().openapi({
      description:
        'Roles one rejection of which closes a request of this tier, whatever the quorum. Absent: compliance and legal on tier 1, nobody on the others',
    }),
  })
  .superRefine((tier, ctx) => {
    for (const [key, rules] of Object.entries(tier.approvals)) {
      const seen = new Set<string>();
      rules.forEach((rule, i) => {
        if (seen.has(rule.role))
          ctx.addIssue({ code: 'custom', path: ['approvals', key, i, 'role'], message: 'role listed twice' });
        seen.add(rule.role);
        if (rule.of !== undefined && rule.of < rule.count)
          ctx.addIssue({ code: 'custom', path: ['approvals', key, i, 'of'], message: 'must be >= count' });
      });
    }
    if (tier.retirement.needsApproval && (tier.approvals['production->deprecated'] ?? []).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['retirement', 'needsApproval'],
        message: 'retirement needs approval but approvals["production->deprecated"] names nobody',
      });
  });
export type TierPolicy = z.infer<typeof tierPolicySchema>;

/**
 * Approvals a change that loosens a governance fact (a lower risk tier, a higher monitoring
 * threshold, a longer or disabled cadence, a removed consumer or owner) needs, on top of what
 * the stricter tier's promotion asks for when `promotionApprovals` is true.
 */
export const governanceChangesSchema = z
  .strictObject({
    promotionApprovals: z.boolean().openapi({
      description: 'Include the approvals the stricter tier needs to promote a version to production',
    }),
    plus: z.array(approvalRuleSchema).max(20).openapi({ description: 'Approvals added to those' }),
  })
  .refine((g) => g.promotionApprovals || g.plus.length > 0, {
    message: 'a governance change must need at least one approval',
    path: ['plus'],
  })
  .openapi('GovernanceChanges');
export type GovernanceChanges = z.infer<typeof governanceChangesSchema>;

/** The governance policy: per risk tier, who approves, what is validated, how it is watched and kept. */
export const policyDocumentSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    description: z.string().max(2000).optional(),
    piiMode: z.enum(['report', 'reject']),
    policyChange: z
      .array(approvalRuleSchema)
      .min(1, 'a policy change must need at least one approval')
      .max(20)
      .openapi({ description: 'Approvals a change of this policy needs' }),
    governanceChanges: governanceChangesSchema.optional().openapi({
      description:
        'Approvals a loosening of a governance fact needs. Absent: the stricter tier’s promotion approvals plus compliance',
    }),
    protectedAliases: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'an alias is 1–255 letters, digits, _ or -'))
      .max(50)
      .optional()
      .openapi({
        description:
          'MLflow aliases that name the production version: setting one opens a change request to production. Absent: champion and production',
      }),
    features: z
      .strictObject({
        deprecationGraceDays: z.number().int().min(0).max(3650).openapi({
          description:
            'Days between deprecating a feature and the earliest time it may be removed (seed: 30)',
        }),
      })
      .optional()
      .openapi({ description: 'Feature catalog rules. Absent: a 30-day deprecation grace period' }),
    tiers: z.strictObject({
      '1': tierPolicySchema,
      '2': tierPolicySchema,
      '3': tierPolicySchema,
      '4': tierPolicySchema,
    }),
  })
  .openapi('PolicyDocument', {
    description:
      'The governance policy: approvals, required checks, monitoring thresholds and retention per risk tier',
  });
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;

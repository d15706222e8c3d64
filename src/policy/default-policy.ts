import type { Role } from '../auth/roles.js';
import {
  MODEL_CARD_SECTIONS,
  type CheckName,
  type GovernanceChanges,
  type PolicyDocument,
  type TierPolicy,
} from './policy.schema.js';

const PERFORMANCE: CheckName[] = [
  'performance.thresholds',
  'performance.no-regression',
  'performance.significance',
  'performance.segments',
];
const DATA: CheckName[] = ['data.schema', 'data.ranges', 'data.missing-rate', 'data.drift'];
const INFRASTRUCTURE: CheckName[] = ['infrastructure.latency', 'infrastructure.memory'];
const FAIRNESS: CheckName[] = [
  'fairness.disparate-impact',
  'fairness.equal-opportunity',
  'fairness.demographic-parity',
];

const BUMP_LEVELS: TierPolicy['validation']['levelFor'] = {
  initial: 'full',
  major: 'full',
  minor: 'regression',
  patch: 'smoke',
};

/**
 * Degradation triggers of regression models per tier. Warden's choice, not a seed figure (the
 * seed trigger table covers classification only): the relative increase of RMSE, MAE and MAPE
 * over the baseline is ten times the tier's accuracy-decay figure read as a percentage
 * (0.5 / 1 / 2 / 5 points → 5 / 10 / 20 / 50 %), and R² may drop by 0.02 / 0.05 / 0.10 / 0.20.
 */

/**
 * Model-card templates and report cadences per tier (seed 002): tier 1 a comprehensive card
 * reviewed quarterly, tier 2 the standard template reviewed annually, tier 3 a lightweight card
 * updated at deployment, tier 4 none required (the full validation of tiers 1–3 runs
 * `model-card.complete` against it). Periodic reports monthly for tier 1, quarterly for
 * tier 2, half-yearly for tier 3; post-implementation reviews cover the first 30 days.
 */
export const DEFAULT_DOCUMENTATION: Record<1 | 2 | 3 | 4, NonNullable<TierPolicy['documentation']>> = {
  1: {
    modelCard: { requiredSections: [...MODEL_CARD_SECTIONS], reviewDays: 90 },
    periodicReportDays: 30,
    postImplementationReviewDays: 30,
  },
  2: {
    modelCard: {
      requiredSections: [
        'modelDetails',
        'intendedUse',
        'trainingData',
        'metrics',
        'validation',
        'approvals',
        'monitoring',
        'limitations',
      ],
      reviewDays: 365,
    },
    periodicReportDays: 90,
    postImplementationReviewDays: 30,
  },
  3: {
    modelCard: {
      requiredSections: ['modelDetails', 'intendedUse', 'trainingData', 'metrics'],
      reviewDays: null,
    },
    periodicReportDays: 182,
    postImplementationReviewDays: 30,
  },
  4: {
    modelCard: { requiredSections: [], reviewDays: null },
    periodicReportDays: null,
    postImplementationReviewDays: 30,
  },
};

export const DEFAULT_REGRESSION_TRIGGERS: Record<
  1 | 2 | 3 | 4,
  NonNullable<TierPolicy['monitoring']['regressionTriggers']>
> = {
  1: { rmseIncreasePct: 5, maeIncreasePct: 5, mapeIncreasePct: 5, r2Decay: 0.02 },
  2: { rmseIncreasePct: 10, maeIncreasePct: 10, mapeIncreasePct: 10, r2Decay: 0.05 },
  3: { rmseIncreasePct: 20, maeIncreasePct: 20, mapeIncreasePct: 20, r2Decay: 0.1 },
  4: { rmseIncreasePct: 50, maeIncreasePct: 50, mapeIncreasePct: 50, r2Decay: 0.2 },
};

/**
 * Operational SLAs per tier. Tier 1 is seed 002's SLA table (p95 < 50 ms, errors < 0.1 %,
 * throughput > 10,000 requests/min); p99 and the other tiers are Warden's choice: the validation
 * latency limits, and the rollback error criterion as the error limit. No cost or token budget
 * is set by default.
 */
export const DEFAULT_SLA: Record<1 | 2 | 3 | 4, NonNullable<TierPolicy['monitoring']['sla']>> = {
  1: {
    latencyP95Ms: 50,
    latencyP99Ms: 100,
    errorRatePct: 0.1,
    throughputPerMinute: 10_000,
    costPer1kPredictions: null,
    tokensPerWindow: null,
  },
  2: {
    latencyP95Ms: 50,
    latencyP99Ms: 100,
    errorRatePct: 0.5,
    throughputPerMinute: null,
    costPer1kPredictions: null,
    tokensPerWindow: null,
  },
  3: {
    latencyP95Ms: 50,
    latencyP99Ms: 100,
    errorRatePct: 0.5,
    throughputPerMinute: null,
    costPer1kPredictions: null,
    tokensPerWindow: null,
  },
  4: {
    latencyP95Ms: 200,
    latencyP99Ms: 500,
    errorRatePct: 2,
    throughputPerMinute: null,
    costPer1kPredictions: null,
    tokensPerWindow: null,
  },
};

/** Canary 10 → 25 → 50 → 100 %; roll back when the error rate passes 0.5 % or accuracy drops 0.5 points (seed 002). */
const SEED_CANARY = [10, 25, 50, 100];

/**
 * The default governance policy. Figures come from the governance seeds: the promotion approval
 * matrix, the staging validation suite, the drift and retraining trigger table and the
 * requirements per tier. Where the seeds are silent (tier 4, minimum metric values, p99 latency,
 * grace periods, raw record retention) the values are Warden's choice and docs/policy.md says so.
 */
/** Roles whose single rejection closes a request, for documents that do not say (seed 002: the board votes). */
export const DEFAULT_VETO_ROLES: Record<1 | 2 | 3 | 4, Role[]> = {
  1: ['compliance', 'legal'],
  2: [],
  3: [],
  4: [],
};

/** What a loosening of a governance fact needs when the document does not say. */
/** Seed 002: deprecated features are removed after an enforced 30-day grace period. */
export const DEFAULT_FEATURE_GRACE_DAYS = 30;

export const DEFAULT_GOVERNANCE_CHANGES: GovernanceChanges = {
  promotionApprovals: true,
  plus: [{ role: 'compliance', count: 1 }],
};

export const DEFAULT_POLICY: PolicyDocument = {
  schemaVersion: 1,
  description: 'Warden default policy, reproducing the governance seed tables',
  piiMode: 'report',
  policyChange: [
    { role: 'admin', count: 1 },
    { role: 'compliance', count: 1 },
  ],
  governanceChanges: DEFAULT_GOVERNANCE_CHANGES,
  features: { deprecationGraceDays: DEFAULT_FEATURE_GRACE_DAYS },
  tiers: {
    '1': {
      label: 'critical',
      approvals: {
        'development->staging': [
          { role: 'ml-engineer', count: 1 },
          { role: 'validator', count: 1 },
        ],
        'staging->approved': [
          { role: 'review-board', count: 4, of: 5, label: 'ML Review Board quorum' },
          { role: 'compliance', count: 1, label: 'Compliance sign-off' },
          { role: 'legal', count: 1, label: 'Legal review' },
          { role: 'business-owner', count: 1, label: 'Business owner' },
        ],
        'approved->production': [],
        'production->deprecated': [
          { role: 'business-owner', count: 1 },
          { role: 'compliance', count: 1 },
        ],
        'deprecated->archived': [{ role: 'compliance', count: 1 }],
      },
      validation: {
        levelFor: BUMP_LEVELS,
        checks: {
          full: [
            ...PERFORMANCE,
            ...DATA,
            ...INFRASTRUCTURE,
            'security.artifact',
            'security.signature',
            'security.pii',
            ...FAIRNESS,
            'model-card.complete',
          ],
          regression: [
            ...PERFORMANCE,
            ...DATA,
            'infrastructure.latency',
            'security.artifact',
            'security.signature',
            'security.pii',
            ...FAIRNESS,
          ],
          smoke: ['performance.thresholds', 'data.schema', 'security.artifact', 'security.signature'],
        },
        minRecords: 100,
        minMetrics: { accuracy: 0.9, precision: 0.8, recall: 0.8 },
        regressionMetrics: ['accuracy', 'precision', 'recall'],
        noRegressionPct: 1.0,
        segmentRegressionPct: 1.0,
        significanceAlpha: 0.05,
        maxPsi: 0.1,
        maxMissingRate: 0.01,
        latencyP95Ms: 50,
        latencyP99Ms: 100,
        memoryMaxPct: 85,
        memoryLimitMb: 4096,
        requireSignature: true,
        fairness: {
          required: true,
          disparateImpactMin: 0.8,
          equalOpportunityDiffMax: 0.05,
          demographicParityDiffMax: 0.1,
        },
      },
      monitoring: {
        cadenceMinutes: { performance: 15, dataDrift: 60, conceptDrift: 1440, fairness: 10080 },
        triggers: {
          accuracyDecayPct: 0.5,
          precisionDecayPct: 0.5,
          recallDecayPct: 1.0,
          dataDriftPsi: 0.05,
          conceptDriftPsi: 0.03,
          missingValueIncreasePts: 0.3,
          schemaChange: 'immediate',
          brierDrift: 0.005,
          scheduledRetrainingDays: 7,
          newDataVolume: 50_000,
        },
        regressionTriggers: DEFAULT_REGRESSION_TRIGGERS[1],
        sla: DEFAULT_SLA[1],
        alerting: {
          ackWithinMinutes: 60,
          escalationChain: ['ML Engineer', 'MLOps Lead', 'VP Engineering', 'CISO'],
          escalateEveryMinutes: 60,
          autoResolveAfterCleanWindows: 3,
        },
      },
      rollout: {
        canaryStepsPct: SEED_CANARY,
        minStepMinutes: 60,
        shadowHours: 72,
        rollbackErrorRatePct: 0.5,
        rollbackAccuracyDropPct: 0.5,
        automaticRollback: true,
        productionChange: 'rollout',
      },
      retention: { auditYears: 7, rawRecordDays: 2557 },
      retirement: { graceDays: 90, needsApproval: true, artifact: 'keep' },
      rollback: { roles: ['mlops', 'operations'], approvalAfterTheFact: true },
      vetoRoles: ['compliance', 'legal'],
    },
    '2': {
      label: 'high',
      approvals: {
        'development->staging': [{ role: 'ml-engineer', count: 1 }],
        'staging->approved': [
          { role: 'ml-engineer', count: 1, label: 'ML Lead' },
          { role: 'business-owner', count: 1, label: 'Business stakeholder' },
        ],
        'approved->production': [],
        'production->deprecated': [
          { role: 'business-owner', count: 1 },
          { role: 'ml-engineer', count: 1 },
        ],
        'deprecated->archived': [],
      },
      validation: {
        levelFor: BUMP_LEVELS,
        checks: {
          full: [
            ...PERFORMANCE,
            ...DATA,
            ...INFRASTRUCTURE,
            'security.artifact',
            'security.signature',
            'security.pii',
            'model-card.complete',
          ],
          regression: [
            ...PERFORMANCE,
            ...DATA,
            'infrastructure.latency',
            'security.artifact',
            'security.pii',
          ],
          smoke: ['performance.thresholds', 'data.schema', 'security.artifact'],
        },
        minRecords: 100,
        minMetrics: { accuracy: 0.85, precision: 0.75, recall: 0.75 },
        regressionMetrics: ['accuracy', 'precision', 'recall'],
        noRegressionPct: 1.0,
        segmentRegressionPct: 1.0,
        significanceAlpha: 0.05,
        maxPsi: 0.1,
        maxMissingRate: 0.01,
        latencyP95Ms: 50,
        latencyP99Ms: 100,
        memoryMaxPct: 85,
        memoryLimitMb: 4096,
        requireSignature: false,
        fairness: {
          required: false,
          disparateImpactMin: 0.8,
          equalOpportunityDiffMax: 0.05,
          demographicParityDiffMax: 0.1,
        },
      },
      monitoring: {
        cadenceMinutes: { performance: 60, dataDrift: 1440, conceptDrift: 1440, fairness: null },
        triggers: {
          accuracyDecayPct: 1.0,
          precisionDecayPct: 1.0,
          recallDecayPct: 2.0,
          dataDriftPsi: 0.1,
          conceptDriftPsi: 0.05,
          missingValueIncreasePts: 0.5,
          schemaChange: 'immediate',
          brierDrift: 0.01,
          scheduledRetrainingDays: 14,
          newDataVolume: 100_000,
        },
        regressionTriggers: DEFAULT_REGRESSION_TRIGGERS[2],
        sla: DEFAULT_SLA[2],
        alerting: {
          ackWithinMinutes: 240,
          escalationChain: ['ML Engineer', 'MLOps Lead', 'VP Engineering'],
          escalateEveryMinutes: 240,
          autoResolveAfterCleanWindows: 3,
        },
      },
      rollout: {
        canaryStepsPct: SEED_CANARY,
        minStepMinutes: 60,
        shadowHours: 48,
        rollbackErrorRatePct: 0.5,
        rollbackAccuracyDropPct: 0.5,
        automaticRollback: true,
        productionChange: 'rollout',
      },
      retention: { auditYears: 3, rawRecordDays: 1096 },
      retirement: { graceDays: 60, needsApproval: true, artifact: 'keep' },
      rollback: { roles: ['mlops', 'operations'], approvalAfterTheFact: true },
      vetoRoles: [],
    },
    '3': {
      label: 'standard',
      approvals: {
        'development->staging': [{ role: 'data-scientist', count: 1, label: 'Peer reviewer' }],
        'staging->approved': [
          { role: 'data-scientist', count: 1, label: 'Peer reviewer' },
          { role: 'ml-engineer', count: 1, label: 'ML Engineer sign-off' },
        ],
        'approved->production': [],
        'production->deprecated': [],
        'deprecated->archived': [],
      },
      validation: {
        levelFor: BUMP_LEVELS,
        checks: {
          full: [
            ...PERFORMANCE,
            ...DATA,
            ...INFRASTRUCTURE,
            'security.artifact',
            'security.pii',
            'model-card.complete',
          ],
          regression: [...PERFORMANCE, 'data.schema', 'data.drift', 'security.artifact'],
          smoke: ['performance.thresholds', 'data.schema', 'security.artifact'],
        },
        minRecords: 30,
        minMetrics: { accuracy: 0.8, precision: 0.7, recall: 0.7 },
        regressionMetrics: ['accuracy', 'precision', 'recall'],
        noRegressionPct: 1.0,
        segmentRegressionPct: 2.0,
        significanceAlpha: 0.05,
        maxPsi: 0.1,
        maxMissingRate: 0.01,
        latencyP95Ms: 50,
        latencyP99Ms: 100,
        memoryMaxPct: 85,
        memoryLimitMb: 4096,
        requireSignature: false,
        fairness: {
          required: false,
          disparateImpactMin: 0.8,
          equalOpportunityDiffMax: 0.05,
          demographicParityDiffMax: 0.1,
        },
      },
      monitoring: {
        cadenceMinutes: { performance: 1440, dataDrift: 10080, conceptDrift: 10080, fairness: null },
        triggers: {
          accuracyDecayPct: 2.0,
          precisionDecayPct: 2.0,
          recallDecayPct: 3.0,
          dataDriftPsi: 0.15,
          conceptDriftPsi: 0.1,
          missingValueIncreasePts: 1.0,
          schemaChange: 'next-business-day',
          brierDrift: 0.02,
          scheduledRetrainingDays: 30,
          newDataVolume: 250_000,
        },
        regressionTriggers: DEFAULT_REGRESSION_TRIGGERS[3],
        sla: DEFAULT_SLA[3],
        alerting: {
          ackWithinMinutes: 1440,
          escalationChain: ['ML Engineer', 'MLOps Lead'],
          escalateEveryMinutes: 1440,
          autoResolveAfterCleanWindows: 2,
        },
      },
      rollout: {
        canaryStepsPct: SEED_CANARY,
        minStepMinutes: 30,
        shadowHours: 0,
        rollbackErrorRatePct: 0.5,
        rollbackAccuracyDropPct: 0.5,
        automaticRollback: true,
        productionChange: 'rollout',
      },
      retention: { auditYears: 1, rawRecordDays: 366 },
      retirement: { graceDays: 30, needsApproval: false, artifact: 'mark' },
      rollback: { roles: ['mlops', 'operations'], approvalAfterTheFact: false },
      vetoRoles: [],
    },
    '4': {
      label: 'experimental',
      approvals: {
        'development->staging': [],
        'staging->approved': [{ role: 'data-scientist', count: 1, label: 'Peer reviewer' }],
        'approved->production': [],
        'production->deprecated': [],
        'deprecated->archived': [],
      },
      validation: {
        levelFor: { initial: 'smoke', major: 'smoke', minor: 'smoke', patch: 'smoke' },
        checks: {
          full: [...PERFORMANCE, ...DATA, 'security.artifact', 'security.pii'],
          regression: [
            'performance.thresholds',
            'performance.no-regression',
            'data.schema',
            'security.artifact',
          ],
          smoke: ['data.schema', 'security.artifact'],
        },
        minMetrics: {},
        regressionMetrics: ['accuracy'],
        noRegressionPct: 2.0,
        segmentRegressionPct: 5.0,
        significanceAlpha: 0.05,
        maxPsi: 0.25,
        maxMissingRate: 0.05,
        latencyP95Ms: 200,
        latencyP99Ms: 500,
        memoryMaxPct: 90,
        memoryLimitMb: 4096,
        requireSignature: false,
        fairness: {
          required: false,
          disparateImpactMin: 0.8,
          equalOpportunityDiffMax: 0.05,
          demographicParityDiffMax: 0.1,
        },
      },
      monitoring: {
        cadenceMinutes: { performance: 1440, dataDrift: 10080, conceptDrift: null, fairness: null },
        triggers: {
          accuracyDecayPct: 5.0,
          precisionDecayPct: 5.0,
          recallDecayPct: 5.0,
          dataDriftPsi: 0.25,
          conceptDriftPsi: 0.2,
          missingValueIncreasePts: 2.0,
          schemaChange: 'next-business-day',
          brierDrift: 0.05,
          scheduledRetrainingDays: 90,
          newDataVolume: 500_000,
        },
        regressionTriggers: DEFAULT_REGRESSION_TRIGGERS[4],
        sla: DEFAULT_SLA[4],
        alerting: {
          ackWithinMinutes: 4320,
          escalationChain: ['Model Owner'],
          escalateEveryMinutes: 4320,
          autoResolveAfterCleanWindows: 1,
        },
      },
      rollout: {
        canaryStepsPct: [50, 100],
        minStepMinutes: 15,
        shadowHours: 0,
        rollbackErrorRatePct: 2.0,
        rollbackAccuracyDropPct: 2.0,
        automaticRollback: false,
        productionChange: 'direct',
      },
      retention: { auditYears: 1, rawRecordDays: 366 },
      retirement: { graceDays: 7, needsApproval: false, artifact: 'mark' },
      rollback: { roles: ['mlops', 'operations', 'data-scientist'], approvalAfterTheFact: false },
      vetoRoles: [],
    },
  },
};

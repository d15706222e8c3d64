import { z } from '@hono/zod-openapi';

const importanceSchema = z.object({
  feature: z.string(),
  meanAbs: z.number().openapi({ description: 'Mean |attribution| over the records carrying one' }),
  mean: z.number().openapi({ description: 'Mean signed attribution' }),
  share: z.number().openapi({ description: "The feature's share of the total mean |attribution|" }),
});

export const explanationSummarySchema = z
  .object({
    records: z.number(),
    coverage: z.number().nullable(),
    methods: z.record(z.string(), z.number()),
    globalImportance: z.array(importanceSchema),
    drift: z
      .object({
        rankCorrelation: z.number().nullable(),
        shareChanges: z.array(z.object({ feature: z.string(), change: z.number() })),
        referenceRecords: z.number(),
      })
      .nullable(),
    additivity: z.object({
      records: z.number(),
      meanAbsResidual: z.number().nullable(),
      maxAbsResidual: z.number().nullable(),
      violationRate: z.number().nullable(),
      tolerance: z.number(),
    }),
    quality: z.object({
      sparsity: z.number().nullable(),
      stability: z.number().nullable(),
      stabilityPairs: z.number(),
      fidelity: z.number().nullable(),
      fidelityPairs: z.number(),
    }),
  })
  .openapi('ExplanationSummary', {
    description:
      "A window's global importance (top features), attribution drift against the reference, additivity and explanation quality",
  });

/** A version's adverse outcome: a predicted label, or a score above or below a cut-off. */
export const adverseOutcomeSchema = z
  .union([
    z.strictObject({ label: z.union([z.string().min(1).max(200), z.number().finite(), z.boolean()]) }),
    z.strictObject({ scoreAbove: z.number().finite() }),
    z.strictObject({ scoreBelow: z.number().finite() }),
  ])
  .openapi('AdverseOutcome', {
    description: 'What counts as an adverse decision: `{label}`, `{scoreAbove}` or `{scoreBelow}`',
  });
export type AdverseOutcome = z.infer<typeof adverseOutcomeSchema>;

export const reasonCodesBodySchema = z
  .record(z.string().min(1).max(200), z.string().trim().min(1, 'a reason text must not be empty').max(500))
  .refine((codes) => Object.keys(codes).length <= 5_000, 'at most 5,000 reason codes')
  .openapi('ReasonCodes', { description: 'Feature → the principal reason text shown to a consumer' });

export const reasonCodeRevisionSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    revision: z.number(),
    codes: z.record(z.string(), z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
    changeRequestId: z.string().nullable().openapi({
      description:
        'The governance change request that approved the revision (a version in production), else null',
    }),
  })
  .openapi('ReasonCodeRevision', { description: 'One revision of a version’s reason codes' });

export const reasonCodeWriteSchema = reasonCodeRevisionSchema
  .extend({
    unchanged: z.boolean().openapi({
      description: 'True when the table asked for is the one in force: nothing was stored',
    }),
  })
  .openapi('ReasonCodeWrite', { description: 'The revision in force after a reason-code write' });

export const lineageSchema = z
  .object({
    recordId: z.string(),
    model: z.string(),
    version: z.string(),
    timestamp: z.string(),
    receivedAt: z.string(),
    inputHash: z.string().openapi({ description: 'SHA-256 of the canonical JSON of the features' }),
    output: z.unknown().openapi({ description: 'The prediction' }),
    score: z.number().nullable(),
    segment: z.record(z.string(), z.string()).nullable(),
    attributions: z.record(z.string(), z.number()).nullable(),
    attributionMethod: z.string().nullable(),
    baseValue: z.number().nullable(),
    rolloutVariant: z.enum(['champion', 'candidate', 'other']).nullable().openapi({
      description:
        "Which variant served the version during the model's rollout (candidate or champion), `other` for a version in neither role, null when no rollout ran",
    }),
    label: z.unknown().nullable(),
    labelledAt: z.string().nullable(),
    probeOf: z.string().nullable(),
    disputes: z.number(),
  })
  .openapi('PredictionLineage', {
    description:
      'One decision: model, version, output, score, time, input hash, segment, attributions, label',
  });
export type Lineage = z.infer<typeof lineageSchema>;

export const reasonSchema = z.object({
  rank: z.number(),
  feature: z.string(),
  attribution: z.number(),
  reason: z.string(),
  coded: z.boolean().openapi({ description: 'False when the version has no reason code for the feature' }),
});

export const reasonsSchema = z
  .object({
    recordId: z.string(),
    model: z.string(),
    version: z.string(),
    adverse: z.boolean(),
    adverseOutcome: adverseOutcomeSchema,
    reasonCodeRevision: z.number().nullable(),
    attributionMethod: z.string().nullable(),
    reasons: z.array(reasonSchema),
  })
  .openapi('PrincipalReasons', {
    description:
      'The principal reasons of an adverse decision: the attributions pushing toward it, largest first',
  });
export type PrincipalReasons = z.infer<typeof reasonsSchema>;

export const DISPUTE_STATUSES = ['open', 'investigating', 'resolved', 'rejected'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const disputeSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    recordId: z.string(),
    statement: z.string(),
    piiFindings: z.array(z.object({ field: z.string(), kind: z.string(), excerpt: z.string() })),
    status: z.enum(DISPUTE_STATUSES),
    assignee: z.string(),
    dueAt: z.string(),
    openedAt: z.string(),
    openedBy: z.string(),
    resolution: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    overdue: z.boolean(),
  })
  .openapi('DecisionDispute', { description: 'A consumer dispute of one decision' });
export type Dispute = z.infer<typeof disputeSchema>;

export const openDisputeBody = z
  .strictObject({ statement: z.string().min(1).max(10_000) })
  .openapi('OpenDispute', { description: 'The consumer’s statement of what is disputed' });

export const updateDisputeBody = z
  .strictObject({
    status: z.enum(DISPUTE_STATUSES).optional(),
    resolution: z.string().min(1).max(10_000).optional(),
    assignee: z.string().min(1).max(200).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'name at least one of status, resolution, assignee')
  .openapi('UpdateDispute', { description: 'A change of a dispute’s status, resolution or assignee' });

export const optOutBody = z
  .strictObject({
    subjectKey: z.string().min(1).max(1024).openapi({
      description: 'The key the routing API is asked with (stored only as its SHA-256)',
    }),
    model: z.string().min(1).max(128).optional().openapi({ description: 'One model; absent: every model' }),
  })
  .openapi('OptOut', { description: 'A subject opting out of automated decisions' });

export const optOutSchema = z
  .object({ id: z.string(), subjectSha256: z.string(), model: z.string().nullable(), createdAt: z.string() })
  .openapi('OptOutRecord', { description: 'A recorded opt-out (the subject key only as its SHA-256)' });

const finite = z.number().finite();

/** An explanation report computed offline (SHAP over a validation set): global importance and quality scores. */
export const explanationReportBodySchema = z
  .strictObject({
    method: z.string().min(1).max(100).optional().openapi({ description: 'shap, lime, …' }),
    records: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: 'Records the report was computed on' }),
    globalImportance: z
      .record(z.string().min(1).max(200), finite.min(0))
      .refine((g) => Object.keys(g).length >= 1, 'at least one feature')
      .refine((g) => Object.keys(g).length <= 5_000, 'at most 5,000 features')
      .openapi({ description: 'Feature → mean |attribution|' }),
    quality: z
      .strictObject({
        sparsity: finite
          .min(0)
          .optional()
          .openapi({ description: 'Mean features needed for 80 % of |attribution|' }),
        stability: finite.min(0).max(1).optional(),
        fidelity: finite.min(-1).max(1).optional(),
      })
      .default({}),
  })
  .openapi('ExplanationReport', {
    description: 'Global importance and explanation quality computed outside Warden, as validation evidence',
  });
export type ExplanationReportBody = z.infer<typeof explanationReportBodySchema>;

const featureValues = z.record(
  z.string().min(1).max(200),
  z.union([z.string().max(1000), finite, z.boolean(), z.null()]),
);

/** Counterfactual examples: inputs changed just enough to change the decision. */
export const counterfactualsBodySchema = z
  .strictObject({
    method: z.string().min(1).max(100).optional().openapi({ description: 'DiCE, Wachter, …' }),
    examples: z
      .array(
        z.strictObject({
          recordId: z.string().min(1).max(256).optional(),
          original: featureValues,
          counterfactual: featureValues,
          originalOutcome: z.union([z.string().max(200), finite, z.boolean()]).optional(),
          counterfactualOutcome: z.union([z.string().max(200), finite, z.boolean()]).optional(),
        }),
      )
      .min(1)
      .max(1_000),
  })
  .openapi('CounterfactualExamples', {
    description:
      'Counterfactual examples of a version: an input and the nearest input that changes the decision',
  });
export type CounterfactualsBody = z.infer<typeof counterfactualsBodySchema>;

export const EVIDENCE_KINDS = ['report', 'counterfactuals'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const evidenceUploadSchema = z
  .object({
    id: z.string(),
    kind: z.enum(EVIDENCE_KINDS),
    revision: z
      .number()
      .int()
      .openapi({ description: '1, 2, … per version and kind; the highest is in force' }),
    sha256: z.string().openapi({ description: 'SHA-256 of the stored document (canonical JSON)' }),
    createdAt: z.string(),
    createdBy: z.string(),
    document: z.record(z.string(), z.unknown()),
  })
  .openapi('ExplanationEvidenceUpload', { description: 'One uploaded piece of explanation evidence' });

export const explanationEvidenceSchema = z
  .object({
    globalImportance: z
      .object({
        source: z.enum(['monitoring', 'report']),
        at: z.string().openapi({ description: 'End of the window, or the upload time' }),
        features: z.array(z.object({ feature: z.string(), meanAbs: z.number(), share: z.number() })),
      })
      .nullable(),
    quality: z.record(
      z.enum(['sparsity', 'stability', 'fidelity']),
      z.object({ value: z.number(), source: z.enum(['monitoring', 'report']), at: z.string() }).nullable(),
    ),
    counterfactuals: z
      .object({ examples: z.number(), sha256: z.string(), at: z.string(), by: z.string() })
      .nullable(),
    uploads: z.array(evidenceUploadSchema),
  })
  .openapi('ExplanationEvidence', {
    description:
      'What the validation gate reads for `explainability.evidence`: global importance and quality (from monitoring windows, else the uploaded report) and counterfactual examples',
  });

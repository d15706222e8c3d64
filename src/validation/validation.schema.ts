import { z } from '@hono/zod-openapi';
import { VALIDATION_LEVELS } from '../policy/index.js';

const probability = z
  .number()
  .refine(Number.isFinite, 'must be a finite number')
  .refine((v) => v >= 0 && v <= 1, 'must be a probability in [0, 1]');
const binary = z.union([z.literal(0), z.literal(1), z.boolean()], { error: 'must be 0, 1, true or false' });
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const featureValue = z.union([finite, z.string().max(10_000), z.boolean(), z.null()]);
const attributeMap = z.record(
  z.string().min(1).max(200),
  z.union([z.string().max(200), finite, z.boolean(), z.null()]),
);

/** One evaluation row: the true label, the candidate's score and/or prediction, and its attributes. */
export const evaluationRecordSchema = z
  .strictObject({
    label: binary,
    score: probability.optional(),
    prediction: binary.optional(),
    segment: attributeMap.optional(),
    sensitive: attributeMap.optional(),
    features: z.record(z.string().min(1).max(200), featureValue).optional(),
  })
  .refine((r) => r.score !== undefined || r.prediction !== undefined, {
    message: 'needs a score or a prediction',
    path: ['score'],
  });

const MAX_RECORDS = 200_000;

export const runValidationSchema = z
  .strictObject({
    records: z
      .array(evaluationRecordSchema)
      .min(1, 'must hold at least one record')
      .max(MAX_RECORDS, `at most ${MAX_RECORDS} records per run`),
    champion: z
      .strictObject({
        scores: z.array(probability).optional(),
        predictions: z.array(binary).optional(),
      })
      .optional()
      .openapi({ description: 'The production champion on the same rows, in the same order' }),
    reference: z
      .strictObject({
        features: z
          .array(z.record(z.string().min(1).max(200), featureValue))
          .min(1)
          .max(MAX_RECORDS),
      })
      .optional()
      .openapi({ description: 'A sample of the training data, for drift (PSI) against it' }),
    evidence: z
      .strictObject({
        latencyP95Ms: finite.refine((v) => v >= 0, 'must be >= 0').optional(),
        latencyP99Ms: finite.refine((v) => v >= 0, 'must be >= 0').optional(),
        peakMemoryMb: finite.refine((v) => v >= 0, 'must be >= 0').optional(),
        memoryLimitMb: finite.refine((v) => v > 0, 'must be > 0').optional(),
      })
      .optional()
      .openapi({
        description: 'Measurements taken by the caller; the report marks them as submitted, not measured',
      }),
    level: z
      .enum(VALIDATION_LEVELS)
      .optional()
      .openapi({ description: 'Default: what the policy requires for the version bump' }),
    threshold: probability.optional().openapi({ description: 'Decision threshold for scores (default 0.5)' }),
  })
  .openapi('RunValidation', {
    description: 'What to validate a version against: evaluation data, champion, operational evidence',
  });
export type RunValidationInput = z.infer<typeof runValidationSchema>;
export type EvaluationRecord = z.infer<typeof evaluationRecordSchema>;

export const CHECK_STATUSES = ['pass', 'fail', 'skipped', 'waived'] as const;

/** Levels a stored run can have: the suite's, and `experiment` for A/B test results. */
export const RUN_LEVELS = [...VALIDATION_LEVELS, 'experiment'] as const;
export type RunLevel = (typeof RUN_LEVELS)[number];
export type CheckStatus = (typeof CHECK_STATUSES)[number];

const measure = z.union([
  z.number(),
  z.string(),
  z.boolean(),
  z.null(),
  z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(z.string())])),
]);
export type Measure = z.infer<typeof measure>;

export const checkResultSchema = z
  .object({
    name: z.string(),
    status: z.enum(CHECK_STATUSES),
    value: measure,
    threshold: measure,
    rule: z.string().openapi({ description: 'Policy path the check came from' }),
    detail: z.string().optional(),
    missing: z.string().optional().openapi({
      description:
        'Set when a required check could not run because an input was not supplied (it then fails); names the input',
    }),
    items: z
      .array(z.record(z.string(), z.unknown()))
      .optional()
      .openapi({ description: 'Per-metric, per-feature or per-group breakdown' }),
    waiver: z
      .object({ id: z.string(), reason: z.string(), until: z.string(), approvedBy: z.string() })
      .optional(),
  })
  .openapi('ValidationCheck', {
    description: 'One check of a validation run: what was measured, against which threshold, and the verdict',
  });
export type CheckResult = z.infer<typeof checkResultSchema>;

export const validationRunSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    passed: z.boolean(),
    level: z.enum(RUN_LEVELS).openapi({
      description:
        'full, regression or smoke for a validation suite run; experiment for an A/B test recorded by a rollout (it satisfies no required level)',
    }),
    requiredLevel: z.enum(VALIDATION_LEVELS).nullable(),
    policyVersion: z.number().int(),
    checks: z.array(checkResultSchema),
    summary: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('ValidationRun', {
    description: 'A run of the validation suite on a version: checks, verdict and evidence',
  });
export type ValidationRun = z.infer<typeof validationRunSchema>;

export const createWaiverSchema = z
  .strictObject({
    check: z.string().min(1).max(200),
    reason: z.string().min(1).max(5000),
    until: z
      .string()
      .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 date')
      .openapi({ example: '2026-12-31' }),
  })
  .openapi('CreateWaiver', { description: 'A request to waive a failed validation check, with a reason' });
export type CreateWaiverInput = z.infer<typeof createWaiverSchema>;

export const waiverSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    check: z.string(),
    reason: z.string(),
    until: z.string(),
    status: z.enum(['pending', 'approved']),
    requestedBy: z.string(),
    requestedAt: z.string(),
    approvedBy: z.string().nullable(),
    approvedAt: z.string().nullable(),
  })
  .openapi('Waiver', { description: 'A waiver of a failed validation check, with its approval state' });
export type Waiver = z.infer<typeof waiverSchema>;

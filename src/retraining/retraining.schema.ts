import { z } from '@hono/zod-openapi';

export const RETRAINING_STATUSES = ['requested', 'delivered', 'completed', 'failed'] as const;
export type RetrainingStatus = (typeof RETRAINING_STATUSES)[number];

const RETRAINING_OUTCOMES = ['promoted', 'kept', 'failed'] as const;
export type RetrainingOutcome = (typeof RETRAINING_OUTCOMES)[number];

const costSchema = z
  .strictObject({
    amount: z.number().finite().min(0).max(1e12),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .openapi({ description: 'ISO 4217 currency code' }),
  })
  .openapi('TrainingCost', { description: 'What a retraining run cost to train' });
const costTotalsSchema = z.array(z.object({ currency: z.string(), amount: z.number() }));

const retrainingReasonSchema = z.object({
  rule: z.string(),
  feature: z.string().optional(),
  segment: z.string().optional(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  at: z.string(),
});

export const retrainingRequestSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string().openapi({ description: 'The version whose monitoring asked for retraining' }),
    reasons: z.array(retrainingReasonSchema),
    dataWindow: z.object({ from: z.string(), to: z.string() }),
    status: z.enum(RETRAINING_STATUSES),
    createdAt: z.string(),
    updatedAt: z.string(),
    deliveredAt: z.string().optional(),
    completedAt: z.string().optional(),
    reportedBy: z.string().optional(),
    producedVersion: z.string().optional(),
    outcome: z.enum(RETRAINING_OUTCOMES).optional(),
    metricChanges: z.record(z.string(), z.number()).optional(),
    note: z.string().optional(),
    keptVersion: z
      .string()
      .optional()
      .openapi({ description: 'The production champion a "kept" run left in place' }),
    cost: costSchema.optional(),
  })
  .openapi('RetrainingRequest', {
    description: 'A request to retrain a model, raised by a trigger or a person',
  });
export type RetrainingRequest = z.infer<typeof retrainingRequestSchema>;

/** What the pipeline reports back when a retraining run ends. */
export const retrainingResultSchema = z
  .strictObject({
    status: z.enum(['completed', 'failed']),
    producedVersion: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .openapi({ description: 'Version the run registered (must exist for the model)' }),
    outcome: z
      .enum(RETRAINING_OUTCOMES)
      .optional()
      .openapi({ description: 'Required when completed: promoted or kept; a failed run is `failed`' }),
    metricChanges: z.record(z.string().min(1).max(64), z.number().finite()).optional().openapi({
      description: 'Metric → change against the version in production, e.g. {"accuracy": 0.002}',
    }),
    note: z.string().max(4000).optional(),
    keptVersion: z.string().min(1).max(128).optional().openapi({
      description:
        'With "kept": the production champion kept (checked; filled in when left out). "promoted" must name in producedVersion a version whose production change request executed',
    }),
    cost: costSchema.optional(),
  })
  .openapi('RetrainingResult', {
    description:
      'The outcome of a retraining run: the version it registered, promoted or kept, metric changes',
  });
export type RetrainingResultInput = z.infer<typeof retrainingResultSchema>;

export const retrainingLogSchema = z
  .object({
    model: z.string(),
    summary: z.object({
      requests: z.number().int(),
      promoted: z.number().int(),
      kept: z.number().int(),
      failed: z.number().int(),
      open: z.number().int(),
      costSpent: costTotalsSchema.openapi({
        description: 'Training cost of every reported run, per currency',
      }),
      costSaved: costTotalsSchema.openapi({
        description: 'Training cost of runs whose version was not promoted (kept), per currency',
      }),
    }),
    entries: z.array(
      z.object({
        requestId: z.string(),
        requestedAt: z.string(),
        completedAt: z.string().optional(),
        reasons: z.array(retrainingReasonSchema),
        status: z.enum(RETRAINING_STATUSES),
        outcome: z.enum(RETRAINING_OUTCOMES).optional(),
        producedVersion: z.string().optional(),
        metricChanges: z.record(z.string(), z.number()).optional(),
        note: z.string().optional(),
        keptVersion: z.string().optional(),
        cost: costSchema.optional(),
      }),
    ),
  })
  .openapi('RetrainingLog', { description: 'The retraining decision log of a model' });
export type RetrainingLog = z.infer<typeof retrainingLogSchema>;

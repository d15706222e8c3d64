import { z } from '@hono/zod-openapi';

export const RETRAINING_STATUSES = ['requested', 'delivered', 'completed', 'failed'] as const;
export type RetrainingStatus = (typeof RETRAINING_STATUSES)[number];

const RETRAINING_OUTCOMES = ['promoted', 'kept', 'failed'] as const;
export type RetrainingOutcome = (typeof RETRAINING_OUTCOMES)[number];

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
  })
  .openapi('RetrainingRequest');
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
  })
  .openapi('RetrainingResult');
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
      }),
    ),
  })
  .openapi('RetrainingLog');
export type RetrainingLog = z.infer<typeof retrainingLogSchema>;

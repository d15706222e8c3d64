import { z } from '@hono/zod-openapi';

/** A model name is URL-safe; the free-text label is `displayName`. */
export const modelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must match [A-Za-z0-9][A-Za-z0-9._-]{0,127}')
  .openapi({ example: 'credit-default' });

const freeText = (max: number) => z.string().max(max);
const tagMap = z
  .record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'tag keys are 1–64 URL-safe characters'),
    z.string().max(256),
  )
  .refine((t) => Object.keys(t).length <= 64, 'at most 64 tags');

export const consumerSchema = z.strictObject({
  name: z.string().min(1).max(200),
  contact: z.string().max(320).optional(),
  webhookUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
});

export const riskTier = z
  .number()
  .int()
  .min(1)
  .max(4)
  .openapi({ description: '1 critical · 2 high · 3 standard · 4 experimental' });

export const piiFindingSchema = z
  .object({ field: z.string(), kind: z.string(), excerpt: z.string() })
  .openapi('PiiFinding', { description: 'Personal data found in a stored text field' });

export const createModelSchema = z
  .strictObject({
    name: modelName,
    displayName: freeText(200).optional(),
    description: freeText(10_000).optional(),
    owner: z.string().min(1).max(200),
    team: z.string().min(1).max(200).optional(),
    riskTier,
    useCase: freeText(2_000).optional(),
    intendedUse: freeText(10_000).optional(),
    tags: tagMap.optional(),
    consumers: z.array(consumerSchema).max(200).optional(),
  })
  .openapi('CreateModel', { description: 'A model to register' });

export const patchModelSchema = z
  .strictObject({
    displayName: freeText(200).nullable().optional(),
    description: freeText(10_000).nullable().optional(),
    owner: z.string().min(1).max(200).optional(),
    team: z.string().min(1).max(200).nullable().optional(),
    riskTier: riskTier.optional(),
    useCase: freeText(2_000).nullable().optional(),
    intendedUse: freeText(10_000).nullable().optional(),
    tags: tagMap.optional(),
    consumers: z.array(consumerSchema).max(200).optional(),
  })
  .openapi('PatchModel', { description: 'Changes to a model’s descriptive fields' });

export const modelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    displayName: z.string().nullable(),
    description: z.string().nullable(),
    owner: z.string(),
    team: z.string().nullable(),
    riskTier: z.number().int(),
    useCase: z.string().nullable(),
    intendedUse: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    consumers: z.array(consumerSchema),
    championVersion: z.string().nullable(),
    previousChampionVersion: z.string().nullable(),
    piiFindings: z.array(piiFindingSchema),
    legalHold: z
      .object({ reason: z.string(), placedAt: z.string(), placedBy: z.string() })
      .nullable()
      .openapi({
        description: 'Set while the model is under legal hold: none of its records may be purged or deleted',
      }),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Model', { description: 'A registered model: owner, team, use, risk tier, consumers and tags' });

export type CreateModelInput = z.infer<typeof createModelSchema>;
export type PatchModelInput = z.infer<typeof patchModelSchema>;
export type Model = z.infer<typeof modelSchema>;
export type Consumer = z.infer<typeof consumerSchema>;

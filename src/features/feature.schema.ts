import { z } from '@hono/zod-openapi';
import semver from 'semver';

/** The value types a catalog feature may have. */
export const FEATURE_TYPES = ['numeric', 'categorical', 'boolean', 'text', 'embedding', 'timestamp'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

export const FEATURE_STATUSES = ['active', 'deprecated'] as const;
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

/** Feature names follow the model-name rule: URL-safe, 1–128 characters. */
export const featureName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must match [A-Za-z0-9][A-Za-z0-9._-]{0,127}')
  .openapi({ example: 'txn_amount_7d_mean' });

const semverText = z
  .string()
  .max(128)
  .refine((v) => semver.valid(v) === v, 'must be a semantic version MAJOR.MINOR.PATCH (e.g. 1.4.0)');

/** How stale the data may be: a positive whole number and a unit, e.g. "65m", "25h", "7d". */
export const freshnessText = z
  .string()
  .regex(/^[1-9]\d{0,5}[smhdw]$/, 'must be a duration such as "90s", "65m", "25h", "7d" or "2w"');

const slaSchema = z
  .strictObject({
    freshness: freshnessText.optional(),
    completeness: z
      .number()
      .min(0, 'must be between 0 and 1')
      .max(1, 'must be between 0 and 1')
      .optional()
      .openapi({ description: 'Share of non-missing values required, 0–1' }),
  })
  .openapi('FeatureSla', { description: 'Quality promises of a feature: freshness and completeness' });

const isoTime = z.iso.datetime({ offset: true });

export const createFeatureSchema = z
  .strictObject({
    name: featureName,
    owner: z.string().min(1).max(200),
    type: z.enum(FEATURE_TYPES),
    description: z.string().max(10_000).optional(),
    source: z
      .string()
      .max(2048)
      .optional()
      .openapi({ description: 'Where the feature comes from (stored as text, never opened)' }),
    refreshCadence: z.string().min(1).max(100).optional().openapi({ example: 'hourly' }),
    sla: slaSchema.optional(),
    version: semverText,
    status: z.enum(FEATURE_STATUSES).optional(),
    deprecatedAt: isoTime.optional(),
  })
  .openapi('CreateFeature', { description: 'A feature to catalogue' });

export const patchFeatureSchema = z
  .strictObject({
    owner: z.string().min(1).max(200).optional(),
    type: z.enum(FEATURE_TYPES).optional(),
    description: z.string().max(10_000).nullable().optional(),
    source: z.string().max(2048).nullable().optional(),
    refreshCadence: z.string().min(1).max(100).nullable().optional(),
    sla: slaSchema.nullable().optional().openapi({ description: 'Replaces the SLA; null removes it' }),
    version: semverText.optional().openapi({ description: 'Must be greater than the current version' }),
    status: z.enum(FEATURE_STATUSES).optional(),
    deprecatedAt: isoTime.optional(),
  })
  .openapi('PatchFeature', { description: 'Changes to a catalogued feature' });

export const featureSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    owner: z.string(),
    type: z.enum(FEATURE_TYPES),
    description: z.string().nullable(),
    source: z.string().nullable(),
    refreshCadence: z.string().nullable(),
    sla: z.object({ freshness: z.string().optional(), completeness: z.number().optional() }),
    version: z.string(),
    status: z.enum(FEATURE_STATUSES),
    deprecatedAt: z.string().nullable(),
    graceEndsAt: z.string().nullable().openapi({
      description:
        'Deprecated features: the end of the policy’s grace period, before which removal is refused',
    }),
    removedAt: z.string().nullable(),
    removedBy: z.string().nullable(),
    piiFindings: z.array(z.object({ field: z.string(), kind: z.string(), excerpt: z.string() })),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Feature', {
    description: 'A catalogued feature: owner, type, source, refresh cadence, quality SLAs, versions',
  });

export const featureConsumersSchema = z
  .object({
    items: z.array(
      z.object({
        model: z.string(),
        versions: z.array(z.object({ version: z.string(), stage: z.string() })),
      }),
    ),
  })
  .openapi('FeatureConsumers', { description: 'The model versions that consume a feature' });

export const modelFeaturesSchema = z
  .object({
    items: z.array(
      featureSchema.extend({
        usedByVersions: z.array(z.string()).openapi({ description: 'Versions of the model that consume it' }),
      }),
    ),
  })
  .openapi('ModelFeatures', { description: 'The features a model version consumes' });

export type CreateFeatureInput = z.infer<typeof createFeatureSchema>;
export type PatchFeatureInput = z.infer<typeof patchFeatureSchema>;
export type Feature = z.infer<typeof featureSchema>;

export const consumerVersionSchema = z.object({
  model: z.string(),
  owner: z.string(),
  version: z.string(),
  stage: z.string(),
});

/** A feature as a change left it; when the change deprecated it, who consumes it and who was told. */
export const featureChangeSchema = featureSchema
  .extend({
    deprecation: z
      .object({
        graceEndsAt: z.string(),
        consumers: z.array(consumerVersionSchema),
        notifiedOwners: z.array(z.string()),
      })
      .optional(),
  })
  .openapi('FeatureChange');
export type FeatureChange = z.infer<typeof featureChangeSchema>;

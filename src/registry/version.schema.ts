import { z } from '@hono/zod-openapi';
import semver from 'semver';
import { piiFindingSchema } from './model.schema.js';
import { BUMP_LEVELS } from './version-bump.js';

export const STAGES = [
  'development',
  'staging',
  'approved',
  'production',
  'deprecated',
  'archived',
  'rejected',
] as const;
export type Stage = (typeof STAGES)[number];

export const semverString = z
  .string()
  .max(128)
  .refine((v) => semver.valid(v) === v, 'must be a semantic version MAJOR.MINOR.PATCH (e.g. 1.4.0)')
  .openapi({ example: '1.0.0' });

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters (SHA-256)');
const finiteNumber = z.number().refine(Number.isFinite, 'must be a finite number');
const metricMap = z.record(z.string().min(1).max(128), finiteNumber);

export const lineageSchema = z
  .strictObject({
    datasets: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(200),
          uri: z.string().min(1).max(2048),
          sha256: sha256Hex,
        }),
      )
      .min(1, 'at least one training dataset is required')
      .max(100),
    featureSetVersion: z.string().max(128).optional(),
    hyperparameters: z.record(z.string(), z.unknown()).optional(),
    environment: z
      .strictObject({
        image: z.string().max(512).optional(),
        imageDigest: z.string().max(128).optional(),
        runtime: z.string().max(128).optional(),
        hardware: z.string().max(256).optional(),
      })
      .optional(),
    trainingRunId: z.string().max(256).optional(),
    codeCommit: z.string().max(128).optional(),
    trainingDurationS: z.number().nonnegative().optional(),
  })
  .openapi('Lineage', {
    description:
      'What a version was trained from: datasets with SHA-256, feature set, hyperparameters, environment, run and commit',
  });

export const schemaFieldSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    type: z.enum(['number', 'integer', 'string', 'boolean', 'category']),
    nullable: z.boolean().optional(),
    min: finiteNumber.optional(),
    max: finiteNumber.optional(),
    categories: z.array(z.string()).max(10_000).optional(),
  })
  .openapi('InputField', { description: 'One input of the model’s signature: name and type' });

export const createVersionSchema = z
  .strictObject({
    version: semverString,
    framework: z.string().max(128).optional(),
    description: z.string().max(10_000).optional(),
    lineage: lineageSchema,
    metrics: metricMap.optional(),
    segmentMetrics: z.record(z.string().min(1).max(200), metricMap).optional(),
    inputSchema: z.array(schemaFieldSchema).max(5_000).optional(),
    outputSchema: z.array(schemaFieldSchema).max(1_000).optional().openapi({
      description: 'Fields of the prediction the version returns; a change makes the bump MAJOR',
    }),
    features: z
      .array(z.string().min(1).max(200))
      .max(5_000)
      .optional()
      .openapi({ description: 'Names of catalog features this version consumes' }),
    tags: z.record(z.string().min(1).max(64), z.string().max(256)).optional(),
  })
  .openapi('CreateVersion', {
    description: 'A version to register, with its lineage and evaluation metrics',
  });

export const patchVersionSchema = z
  .strictObject({
    tags: z.record(z.string().min(1).max(64), z.string().max(256)),
  })
  .openapi('PatchVersion', { description: 'Changes to a version’s descriptive fields' });

export const versionSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    stage: z.enum(STAGES),
    framework: z.string().nullable(),
    description: z.string().nullable(),
    lineage: lineageSchema,
    metrics: z.record(z.string(), z.number()),
    segmentMetrics: z.record(z.string(), z.record(z.string(), z.number())),
    inputSchema: z.array(schemaFieldSchema),
    outputSchema: z.array(schemaFieldSchema).nullable(),
    features: z.array(z.string()),
    tags: z.record(z.string(), z.string()),
    artifact: z.object({ sha256: z.string(), size: z.number() }).nullable(),
    signatures: z.array(
      z.object({
        id: z.string(),
        keyId: z.string(),
        keyName: z.string(),
        verified: z.boolean(),
        keyRevoked: z.boolean(),
        createdAt: z.string(),
      }),
    ),
    verified: z.boolean().openapi({
      description:
        'An artifact is present, its stored bytes matched its digest when last re-hashed, and at least one registered, unrevoked key signed that digest',
    }),
    integrity: z
      .object({
        checkedAt: z
          .string()
          .nullable()
          .openapi({ description: 'When the stored bytes were last re-hashed' }),
        failedAt: z.string().nullable().openapi({
          description: 'When the bytes were found not to match the digest (null while they match)',
        }),
      })
      .openapi({ description: 'The last re-hash of the artifact bytes' }),
    declaredBump: z.enum(BUMP_LEVELS).nullable().openapi({
      description: 'What the version string says over the previous version (null on a model’s first version)',
    }),
    requiredBump: z.enum(BUMP_LEVELS).nullable().openapi({
      description: 'What the changes since the previous version require (null on a model’s first version)',
    }),
    bumpReasons: z.array(z.string()).openapi({
      description:
        'What changed since the previous version, naming each feature, framework or dataset change',
    }),
    previousVersion: z
      .string()
      .nullable()
      .openapi({ description: 'The version the bump is measured against' }),
    hasSbom: z.boolean(),
    hasModelCard: z.boolean(),
    piiFindings: z.array(piiFindingSchema),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ModelVersion', {
    description: 'A model version: semantic version, stage, lineage, metrics, artifact and integrity',
  });

export type CreateVersionInput = z.infer<typeof createVersionSchema>;
export type ModelVersion = z.infer<typeof versionSchema>;

import { z } from '@hono/zod-openapi';

export const DEPLOYMENT_STATUSES = ['active', 'ended'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** An environment name: free, but URL-safe and lower case, so filters match what was recorded. */
export const environmentName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,62}$/,
    'must match [a-z0-9][a-z0-9._-]{0,62} (e.g. production, staging, shadow)',
  )
  .openapi({ example: 'production' });

/** Records that a version now runs somewhere. */
export const createDeploymentSchema = z
  .strictObject({
    environment: environmentName,
    target: z.string().trim().min(1).max(500).openapi({
      description: 'Where in the environment it runs: endpoint, cluster or service name',
      example: 'api-gateway/us-east-1',
    }),
    trafficPercent: z
      .number()
      .min(0)
      .max(100)
      .default(100)
      .openapi({ description: 'Share of the target’s traffic this version serves, 0–100 (default 100)' }),
    note: z.string().max(4000).optional(),
  })
  .openapi('CreateDeployment', { description: 'A deployment to record' });
export type CreateDeploymentInput = z.infer<typeof createDeploymentSchema>;

export const endDeploymentSchema = z
  .strictObject({ reason: z.string().trim().min(1).max(4000) })
  .openapi('EndDeployment', { description: 'The end of a deployment' });
export type EndDeploymentInput = z.infer<typeof endDeploymentSchema>;

export const deploymentSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    environment: z.string(),
    target: z.string(),
    status: z.enum(DEPLOYMENT_STATUSES),
    trafficPercent: z.number(),
    note: z.string().nullable(),
    piiFindings: z.array(z.object({ field: z.string(), kind: z.string(), excerpt: z.string() })),
    deployedBy: z.string(),
    deployedAt: z.string(),
    endedBy: z.string().nullable(),
    endedAt: z.string().nullable(),
    endReason: z.string().nullable(),
  })
  .openapi('Deployment', { description: 'Which version runs where: environment, target and traffic share' });
export type Deployment = z.infer<typeof deploymentSchema>;

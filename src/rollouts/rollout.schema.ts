import { z } from '@hono/zod-openapi';
import { semverString } from '../registry/version.schema.js';
import { ROLLOUT_STATUSES, ROLLOUT_STRATEGIES } from './rollout.rules.js';

const fraction = z.number().finite().min(0, 'must be >= 0').max(1, 'must be <= 1');

/** `POST /api/v1/models/{name}/rollouts`: what the caller sets; the tier's policy fills the rest. */
export const startRolloutSchema = z
  .strictObject({
    candidate: semverString.openapi({ description: 'The approved version to roll out' }),
    strategy: z.enum(ROLLOUT_STRATEGIES),
    steps: z.array(z.number().finite()).min(1).max(20).optional().openapi({
      description:
        'Canary only: candidate share per step, increasing, ending at 100 (default: the tier’s canaryStepsPct)',
    }),
    analysis: z
      .strictObject({
        intervalSeconds: z.number().int().min(1, 'must be >= 1').max(86_400).optional(),
        stepSeconds: z
          .number()
          .int()
          .min(1, 'must be >= 1')
          .max(30 * 86_400)
          .optional()
          .openapi({
            description: 'Least time each step holds (default: the tier’s minStepMinutes)',
          }),
        minSamplesPerVariant: z.number().int().min(1, 'must be >= 1').max(100_000_000).optional(),
        maxWaitSeconds: z
          .number()
          .int()
          .min(1, 'must be >= 1')
          .max(90 * 86_400)
          .optional(),
        alpha: z.number().gt(0, 'must be > 0').lt(0.5, 'must be < 0.5').optional(),
        requireLabels: z.boolean().optional(),
        failureLimit: z.number().int().min(0, 'must be >= 0').max(1000).optional().openapi({
          description: 'Failed analyses a metric tolerates before the rollout aborts (default 0)',
        }),
        failureLimits: z
          .record(
            z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a metric name such as error_rate'),
            z.number().int().min(0, 'must be >= 0').max(1000),
          )
          .optional()
          .openapi({ description: 'failureLimit per metric name (error_rate, latency_p95_ms, …)' }),
        custom: z
          .array(
            z.strictObject({
              name: z.string().min(1).max(60),
              signal: z.string().min(1).max(220).openapi({
                description:
                  'signals.<name> or feedback.down (aggregate rate); score or latencyMs (mean or p95)',
              }),
              aggregate: z.enum(['rate', 'mean', 'p95']),
              maxValue: z.number().finite().optional(),
              maxIncrease: z.number().finite().min(0, 'must be >= 0').optional(),
              failureLimit: z.number().int().min(0, 'must be >= 0').max(1000).optional(),
            }),
          )
          .max(20)
          .optional()
          .openapi({
            description:
              'Custom metrics judged per variant beside the built-in ones, reported as custom:<name>',
          }),
        thresholds: z
          .strictObject({
            errorRate: fraction.optional(),
            latencyP95Ms: z.number().positive().optional(),
            latencyP99Ms: z.number().positive().optional(),
            accuracyDrop: fraction.optional(),
            predictionPsi: z.number().positive().optional(),
            shadowAgreement: fraction.optional(),
          })
          .optional(),
      })
      .optional()
      .openapi({
        description:
          'Omitted fields come from the tier’s policy (rollout.analysis, rollbackErrorRatePct, …), else Warden’s defaults; custom metrics merge by name. The stored plan shows each value’s source',
      }),
    durationHours: z
      .number()
      .positive()
      .max(24 * 90)
      .optional(),
    smokePct: z.number().min(0, 'must be >= 0').lt(100, 'must be < 100').optional().openapi({
      description:
        'Blue-green only: the candidate’s share of live traffic during the smoke phase (default 0: smoke requests only)',
    }),
    ab: z
      .strictObject({
        metric: z.enum(['error_rate', 'accuracy', 'latency_ms']).optional(),
        split: z.number().gt(0, 'must be > 0').lt(100, 'must be < 100').optional(),
        baseline: z
          .number()
          .gt(0)
          .lt(1)
          .optional()
          .openapi({ description: 'Champion rate the MDE is measured from' }),
        sd: z
          .number()
          .positive()
          .optional()
          .openapi({ description: 'Outcome standard deviation (latency_ms)' }),
        mde: z.number().positive(),
        power: z.number().gt(0).lt(1).optional(),
        alpha: z.number().gt(0).lt(0.5).optional(),
      })
      .optional(),
  })
  .openapi('StartRollout', { description: 'A rollout plan to start (canary, shadow, blue-green, A/B)' });
export type StartRolloutInput = z.infer<typeof startRolloutSchema>;

export const rolloutControlSchema = z
  .strictObject({ reason: z.string().trim().min(1).max(2000).optional() })
  .openapi('RolloutControl', { description: 'The reason for a manual action on a rollout' });

const metricResultSchema = z.object({
  metric: z.string(),
  counts: z.object({ champion: z.number(), candidate: z.number() }),
  value: z.object({ champion: z.number().nullable(), candidate: z.number().nullable() }),
  threshold: z.number().nullable(),
  verdict: z.enum(['pass', 'fail', 'insufficient_data']),
  blocking: z.boolean(),
  pValue: z.number().optional(),
  detail: z.string().optional(),
  failures: z.number().optional(),
  failureLimit: z.number().optional(),
});

export const rolloutSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    status: z.enum(ROLLOUT_STATUSES),
    strategy: z.enum(ROLLOUT_STRATEGIES),
    candidate: z.string(),
    champion: z.string(),
    changeRequestId: z.string(),
    step: z.number().int().openapi({ description: 'Index into steps' }),
    steps: z.array(z.number()),
    weights: z.object({ champion: z.number(), candidate: z.number() }),
    phase: z.enum(['smoke', 'switched']).optional().openapi({
      description: 'Blue-green only: the smoke analysis before the switch, or after the full switch',
    }),
    plan: z.record(z.string(), z.unknown()),
    stepStartedAt: z.string(),
    nextAnalysisAt: z.string(),
    verdict: z.enum(['pass', 'fail', 'insufficient_data']).nullable(),
    analysis: z.array(metricResultSchema),
    shadow: z.record(z.string(), z.unknown()).optional(),
    result: z.record(z.string(), z.unknown()).optional(),
    reason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    endedAt: z.string().nullable(),
  })
  .openapi('Rollout', {
    description: 'A rollout of a candidate against the champion: plan, current step, weights and verdicts',
  });
export type Rollout = z.infer<typeof rolloutSchema>;

export const routeDecisionSchema = z
  .object({
    version: z.string().nullable(),
    variant: z.enum(['champion', 'candidate', 'human-review']).openapi({
      description:
        '`human-review`: the subject opted out of automated decisions; send the request to a person',
    }),
    shadow: z
      .string()
      .optional()
      .openapi({ description: 'The candidate version that receives the mirrored request' }),
    rolloutId: z.string().optional(),
  })
  .openapi('RouteDecision', { description: 'Which variant (and version) serves a request key' });

export const routingTableSchema = z
  .object({
    etag: z.string(),
    models: z.array(
      z.object({
        model: z.string(),
        champion: z.string().nullable(),
        rollout: z
          .object({
            id: z.string(),
            strategy: z.enum(ROLLOUT_STRATEGIES),
            candidate: z.string(),
            candidateWeight: z.number(),
            shadow: z.boolean(),
          })
          .optional(),
      }),
    ),
    optOuts: z
      .object({
        complete: z.boolean().openapi({
          description:
            'False when there are more opt-outs than the table carries (20,000); then ask the route API per key',
        }),
        subjects: z.array(
          z.object({
            model: z.string().nullable().openapi({ description: 'One model; null: every model' }),
            subjectSha256: z.string().openapi({ description: 'SHA-256 (hex) of the routing key' }),
          }),
        ),
      })
      .openapi({
        description: 'Subjects who opted out of automated decisions; their keys get `human-review`',
      }),
  })
  .openapi('RoutingTable', {
    description: 'Per model, the version serving and the active rollout’s candidate weight',
  });

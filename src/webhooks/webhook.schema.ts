import { z } from '@hono/zod-openapi';

/** Events a subscription may ask for; `*` means every event, including ones added later. */
export const WEBHOOK_EVENTS = [
  'change_request.opened',
  'change_request.decided',
  'change_request.executed',
  'model.promoted',
  'model.rolled_back',
  'retirement.announced',
  'alert.opened',
  'alert.escalated',
  'alert.resolved',
  'retraining.requested',
  'incident.opened',
  'deployment.created',
  'deployment.ended',
  'retirement.archive_held',
  'model_card.review_due',
  'report.ready',
  'audit_finding.overdue',
  'rollout.started',
  'rollout.advanced',
  'rollout.paused',
  'rollout.resumed',
  'rollout.aborted',
  'rollout.succeeded',
  'feature.deprecated',
  'feature.removed',
  'feature.stale',
  'feature.fresh',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const createWebhookSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .openapi({ description: 'http or https URL that receives a POST per event' }),
    events: z
      .array(z.enum([...WEBHOOK_EVENTS, '*']))
      .min(1)
      .max(WEBHOOK_EVENTS.length + 1),
    secret: z
      .string()
      .min(16, 'use a secret of at least 16 characters')
      .max(512)
      .openapi({ description: 'Signs each delivery (HMAC-SHA256); stored, never returned' }),
    description: z.string().max(500).optional(),
  })
  .openapi('CreateWebhook', { description: 'A webhook subscription to create' });

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('Webhook', { description: 'A webhook subscription: URL, events, and delivery state' });

export const deliverySchema = z
  .object({
    id: z.string(),
    subscriptionId: z.string().nullable(),
    url: z.string(),
    eventId: z.string(),
    event: z.string(),
    subject: z.string(),
    status: z.enum(['pending', 'delivered', 'dead', 'cancelled']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    log: z.array(
      z.object({
        attempt: z.number().int(),
        at: z.string(),
        statusCode: z.number().int().nullable(),
        error: z.string().nullable(),
        durationMs: z.number(),
      }),
    ),
  })
  .openapi('WebhookDelivery', { description: 'One delivery of an event to a webhook, with its attempts' });

export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;
export type Webhook = z.infer<typeof webhookSchema>;
export type Delivery = z.infer<typeof deliverySchema>;

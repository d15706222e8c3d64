import { z } from '@hono/zod-openapi';
import { ALERT_STATUSES, SEVERITIES } from './alert-state.js';

/** One comment left when an alert or incident is acknowledged or resolved. */
export const commentSchema = z
  .object({
    at: z.string(),
    by: z.string(),
    action: z.enum(['acknowledged', 'resolved', 'auto-resolved']),
    comment: z.string(),
  })
  .openapi('LifecycleComment');
export type LifecycleComment = z.infer<typeof commentSchema>;

export const alertSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    rule: z.string(),
    feature: z.string().optional(),
    segment: z.string().optional(),
    policyRule: z.string(),
    severity: z.enum(SEVERITIES),
    status: z.enum(ALERT_STATUSES),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    detail: z.string().optional(),
    window: z.object({ from: z.string(), to: z.string() }),
    openedAt: z.string(),
    lastSeenAt: z.string(),
    occurrences: z.number().int(),
    cleanWindows: z.number().int(),
    escalationLevel: z
      .number()
      .int()
      .openapi({ description: '0 = first name of the chain, told at opening' }),
    escalatedTo: z.string(),
    escalatedAt: z.string().optional(),
    acknowledgedBy: z.string().optional(),
    acknowledgedAt: z.string().optional(),
    resolvedBy: z.string().optional(),
    resolvedAt: z.string().optional(),
    comments: z.array(commentSchema),
  })
  .openapi('Alert');
export type Alert = z.infer<typeof alertSchema>;

/** Body of acknowledge and resolve, for alerts and incidents alike. */
export const lifecycleCommentBody = z
  .strictObject({
    comment: z.string().trim().min(1, 'say what was done or found').max(4000),
  })
  .openapi('LifecycleCommentBody');

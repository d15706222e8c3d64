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
  .openapi('LifecycleComment', {
    description: 'An action on an alert or incident (acknowledge, resolve) with its comment',
  });
export type LifecycleComment = z.infer<typeof commentSchema>;

/** One check an alert groups, with its latest verdict. */
const alertCheckSchema = z
  .object({
    rule: z.string(),
    feature: z.string().optional(),
    segment: z.string().optional(),
    version: z.string(),
    status: z.enum(['ok', 'warning', 'alert', 'insufficient_data']),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    policyRule: z.string(),
    detail: z.string().optional(),
    window: z.object({ from: z.string(), to: z.string() }),
  })
  .openapi('AlertCheck', { description: 'A check an alert groups, with its latest verdict' });

export const alertDetailsSchema = z
  .object({
    rules: z.array(z.string()),
    features: z.array(z.string()),
    segments: z.array(z.string()),
    checks: z.array(alertCheckSchema),
  })
  .openapi('AlertDetails', {
    description: 'Every check the alert groups (deduplicated by rule, feature and segment)',
  });
export type AlertDetails = z.infer<typeof alertDetailsSchema>;

export const alertSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    kind: z.string().openapi({
      description:
        'The monitor kind the alert groups: a rule family (dataDrift, conceptDrift, performance, fairness) or a rule of its own',
    }),
    rule: z.string().openapi({ description: 'The rule of the worst check the alert groups' }),
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
    details: alertDetailsSchema,
  })
  .openapi('Alert', {
    description: 'A monitoring alert: rule, severity, value against threshold, state and escalation',
  });
export type Alert = z.infer<typeof alertSchema>;

/** Body of acknowledge and resolve, for alerts and incidents alike. */
export const lifecycleCommentBody = z
  .strictObject({
    comment: z.string().trim().min(1, 'say what was done or found').max(4000),
  })
  .openapi('LifecycleCommentBody', { description: 'An optional comment for acknowledging or resolving' });

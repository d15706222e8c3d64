import { z } from '@hono/zod-openapi';
import { commentSchema } from '../alerts/alert.schema.js';

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const incidentSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    signal: z.string().openapi({ description: '`safety_signal:<name>` or `negative_feedback_rate`' }),
    segment: z.string().optional(),
    status: z.enum(INCIDENT_STATUSES),
    window: z.object({ from: z.string(), to: z.string(), records: z.number().int() }),
    count: z.number().int().openapi({ description: 'Records of the window carrying the signal' }),
    rate: z.number(),
    baselineRate: z.number(),
    baselineWindows: z.number().int(),
    baselineRecords: z.number().int(),
    test: z.string(),
    z: z.number(),
    pValue: z.number(),
    exampleRecordIds: z.array(z.string()),
    openedAt: z.string(),
    lastSeenAt: z.string(),
    occurrences: z.number().int(),
    acknowledgedBy: z.string().optional(),
    acknowledgedAt: z.string().optional(),
    resolvedBy: z.string().optional(),
    resolvedAt: z.string().optional(),
    comments: z.array(commentSchema),
  })
  .openapi('Incident', {
    description:
      'An incident: a spike in a safety-signal or feedback rate against its baseline, with its test',
  });
export type Incident = z.infer<typeof incidentSchema>;

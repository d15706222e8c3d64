import { z } from '@hono/zod-openapi';
import type { Role } from '../auth/roles.js';

/**
 * The seven audit areas of the annual model audit program (seed 002), in the seed's order: the
 * id a finding names, and the label documents show.
 */
export const AUDIT_AREAS = [
  'model-performance',
  'data-quality',
  'bias-fairness',
  'monitoring-effectiveness',
  'governance-compliance',
  'security',
  'business-value',
] as const;
export type AuditArea = (typeof AUDIT_AREAS)[number];

export const AUDIT_AREA_LABELS: Record<AuditArea, string> = {
  'model-performance': 'Model performance (actual vs. stated metrics)',
  'data-quality': 'Data quality and provenance',
  'bias-fairness': 'Bias and fairness (retest with audit methodology)',
  'monitoring-effectiveness': 'Monitoring effectiveness (alert response times, resolution)',
  'governance-compliance': 'Governance compliance (approvals, documentation, audit trail)',
  security: 'Security (model artifact integrity, access controls)',
  'business-value': 'Business value (ROI, cost vs. benefit analysis)',
};

export const FINDING_SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

/**
 * A finding's remediation status: `open` when recorded, `in-progress` or `remediated` as its owner
 * answers, `closed` only by an auditor.
 */
export const FINDING_STATUSES = ['open', 'in-progress', 'remediated', 'closed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** Decisions sampled each quarter for review. */
export const DECISION_KINDS = ['change-request', 'waiver', 'alert-resolution'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** Who may open an audit program. */
export const PROGRAM_ROLES: readonly Role[] = ['admin', 'compliance', 'auditor'];
/** Who may record and close findings: the auditor role (and see {@link NOT_INDEPENDENT_ROLES}). */
export const AUDITOR_ROLES: readonly Role[] = ['auditor'];
/**
 * Roles that build, ship or run models: a principal holding any of them is not independent of
 * what is audited and may neither record nor close a finding, whatever else it holds.
 */
export const NOT_INDEPENDENT_ROLES: readonly Role[] = ['data-scientist', 'ml-engineer', 'mlops'];

export const DEFAULT_TIER2_SAMPLE_PCT = 20;
export const DEFAULT_DECISIONS_PER_QUARTER = 5;

const area = z.string().refine((a) => (AUDIT_AREAS as readonly string[]).includes(a), {
  error: (issue) => `unknown audit area "${String(issue.input)}" (one of: ${AUDIT_AREAS.join(', ')})`,
});

export const createProgramSchema = z
  .strictObject({
    year: z.number().int('must be a whole year').min(2000, 'must be 2000 or later'),
    scope: z
      .array(area)
      .min(1, 'must name at least one audit area')
      .refine((a) => new Set(a).size === a.length, 'must not name an area twice')
      .openapi({ description: `The audit areas covered: ${AUDIT_AREAS.join(', ')}` }),
    tier2SamplePct: z
      .number()
      .gt(0, 'must be > 0')
      .max(100, 'must be <= 100')
      .optional()
      .openapi({ description: `Share of tier-2 models sampled (default ${DEFAULT_TIER2_SAMPLE_PCT})` }),
    decisionsPerQuarter: z
      .number()
      .int()
      .min(0, 'must be >= 0')
      .max(1000, 'must be <= 1000')
      .optional()
      .openapi({
        description: `Decisions of each kind sampled per quarter (default ${DEFAULT_DECISIONS_PER_QUARTER})`,
      }),
    seed: z
      .string()
      .min(1, 'must not be empty')
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional()
      .openapi({ description: 'Seed of the random samples; drawn and recorded when absent' }),
  })
  .openapi('CreateAuditProgram', {
    description:
      'The year and audit areas of a program, with the sample share, decisions per quarter and seed',
  });
export type CreateProgramInput = z.infer<typeof createProgramSchema>;

const isoDate = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
    error: 'must be an ISO-8601 date (YYYY-MM-DD) or date-time',
  });

export const recordFindingSchema = z
  .strictObject({
    area: area.openapi({ description: 'One of the program’s audit areas' }),
    model: z.string().min(1).max(200).optional(),
    title: z.string().trim().min(1, 'must not be empty').max(300),
    detail: z.string().max(20_000).default(''),
    severity: z.enum(FINDING_SEVERITIES),
    owner: z.string().trim().min(1, 'must not be empty').max(200),
    dueDate: isoDate,
    evidence: z
      .array(z.string().trim().min(1, 'must not be empty').max(1000))
      .max(100)
      .default([])
      .openapi({ description: 'Links: URLs or Warden references (report:ID, audit:SEQ, alert:ID…)' }),
  })
  .openapi('RecordAuditFinding', {
    description: 'A finding: audit area, model, severity, owner, remediation due date and evidence links',
  });
export type RecordFindingInput = z.infer<typeof recordFindingSchema>;

export const respondFindingSchema = z
  .strictObject({
    response: z.string().trim().min(1, 'must not be empty').max(20_000),
    status: z.enum(['in-progress', 'remediated']),
    evidence: z.array(z.string().trim().min(1, 'must not be empty').max(1000)).max(100).default([]),
  })
  .openapi('RespondAuditFinding', {
    description: 'The owner’s answer: what was done, in progress or remediated, with evidence links',
  });
export type RespondFindingInput = z.infer<typeof respondFindingSchema>;

export const closeFindingSchema = z
  .strictObject({ note: z.string().trim().min(1, 'must not be empty').max(20_000) })
  .openapi('CloseAuditFinding', { description: 'The auditor’s closing note' });

export interface SelectedModel {
  model: string;
  tier: number;
  owner: string;
  /** `tier-1` (all selected) or `tier-2-sample`. */
  reason: 'tier-1' | 'tier-2-sample';
  /** The model's sample key (SHA-256 of seed and name); null for tier 1. */
  sampleKey: string | null;
}

export interface ProgramSelection {
  tier1: SelectedModel[];
  tier2: { population: number; sampleSize: number; pct: number; sample: SelectedModel[] };
}

export interface SampledDecision {
  kind: DecisionKind;
  id: string;
  model: string | null;
  at: string;
  summary: string;
  sampleKey: string;
}

export interface QuarterSample {
  quarter: 1 | 2 | 3 | 4;
  from: string;
  to: string;
  /** Whether the quarter had ended when the sample was drawn. */
  complete: boolean;
  population: Record<DecisionKind, number>;
  decisions: SampledDecision[];
}

export interface AuditProgram {
  id: string;
  year: number;
  scope: AuditArea[];
  seed: string;
  tier2SamplePct: number;
  decisionsPerQuarter: number;
  selection: ProgramSelection;
  decisionSamples: QuarterSample[];
  createdBy: string;
  createdAt: string;
}

export interface AuditFinding {
  id: string;
  programId: string;
  area: AuditArea;
  model: string | null;
  title: string;
  detail: string;
  severity: FindingSeverity;
  owner: string;
  dueDate: string;
  status: FindingStatus;
  evidence: string[];
  recordedBy: string;
  recordedAt: string;
  response: string | null;
  respondedBy: string | null;
  respondedAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
  closingNote: string | null;
  overdueNotifiedAt: string | null;
}

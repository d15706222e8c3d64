import { z } from '@hono/zod-openapi';
import { ROLES } from '../auth/roles.js';
import { semverString, STAGES } from '../registry/version.schema.js';
import { CHANGE_REQUEST_STATUSES } from './approval-rules.js';

export const CHANGE_REQUEST_KINDS = [
  'transition',
  'policy',
  'retirement',
  'rollback_review',
  'governance_change',
] as const;
export type ChangeRequestKind = (typeof CHANGE_REQUEST_KINDS)[number];

const reason = z.string().trim().min(1, 'say why').max(5_000);
const runId = z.string().min(1).max(64);

export const openTransitionSchema = z
  .strictObject({
    to: z.enum(STAGES),
    reason,
    evidence: z
      .array(runId)
      .max(20)
      .optional()
      .openapi({ description: 'Validation run ids of this version offered as evidence' }),
  })
  .openapi('OpenTransition', { description: 'A lifecycle transition to request for a version' });

export const decisionSchema = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    role: z.enum(ROLES).openapi({ description: 'The required role you decide as; your token must hold it' }),
    comment: z.string().max(5_000).optional(),
  })
  .openapi('Decision', {
    description: 'An approval or rejection, cast in one role, with an optional comment',
  });

export const addEvidenceSchema = z
  .strictObject({ validationRunId: runId })
  .openapi('AddEvidence', { description: 'A validation run to attach to a change request as evidence' });

export const withdrawSchema = z
  .strictObject({ reason: z.string().max(5_000).optional() })
  .openapi('Withdraw', { description: 'Why a change request is withdrawn' });

export const rollbackSchema = z
  .strictObject({ reason })
  .openapi('Rollback', { description: 'Why production is rolled back to the previous version' });

export const retireSchema = z
  .strictObject({
    reason,
    replacementVersion: semverString.optional(),
  })
  .openapi('Retire', { description: 'Why a version is retired, and its optional replacement' });

export const policyProposalSchema = z
  .strictObject({
    document: z
      .union([z.string().min(1).max(1_000_000), z.record(z.string(), z.unknown())])
      .openapi({ description: 'The whole policy document: a YAML or JSON string, or a JSON object' }),
    format: z.enum(['yaml', 'json']).optional(),
    reason,
  })
  .openapi('PolicyProposal', { description: 'A proposed policy document, reviewed like any change request' });

export const missingEvidenceSchema = z
  .object({
    kind: z.literal('validation'),
    level: z.string(),
    message: z.string(),
    offered: z.array(
      z.object({ id: z.string(), level: z.string(), passed: z.boolean(), failedChecks: z.array(z.string()) }),
    ),
  })
  .openapi('MissingEvidence', {
    description: 'Evidence the policy requires that the change request does not yet carry',
  });

export const changeRequestSchema = z
  .object({
    id: z.string(),
    kind: z.enum(CHANGE_REQUEST_KINDS),
    model: z.string().nullable(),
    version: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    status: z.enum(CHANGE_REQUEST_STATUSES),
    requestedBy: z.string(),
    reason: z.string(),
    evidence: z.array(z.string()),
    requiredValidationLevel: z.string().nullable(),
    required: z.array(
      z.object({
        role: z.string(),
        count: z.number().int(),
        approvals: z.number().int(),
        approvedBy: z.array(z.string()),
        satisfied: z.boolean(),
      }),
    ),
    missingEvidence: z.array(missingEvidenceSchema),
    decisions: z.array(
      z.object({
        principal: z.string(),
        role: z.string(),
        decision: z.enum(['approve', 'reject']),
        comment: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
    payload: z.record(z.string(), z.unknown()),
    policyVersion: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    expiresAt: z.string(),
    closedAt: z.string().nullable(),
    executedAt: z.string().nullable(),
  })
  .openapi('ChangeRequest', {
    description: 'A lifecycle transition (or policy change) under review: required roles, votes and evidence',
  });

export const previewSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    from: z.enum(STAGES),
    to: z.enum(STAGES),
    allowed: z.boolean().openapi({ description: 'The state machine allows this move' }),
    allowedMoves: z.array(z.string()),
    blockers: z.array(z.string()),
    openRequest: z
      .object({ id: z.string(), status: z.enum(CHANGE_REQUEST_STATUSES) })
      .nullable()
      .openapi({
        description:
          'The open change request for this same move, if any: required and missingEvidence then say what it still lacks',
      }),
    required: z.array(
      z.object({
        role: z.string(),
        count: z.number().int(),
        approvals: z.number().int(),
        approvedBy: z.array(z.string()),
        satisfied: z.boolean(),
      }),
    ),
    champion: z.string().nullable(),
    bump: z.string().nullable(),
    requiredValidationLevel: z.string().nullable(),
    missingEvidence: z.array(missingEvidenceSchema),
    policyVersion: z.number().int(),
  })
  .openapi('TransitionPreview', {
    description: 'What executing a transition would do: blockers, champion replaced, bump level',
  });

const minutesVoteSchema = z.object({
  principal: z.string(),
  role: z.string(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().nullable(),
  at: z.string(),
});

export const minutesSchema = z
  .object({
    changeRequest: z.string(),
    kind: z.string(),
    model: z.string().nullable(),
    version: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    requestedBy: z.string(),
    reason: z.string(),
    policyVersion: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Policy version in force when the request was opened' }),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    outcome: z.enum(['pending', 'approved', 'executed', 'rejected', 'withdrawn', 'expired']).openapi({
      description: 'pending while votes are open; approved: the vote passed, evidence still missing',
    }),
    tally: z.array(
      z.object({
        role: z.string(),
        count: z.number().int(),
        of: z.number().int(),
        veto: z.boolean(),
        approvals: z.number().int(),
        rejections: z.number().int(),
        result: z.enum(['passed', 'failed', 'pending']),
      }),
    ),
    votes: z
      .array(minutesVoteSchema)
      .openapi({ description: 'Every vote in the order cast, with its comment' }),
    dissent: z.array(minutesVoteSchema).openapi({ description: 'Votes against the outcome' }),
  })
  .openapi('ChangeRequestMinutes', {
    description: 'The minutes of a change request: per role the count and result, every vote, the dissent',
  });

export type OpenTransitionInput = z.infer<typeof openTransitionSchema>;
export type DecisionInput = z.infer<typeof decisionSchema>;
export type RetireInput = z.infer<typeof retireSchema>;
export type PolicyProposalInput = z.infer<typeof policyProposalSchema>;
export type ChangeRequest = z.infer<typeof changeRequestSchema>;
export type MissingEvidence = z.infer<typeof missingEvidenceSchema>;
export type TransitionPreview = z.infer<typeof previewSchema>;
export type Minutes = z.infer<typeof minutesSchema>;
export type MinutesVote = z.infer<typeof minutesVoteSchema>;

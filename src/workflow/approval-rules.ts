import type { Role } from '../auth/roles.js';
import { conflict, forbidden, invalidInput, type WardenError } from '../core/errors.js';

/** Change request statuses. Open: requested (no decision yet), in_review, approved (approvals complete, evidence missing). */
export const CHANGE_REQUEST_STATUSES = [
  'requested',
  'in_review',
  'approved',
  'rejected',
  'executed',
  'withdrawn',
  'expired',
] as const;
export type ChangeRequestStatus = (typeof CHANGE_REQUEST_STATUSES)[number];

export const OPEN_STATUSES: readonly ChangeRequestStatus[] = ['requested', 'in_review', 'approved'];

export function isOpen(status: ChangeRequestStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/**
 * One role's vote on a request: `count` approvals out of a body of `of` voters (absent: `count`,
 * so every needed voter must approve); with `veto`, one rejection closes the request. Requests
 * stored before votes existed hold `{role, count}` only.
 */
export interface RoleRequirement {
  role: Role;
  count: number;
  of?: number;
  veto?: boolean;
}

export interface RecordedDecision {
  principal: string;
  role: string;
  decision: 'approve' | 'reject';
}

/** Each required role with how many approvals it has, who gave them, and whether it is satisfied. */
export function approvalProgress(
  required: readonly RoleRequirement[],
  decisions: readonly RecordedDecision[],
): Array<{ role: Role; count: number; approvals: number; approvedBy: string[]; satisfied: boolean }> {
  return required.map((r) => {
    const approvedBy = decisions
      .filter((d) => d.decision === 'approve' && d.role === r.role)
      .map((d) => d.principal);
    return {
      role: r.role,
      count: r.count,
      approvals: approvedBy.length,
      approvedBy,
      satisfied: approvedBy.length >= r.count,
    };
  });
}

/** How one role's vote stands: `passed` with `count` approvals, `failed` once they can no longer be reached (or on a veto). */
export type VoteResult = 'passed' | 'failed' | 'pending';

export interface VoteTally {
  role: Role;
  count: number;
  of: number;
  veto: boolean;
  approvals: number;
  rejections: number;
  approvedBy: string[];
  rejectedBy: string[];
  result: VoteResult;
}

/**
 * Tallies each role's vote. A vote passes with `count` approvals and fails only when the voters
 * left in the body (`of` minus those who voted) can no longer bring the approvals to `count`, or
 * when a role with a veto rejects. A rejection that leaves the count reachable is dissent, kept
 * in the record.
 */
export function tallyVotes(
  required: readonly RoleRequirement[],
  decisions: readonly RecordedDecision[],
): VoteTally[] {
  return required.map((r) => {
    const mine = decisions.filter((d) => d.role === r.role);
    const approvedBy = mine.filter((d) => d.decision === 'approve').map((d) => d.principal);
    const rejectedBy = mine.filter((d) => d.decision === 'reject').map((d) => d.principal);
    const of = Math.max(r.of ?? r.count, r.count);
    const veto = r.veto === true;
    const result: VoteResult =
      veto && rejectedBy.length > 0
        ? 'failed'
        : approvedBy.length >= r.count
          ? 'passed'
          : rejectedBy.length > of - r.count
            ? 'failed'
            : 'pending';
    return {
      role: r.role,
      count: r.count,
      of,
      veto,
      approvals: approvedBy.length,
      rejections: rejectedBy.length,
      approvedBy,
      rejectedBy,
      result,
    };
  });
}

/** The request's vote as a whole: failed when any role's vote failed, passed when every one passed. */
export function voteOutcome(
  required: readonly RoleRequirement[],
  decisions: readonly RecordedDecision[],
): VoteResult {
  const tally = tallyVotes(required, decisions);
  if (tally.some((t) => t.result === 'failed')) return 'failed';
  return tally.every((t) => t.result === 'passed') ? 'passed' : 'pending';
}

export function allApprovalsGiven(
  required: readonly RoleRequirement[],
  decisions: readonly RecordedDecision[],
): boolean {
  return approvalProgress(required, decisions).every((p) => p.satisfied);
}

export interface DecisionAttempt {
  status: ChangeRequestStatus;
  requestedBy: string;
  expiresAt: string;
  required: readonly RoleRequirement[];
  decisions: readonly RecordedDecision[];
  principal: { name: string; roles: readonly string[] };
  decision: 'approve' | 'reject';
  role: string;
  now: string;
  /**
   * Who authored what the request is about (created the version, uploaded its artifact, filed
   * the evidence): principal → what they did. They may not approve.
   */
  authors?: ReadonlyMap<string, string>;
}

/**
 * Separation of duties and the request's state, as one pure check. Returns the refusal, or
 * undefined when the decision may be recorded. The order matters: a closed request is reported as
 * closed whoever asks, and a role the request does not need is bad input before it is a permission
 * question.
 */
export function refuseDecision(a: DecisionAttempt): WardenError | undefined {
  if (!isOpen(a.status))
    return conflict(`the change request is ${a.status}; it takes no more decisions`, 'status');
  if (a.expiresAt <= a.now) return conflict(`the change request expired at ${a.expiresAt}`, 'expiresAt');
  if (a.principal.name === a.requestedBy)
    return forbidden(
      `separation of duties: ${a.principal.name} opened this change request and cannot approve or reject it; another holder of the role must decide`,
    );
  const authored = a.decision === 'approve' ? a.authors?.get(a.principal.name) : undefined;
  if (authored !== undefined)
    return forbidden(
      `separation of duties (authorship): ${a.principal.name} ${authored} and cannot approve a request on it, whoever filed it; someone who did not create the version, upload its artifact or file its evidence must approve`,
    );
  const needed = a.required.find((r) => r.role === a.role);
  if (!needed)
    return invalidInput(
      `this change request does not ask for role "${a.role}"; it needs: ${
        a.required.length > 0 ? a.required.map((r) => `${r.role} ×${r.count}`).join(', ') : 'no approvals'
      }`,
      'role',
    );
  if (!a.principal.roles.includes(a.role))
    return forbidden(
      `${a.principal.name} does not hold the role "${a.role}" (holds: ${a.principal.roles.join(', ')})`,
    );
  const earlier = a.decisions.find((d) => d.principal === a.principal.name);
  if (earlier) {
    return earlier.role === a.role
      ? conflict(`${a.principal.name} already decided (${earlier.decision}) as ${earlier.role}`, 'role')
      : conflict(
          `${a.principal.name} already decided as ${earlier.role}; one principal fills one role per change request`,
          'role',
        );
  }
  const body = Math.max(needed.of ?? needed.count, needed.count);
  const cast = a.decisions.filter((d) => d.role === a.role).length;
  if (cast >= body)
    return conflict(
      `role ${a.role} has cast all ${body} of its vote(s) on this request (${needed.count} needed)`,
      'role',
    );
  return undefined;
}

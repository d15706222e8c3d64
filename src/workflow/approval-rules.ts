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

export interface RoleRequirement {
  role: Role;
  count: number;
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
    return forbidden(`${a.principal.name} opened this change request and cannot approve or reject it`);
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
  if (a.decision === 'approve') {
    const given = a.decisions.filter((d) => d.decision === 'approve' && d.role === a.role).length;
    if (given >= needed.count)
      return conflict(`role ${a.role} already has its ${needed.count} approval(s)`, 'role');
  }
  return undefined;
}

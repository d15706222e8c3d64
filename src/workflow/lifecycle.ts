import { WardenError } from '../core/errors.js';
import type { Stage } from '../registry/version.schema.js';

/**
 * The lifecycle of a model version, in one table: for each stage, the stages a change request
 * may move it to.
 *
 * - `staging → production` is the usual promotion: the change request's own approval is the
 *   "approved" gate, so a version need not rest in `approved`. `staging → approved` records an
 *   approval that is rolled out later by `approved → production`.
 * - `production → deprecated` is retirement (or supersession by a new champion).
 * - `deprecated → production` restores a former champion (rollback uses it too).
 * - `deprecated → archived` ends the lifecycle once the grace period has passed; `archived` is final.
 * - `rejected → development` reopens a rejected version for rework.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<Stage, readonly Stage[]>> = {
  development: ['staging', 'rejected'],
  staging: ['approved', 'production', 'rejected', 'development'],
  approved: ['production', 'rejected'],
  production: ['deprecated'],
  deprecated: ['production', 'archived'],
  archived: [],
  rejected: ['development'],
};

/** The stages `from` may move to. */
export function allowedTargets(from: Stage): readonly Stage[] {
  return ALLOWED_TRANSITIONS[from];
}

export function isAllowedTransition(from: Stage, to: Stage): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** True for a move that makes the version its model's champion. */
export function isPromotionToProduction(from: Stage, to: Stage): boolean {
  return to === 'production' && from !== 'production';
}

/** Throws `invalid_transition` (409) naming the moves the state machine allows from `from`. */
export function assertTransition(from: Stage, to: Stage): void {
  if (isAllowedTransition(from, to)) return;
  const allowed = allowedTargets(from);
  throw new WardenError(
    'invalid_transition',
    from === to
      ? `the version is already in ${from}`
      : `a version in ${from} cannot move to ${to}; allowed: ${
          allowed.length > 0 ? allowed.map((s) => `${from} → ${s}`).join(', ') : 'none (final stage)'
        }`,
    'to',
    { from, to, allowed: allowed.map((s) => ({ from, to: s })) },
  );
}

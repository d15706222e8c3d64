import { WardenError } from '../core/errors.js';
import type { LifecycleComment } from './alert.schema.js';

/** The comment list stored as JSON text, with one more entry. */
export function appendComment(stored: string, added: LifecycleComment): string {
  return JSON.stringify([...(JSON.parse(stored) as LifecycleComment[]), added]);
}

/**
 * The columns a person's acknowledge or resolve changes on an alert or an incident (they share the
 * open → acknowledged → resolved life), or a 409 naming why the step is not allowed from its status.
 */
export function lifecycleChanges(
  subject: { kind: 'alert' | 'incident'; id: string; status: string; comments: string },
  step: 'acknowledged' | 'resolved',
  by: string,
  at: string,
  comment: string,
) {
  const { kind, id, status } = subject;
  const comments = appendComment(subject.comments, { at, by, action: step, comment });
  if (step === 'acknowledged') {
    if (status !== 'open')
      throw new WardenError(
        'invalid_transition',
        `${kind} "${id}" is ${status}; only an open ${kind} can be acknowledged`,
      );
    return { status: 'acknowledged', acknowledged_by: by, acknowledged_at: at, comments, updated_at: at };
  }
  if (status === 'resolved')
    throw new WardenError('invalid_transition', `${kind} "${id}" is already resolved`);
  return { status: 'resolved', active_key: null, resolved_by: by, resolved_at: at, comments, updated_at: at };
}

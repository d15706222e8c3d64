import { WardenError } from '../core/errors.js';
import type { AppContext } from '../http/context.js';

/** Who attempted a governed change, and how its refusal is recorded. */
export interface RefusalEntry {
  actor: string;
  requestId: string | null;
  /** Audit action of the refusal, e.g. `feature.removal_refused`. */
  action: string;
  subject: string;
}

/**
 * Runs a governed change; when a rule refuses it (a conflict: 409), the attempt is written to the
 * audit trail in its own transaction (the change's transaction rolled back, so nothing else is
 * stored) with the refusal's message and field, and the refusal is passed on to the caller.
 */
export async function auditRefusals<T>(
  ctx: AppContext,
  entry: RefusalEntry,
  change: () => Promise<T>,
): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof WardenError && error.code === 'conflict') {
      await ctx.db.transaction().execute((trx) =>
        ctx.audit.append(trx, {
          actor: entry.actor,
          action: entry.action,
          subject: entry.subject,
          requestId: entry.requestId,
          change: { reason: error.message, ...(error.field ? { field: error.field } : {}) },
        }),
      );
    }
    throw error;
  }
}

import type { AppContext } from '../http/context.js';
import type { ChangeRequestReaction, GovernancePayload } from '../workflow/index.js';
import { storeReasonCodeRevision } from './reason-codes.service.js';

/**
 * Stores the reason codes a `governance_change` request held for a version in production, when the
 * request executes: a new revision linked to the request (written by its requester), audited with
 * the previous and the new table. Runs in the executing transaction; other requests pass through.
 */
export const reasonCodeReaction: ChangeRequestReaction<AppContext> = {
  name: 'reason-codes',
  async onExecuted(trx, ctx, request) {
    if (request.kind !== 'governance_change' || request.versionId === null) return;
    const payload = request.payload as GovernancePayload;
    if (payload.fact !== 'reason-codes') return;
    await storeReasonCodeRevision(
      trx,
      ctx,
      { name: request.actor, requestId: request.requestId },
      { versionId: request.versionId, model: request.modelName!, version: payload.version },
      payload.codes,
      { createdBy: request.requestedBy, changeRequestId: request.id },
    );
  },
};

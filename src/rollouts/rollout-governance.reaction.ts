import type { AppContext } from '../http/context.js';
import type { ChangeRequestReaction, GovernancePayload } from '../workflow/index.js';
import { startHeldRollout } from './rollout.service.js';

/**
 * Starts the rollout a `governance_change` request held because its analysis was looser than the
 * tier's policy, when the request executes: the plan held, unchanged, in the executing
 * transaction. Other requests pass through.
 */
export const rolloutPlanReaction: ChangeRequestReaction<AppContext> = {
  name: 'rollout-plan',
  async onExecuted(trx, ctx, request) {
    if (request.kind !== 'governance_change') return;
    const payload = request.payload as GovernancePayload;
    if (payload.fact !== 'rollout') return;
    await startHeldRollout(trx, ctx, request, payload);
  },
};

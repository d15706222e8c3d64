import type { AppContext } from '../http/context.js';
import type { MonitorReaction } from '../monitoring/index.js';
import { applyChecksToRetraining } from './retraining.service.js';

/** Retraining subscribes to monitor outcomes: trigger rules at alert status ask for retraining. */
export const retrainingReaction: MonitorReaction<AppContext> = {
  name: 'retraining',
  async react(trx, ctx, outcome) {
    return { retraining: await applyChecksToRetraining(trx, ctx, outcome) };
  },
};

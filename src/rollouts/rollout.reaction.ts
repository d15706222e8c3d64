import type { AppContext } from '../http/context.js';
import type { MonitorReaction } from '../monitoring/index.js';
import { abortOnMonitorAlert } from './rollout.service.js';

/** Rollouts react to monitor outcomes: a candidate alerting on errors or performance is rolled back. */
export const rolloutReaction: MonitorReaction<AppContext> = {
  name: 'rollouts',
  async react(trx, ctx, outcome) {
    return { rolledBack: await abortOnMonitorAlert(trx, ctx, outcome) };
  },
};

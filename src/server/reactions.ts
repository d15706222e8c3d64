import { alertReaction } from '../alerts/index.js';
import type { AppContext } from '../http/context.js';
import { incidentReaction } from '../incidents/index.js';
import type { MonitorReaction } from '../monitoring/index.js';
import { retrainingReaction } from '../retraining/index.js';
import { rolloutReaction } from '../rollouts/index.js';

/**
 * The reactions subscribed to monitor outcomes, in the order they run inside the evaluation's
 * transaction. A domain that acts on monitoring results adds its reaction here; monitoring itself
 * imports none of them.
 */
export const MONITOR_REACTIONS: readonly MonitorReaction<AppContext>[] = [
  alertReaction,
  incidentReaction,
  retrainingReaction,
  rolloutReaction,
];

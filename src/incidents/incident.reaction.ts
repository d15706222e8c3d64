import type { AppContext } from '../http/context.js';
import type { MonitorReaction } from '../monitoring/index.js';
import { loadSignalBaseline } from './incident-baseline.js';
import { applyChecksToIncidents } from './incident.service.js';

/**
 * Incidents subscribe to monitor outcomes: signal and feedback rates are tested for spikes
 * against their trailing baseline and may open incidents.
 */
export const incidentReaction: MonitorReaction<AppContext> = {
  name: 'incidents',
  async react(trx, ctx, outcome) {
    return { incidents: await applyChecksToIncidents(trx, ctx, outcome, loadSignalBaseline) };
  },
};

/**
 * Incidents: spikes in safety-signal and negative-feedback rates, opened by the incident
 * reaction to monitor outcomes, acknowledged and resolved by responders.
 */
export { incidentReaction } from './incident.reaction.js';
export { registerIncidentRoutes } from './incident.routes.js';
export type { Incident } from './incident.schema.js';

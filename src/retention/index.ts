/**
 * Retention: the daily purge of raw records past their tier's period (legal holds respected,
 * each purge audited), `POST /api/v1/retention/run` and `warden retention run`.
 */
export { registerRetentionRoutes } from './retention.routes.js';
export { registerRetentionCommands } from './retention.command.js';
export { retentionTask, runRetention, purgedIdsDigest } from './retention.service.js';

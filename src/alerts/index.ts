/**
 * Alerts: the alert state machine, escalation along the tier's chain, acknowledgement and
 * resolution. Alerts react to monitor outcomes (`alertReaction`, subscribed by the server).
 */
import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { alertEscalationTask } from './alert-escalation.task.js';

export { alertReaction } from './alert.reaction.js';
export { registerAlertRoutes, RESPONDER_ROLES } from './alert.routes.js';
export { openSystemAlert, resolveSystemAlert } from './alert.service.js';
export { registerAlertingCommands } from './alerting.command.js';

/** The alerts' background task: escalation. */
export const ALERT_TASKS: BackgroundTask<AppContext>[] = [alertEscalationTask];

/**
 * Explanations and decision rights: attributions sent with inference records (validated and
 * profiled per window by monitoring, which imports only the pure files here), decisions looked up
 * with their lineage, adverse-action reasons from each version's reason codes, the explanation of
 * one decision, disputes with due dates and overdue alerts, and opt-outs the routing API honours.
 */
import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { disputeOverdueTask } from './dispute.service.js';

export { registerExplanationRoutes } from './explanation.routes.js';
export { registerExplanationCommands } from './explanation.command.js';
export { reasonCodeReaction } from './reason-codes.reaction.js';
export { hasOptedOut, decisionRightsFacts, alertOverdueDisputes } from './dispute.service.js';

/** The explanations' background task: overdue dispute alerts. */
export const EXPLANATION_TASKS: BackgroundTask<AppContext>[] = [disputeOverdueTask];

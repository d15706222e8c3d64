/**
 * Rollouts: a candidate's staged exposure against its model's champion (canary, shadow,
 * blue-green, A/B), analysed live from ingested records, rolled back on its own on a breach, and
 * carried through to production on success; routing decisions for gateways.
 */
import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { rolloutAnalysisTask } from './rollout.task.js';

export { rolloutReaction } from './rollout.reaction.js';
export { rolloutPlanReaction } from './rollout-governance.reaction.js';
export { registerRolloutRoutes } from './rollout.routes.js';
export { routeDecisionFastRead } from './route-decision.fast-read.js';
export { registerRolloutCommands } from './rollout.command.js';
export { decideRoute, routeBucket, type RouteDecision, type RouteEntry } from './rollout-routing.js';

/** The rollouts' background task: analysis, advance and rollback. */
export const ROLLOUT_TASKS: BackgroundTask<AppContext>[] = [rolloutAnalysisTask];

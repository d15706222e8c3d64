/**
 * Retraining requests: asked for by the retraining reaction to monitor outcomes and by the
 * tier's schedule, delivered to the pipeline webhook, with a decision log.
 */
import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { retrainingScheduleTask } from './retraining-schedule.task.js';

export { retrainingReaction } from './retraining.reaction.js';
export { registerRetrainingRoutes } from './retraining.routes.js';
export type { RetrainingLog, RetrainingRequest } from './retraining.schema.js';

/** The retraining schedule (and delivery bookkeeping). */
export const RETRAINING_TASKS: BackgroundTask<AppContext>[] = [retrainingScheduleTask];

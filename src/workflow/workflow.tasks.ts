import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { expireChangeRequests } from './change-request.service.js';
import { archiveDueRetirements } from './retirement.js';

/** Archives versions whose retirement grace period has passed. */
export const retirementArchiveTask: BackgroundTask<AppContext> = {
  name: 'retirement-archive',
  intervalMs: 60_000,
  async runOnce(ctx) {
    await archiveDueRetirements(ctx);
  },
};

/** Closes change requests that stayed open past their expiry. */
export const changeRequestExpiryTask: BackgroundTask<AppContext> = {
  name: 'change-request-expiry',
  intervalMs: 60_000,
  async runOnce(ctx) {
    await expireChangeRequests(ctx);
  },
};

/** The workflow's background tasks, for the server's task list. */
export const WORKFLOW_TASKS: BackgroundTask<AppContext>[] = [retirementArchiveTask, changeRequestExpiryTask];

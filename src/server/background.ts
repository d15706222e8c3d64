import { ALERT_TASKS } from '../alerts/index.js';
import type { AppContext } from '../http/context.js';
import { MONITORING_TASKS } from '../monitoring/index.js';
import { webhookDeliveryTask } from '../webhooks/index.js';
import { WORKFLOW_TASKS } from '../workflow/index.js';

/** Work a server does on its own: delivering webhooks, evaluating monitors, escalating alerts. */
export interface BackgroundTask {
  name: string;
  /** Does one round of work now and resolves when it is done (tests call this directly). */
  runOnce(ctx: AppContext): Promise<void>;
  /** How long to wait between rounds. */
  intervalMs: number;
}

/**
 * Every background task, in one list. Each domain adds its task here. On PostgreSQL several
 * servers run these loops at once; each task claims its work with row leases so nothing runs twice.
 */
export const BACKGROUND_TASKS: BackgroundTask[] = [
  webhookDeliveryTask,
  ...WORKFLOW_TASKS,
  ...ALERT_TASKS,
  ...MONITORING_TASKS,
];

/** Runs each task on its interval until stopped; a failing round is logged and retried next round. */
export function startBackgroundTasks(
  ctx: AppContext,
  tasks: BackgroundTask[] = BACKGROUND_TASKS,
): { stop(): Promise<void> } {
  let stopped = false;
  const running = new Set<Promise<void>>();
  const timers = tasks.map((task) => {
    let busy = false;
    return setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      const round = task
        .runOnce(ctx)
        .catch((error: unknown) => console.error(`background task ${task.name} failed:`, error))
        .finally(() => {
          busy = false;
          running.delete(round);
        });
      running.add(round);
    }, task.intervalMs);
  });
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.all(running);
    },
  };
}

import { ALERT_TASKS } from '../alerts/index.js';
import { auditTreeHeadTask } from '../audit/index.js';
import { auditFindingOverdueTask } from '../auditprogram/index.js';
import type { BackgroundTask } from '../core/background-task.js';
import type { AppContext } from '../http/context.js';
import { EXPLANATION_TASKS } from '../explanations/index.js';
import { featureFreshnessTask } from '../features/index.js';
import { reportScheduleTask } from '../governance-reports/index.js';
import { modelCardReminderTask } from '../modelcards/index.js';
import { MONITORING_TASKS } from '../monitoring/index.js';
import { artifactIntegrityTask } from '../registry/artifact-integrity.js';
import { artifactUploadSweepTask } from '../registry/artifact-sweep.task.js';
import { retentionTask } from '../retention/index.js';
import { RETRAINING_TASKS } from '../retraining/index.js';
import { ROLLOUT_TASKS } from '../rollouts/index.js';
import { webhookDeliveryTask } from '../webhooks/index.js';
import { WORKFLOW_TASKS } from '../workflow/index.js';

/**
 * Every background task, in one list. Each domain adds its task here. On PostgreSQL several
 * servers run these loops at once; each task claims its work with row leases so nothing runs twice.
 */
export const BACKGROUND_TASKS: BackgroundTask<AppContext>[] = [
  webhookDeliveryTask,
  auditTreeHeadTask,
  ...WORKFLOW_TASKS,
  ...ALERT_TASKS,
  ...RETRAINING_TASKS,
  ...MONITORING_TASKS,
  modelCardReminderTask,
  reportScheduleTask,
  artifactIntegrityTask,
  ...ROLLOUT_TASKS,
  artifactUploadSweepTask,
  retentionTask,
  featureFreshnessTask,
  auditFindingOverdueTask,
  ...EXPLANATION_TASKS,
];

/** Runs each task on its interval until stopped; a failing round is logged and retried next round. */
export function startBackgroundTasks(
  ctx: AppContext,
  tasks: BackgroundTask<AppContext>[] = BACKGROUND_TASKS,
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

import { alertReaction } from '../alerts/index.js';
import { reasonCodeReaction } from '../explanations/index.js';
import type { AppContext } from '../http/context.js';
import { incidentReaction } from '../incidents/index.js';
import type { MonitorReaction } from '../monitoring/index.js';
import { retrainingReaction } from '../retraining/index.js';
import { rolloutPlanReaction, rolloutReaction } from '../rollouts/index.js';
import { mlflowAliasReaction, mlflowVersionNumbering } from '../mlflow/index.js';
import type { VersionCreatedReaction } from '../registry/version-reaction.types.js';
import type { ChangeRequestReaction } from '../workflow/index.js';

/**
 * The reactions subscribed to monitor outcomes, in the order they run inside the evaluation's
 * transaction. A domain that acts on monitoring results adds its reaction here; monitoring itself
 * imports none of them.
 */
export const MONITOR_REACTIONS: readonly MonitorReaction<AppContext>[] = [
  alertReaction,
  incidentReaction,
  retrainingReaction,
  rolloutReaction,
];

/**
 * The reactions subscribed to executed change requests, run inside the executing transaction: MLflow
 * aliases waiting for a promotion, a production version's reason codes held for approval, a
 * rollout held because its analysis was looser than the tier's policy. The workflow imports none
 * of them.
 */
export const CHANGE_REQUEST_REACTIONS: readonly ChangeRequestReaction<AppContext>[] = [
  mlflowAliasReaction,
  reasonCodeReaction,
  rolloutPlanReaction,
];

/**
 * The reactions subscribed to newly registered versions, run inside the registering transaction.
 * The registry imports none of them.
 */
export const VERSION_REACTIONS: readonly VersionCreatedReaction<AppContext>[] = [mlflowVersionNumbering];

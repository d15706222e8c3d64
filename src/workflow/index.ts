/**
 * The governed lifecycle: the stage state machine, change requests with approvals and evidence,
 * execution, rollback, retirement and policy changes.
 */
export { ALLOWED_TRANSITIONS, allowedTargets, assertTransition, isAllowedTransition } from './lifecycle.js';
export { registerWorkflowRoutes } from './workflow.routes.js';
export { registerWorkflowCommands, registerPolicyProposalCommand } from './workflow.command.js';
export { WORKFLOW_TASKS } from './workflow.tasks.js';
export { archiveDueRetirements } from './retirement.js';
export type { ChangeRequestReaction, ExecutedChangeRequest } from './change-request-reaction.types.js';
export {
  executeAfterRollout,
  getChangeRequest,
  openTransition,
  expireChangeRequests,
  reviewRequestsHoldingRun,
} from './change-request.service.js';
export type { ChangeRequest } from './change-request.schema.js';
export {
  changeModel,
  changeMonitoringConfig,
  lockModelForGovernance,
  modelPatchLoosenings,
  openReasonCodeChange,
  openRolloutPlanChange,
  pendingReasonCodeChange,
  pendingRolloutPlanChange,
  requestLegalHoldLift,
  type ModelChangeResult,
} from './governance-change.js';
export type { GovernancePayload } from './change-request.execute.js';
export { changeRequestSchema } from './change-request.schema.js';

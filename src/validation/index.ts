/**
 * The validation suite (the deployment gate): runs the checks the policy requires on an
 * evaluation dataset, stores an immutable report, and manages waivers of failed checks.
 */
export { registerValidationRoutes } from './validation.routes.js';
export { registerValidationCommands } from './validation.command.js';
export { runValidationSuite } from './validation-suite.js';
export { lockRunRow } from './validation.repository.js';
export {
  effectiveValidationStatus,
  findValidationRun,
  recordExperimentRun,
  type ValidationEvidence,
} from './validation.service.js';
export type { CheckResult, CheckStatus, ValidationRun, Waiver } from './validation.schema.js';

/**
 * Governance policy as code: the document schema, the built-in default reproducing the seed
 * tables, pure accessors other domains read rules through, and the stored version history.
 */
export { DEFAULT_POLICY } from './default-policy.js';
export { CUSTOM_METRIC_NAME, customMetricIssue, type CustomMetricStatement } from './custom-metric.rules.js';
export {
  canonicalPolicyJson,
  canonicalPolicyYaml,
  formatIssuePath,
  parsePolicyDocument,
} from './policy.parse.js';
export {
  approvalRequirements,
  documentationPolicy,
  explainabilityPolicy,
  type ExplainabilityPolicy,
  featureDeprecationGraceDays,
  type DocumentationPolicy,
  approvalVotes,
  governanceChangeVotes,
  vetoRoles,
  type VoteRule,
  monitoringPolicy,
  policyChangeApprovals,
  protectedAliases,
  requiredValidationLevel,
  retentionPolicy,
  retirementPolicy,
  rollbackPolicy,
  rolloutPolicy,
  tierPolicy,
  validationChecksFor,
  versionBump,
  type CheckRequirement,
  type MonitoringPolicy,
  type RetentionPolicy,
  type RolloutPolicy,
} from './policy.rules.js';
export {
  CHECK_NAMES,
  MODEL_CARD_SECTIONS,
  type ModelCardSection,
  policyDocumentSchema,
  TIERS,
  VALIDATION_LEVELS,
  type ApprovalRule,
  type CheckName,
  type GovernanceChanges,
  type PolicyDocument,
  type RolloutAnalysisPolicy,
  type TierPolicy,
  type ValidationLevel,
  type VersionBump,
} from './policy.schema.js';
export {
  getActivePolicy,
  getPolicyVersion,
  listPolicyVersions,
  savePolicyVersion,
  type PolicyVersion,
  type PolicyVersionSummary,
} from './policy.service.js';

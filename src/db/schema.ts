import type { AlertTable } from '../alerts/alert.table.js';
import type {
  AuditCheckpointTable,
  AuditHeadTable,
  AuditLogTable,
  AuditMerkleNodeTable,
} from '../audit/audit.table.js';
import type { UiOidcLoginTable, UiSessionTable } from '../auth/session.table.js';
import type { ApiTokenTable } from '../auth/token.table.js';
import type { DeploymentTable } from '../deployments/deployment.table.js';
import type { FeatureFreshnessTable } from '../features/feature-freshness.table.js';
import type {
  DecisionDisputeTable,
  DecisionOptOutTable,
  ExplanationEvidenceTable,
  ExplanationSettingsTable,
  ReasonCodeRevisionTable,
} from '../explanations/explanation.table.js';
import type { ArtifactStoreIdentityTable } from '../registry/artifact-store-identity.table.js';
import type { IncidentTable } from '../incidents/incident.table.js';
import type {
  InferenceRecordTable,
  MonitoringConfigTable,
  MonitoringPendingTable,
  MonitoringReferenceRowTable,
  MonitoringReferenceTable,
  MonitoringResultTable,
  MonitoringRunTable,
  MonitoringWindowTable,
  MonitorScheduleTable,
} from '../monitoring/monitoring.table.js';
import type { TaskRoundTable } from './task-rounds.table.js';
import type {
  MlflowAliasTable,
  MlflowArtifactTable,
  MlflowModelTable,
  MlflowVersionTable,
} from '../mlflow/mlflow.table.js';
import type { AuditFindingTable, AuditProgramTable } from '../auditprogram/audit-program.table.js';
import type { GovernanceReportTable } from '../governance-reports/report.table.js';
import type { ModelCardReminderTable, ModelCardSectionTable } from '../modelcards/model-card.table.js';
import type { PolicyVersionTable } from '../policy/policy.table.js';
import type { RetrainingRequestTable } from '../retraining/retraining.table.js';
import type { RolloutTable } from '../rollouts/rollout.table.js';
import type {
  ArtifactSignatureTable,
  FeatureTable,
  ModelTable,
  ModelTagTable,
  ModelVersionTable,
  SigningKeyTable,
  VersionFeatureTable,
} from '../registry/registry.table.js';
import type { ValidationRunTable, ValidationWaiverTable } from '../validation/validation.table.js';
import type {
  WebhookAttemptTable,
  WebhookDeliveryTable,
  WebhookSubscriptionTable,
} from '../webhooks/webhook.table.js';
import type {
  ChangeRequestDecisionTable,
  ChangeRequestTable,
  VersionRetirementTable,
} from '../workflow/workflow.table.js';

/** Every table Warden stores, for Kysely's type checking. Each domain declares its rows in its own `*.table.ts`. */
export interface Database {
  models: ModelTable;
  model_tags: ModelTagTable;
  model_versions: ModelVersionTable;
  signing_keys: SigningKeyTable;
  artifact_signatures: ArtifactSignatureTable;
  features: FeatureTable;
  version_features: VersionFeatureTable;
  feature_freshness: FeatureFreshnessTable;
  explanation_settings: ExplanationSettingsTable;
  reason_code_revisions: ReasonCodeRevisionTable;
  explanation_evidence: ExplanationEvidenceTable;
  decision_disputes: DecisionDisputeTable;
  decision_opt_outs: DecisionOptOutTable;
  artifact_store_identity: ArtifactStoreIdentityTable;
  api_tokens: ApiTokenTable;
  ui_sessions: UiSessionTable;
  ui_oidc_logins: UiOidcLoginTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointTable;
  audit_merkle_nodes: AuditMerkleNodeTable;
  policy_versions: PolicyVersionTable;
  validation_runs: ValidationRunTable;
  validation_waivers: ValidationWaiverTable;
  change_requests: ChangeRequestTable;
  change_request_decisions: ChangeRequestDecisionTable;
  version_retirements: VersionRetirementTable;
  webhook_subscriptions: WebhookSubscriptionTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  monitoring_configs: MonitoringConfigTable;
  monitoring_references: MonitoringReferenceTable;
  monitoring_reference_rows: MonitoringReferenceRowTable;
  inference_records: InferenceRecordTable;
  monitoring_pending: MonitoringPendingTable;
  monitoring_windows: MonitoringWindowTable;
  monitoring_results: MonitoringResultTable;
  monitoring_runs: MonitoringRunTable;
  monitor_schedule: MonitorScheduleTable;
  alerts: AlertTable;
  incidents: IncidentTable;
  retraining_requests: RetrainingRequestTable;
  deployments: DeploymentTable;
  task_rounds: TaskRoundTable;
  model_card_sections: ModelCardSectionTable;
  model_card_reminders: ModelCardReminderTable;
  governance_reports: GovernanceReportTable;
  audit_programs: AuditProgramTable;
  audit_findings: AuditFindingTable;
  rollouts: RolloutTable;
  mlflow_models: MlflowModelTable;
  mlflow_versions: MlflowVersionTable;
  mlflow_aliases: MlflowAliasTable;
  mlflow_artifacts: MlflowArtifactTable;
}

import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as policyValidation from './0002-policy-validation.js';
import * as workflowWebhooks from './0003-workflow-webhooks.js';
import * as monitoring from './0004-monitoring.js';
import * as alerts from './0005-alerts.js';
import * as deployments from './0006-deployments.js';
import * as auditMerkle from './0007-audit-merkle.js';
import * as registryIntegrityRetention from './0009-registry-integrity-retention.js';
import * as rollouts from './0010-rollouts.js';
import * as sessions from './0011-sessions.js';
import * as governanceDocuments from './0012-governance-documents.js';
import * as mlflow from './0013-mlflow.js';
import * as retrainingCosts from './0014-retraining-costs.js';
import * as featureFreshness from './0015-feature-freshness.js';
import * as alertGroups from './0016-alert-groups.js';
import * as artifactStoreIdentity from './0017-artifact-store-identity.js';
import * as explanations from './0018-explanations.js';
import * as mlflowVersionNumbers from './0021-mlflow-version-numbers.js';
import * as lookupIndexes from './0022-lookup-indexes.js';
import * as oidcSessionsLabelled from './0023-oidc-sessions-labelled.js';
import * as explanationEvidence from './0024-explanation-evidence.js';

/**
 * Every migration, in order. Names sort in the order they run; add a new one at the end
 * with the next number (see ARCHITECTURE.md, "Add a migration").
 */
export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-policy-validation': policyValidation,
  '0003-workflow-webhooks': workflowWebhooks,
  '0004-monitoring': monitoring,
  '0005-alerts': alerts,
  '0006-deployments': deployments,
  '0007-audit-merkle': auditMerkle,
  '0009-registry-integrity-retention': registryIntegrityRetention,
  '0010-rollouts': rollouts,
  '0011-sessions': sessions,
  '0012-governance-documents': governanceDocuments,
  '0013-mlflow': mlflow,
  '0014-retraining-costs': retrainingCosts,
  '0015-feature-freshness': featureFreshness,
  '0016-alert-groups': alertGroups,
  '0017-artifact-store-identity': artifactStoreIdentity,
  '0018-explanations': explanations,
  '0021-mlflow-version-numbers': mlflowVersionNumbers,
  '0022-lookup-indexes': lookupIndexes,
  '0023-oidc-sessions-labelled': oidcSessionsLabelled,
  '0024-explanation-evidence': explanationEvidence,
};

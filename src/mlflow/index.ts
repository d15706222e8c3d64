/**
 * The MLflow-compatible registry: MLflow's ModelRegistryService under /api/2.0/mlflow and the
 * `mlflow-artifacts:` proxy, in MLflow's wire format, over Warden's registry and workflow.
 */
export { registerMlflowRegistryRoutes } from './mlflow.routes.js';
export { isMlflowPath, renderMlflowError, endpointNotFound } from './mlflow.errors.js';
export { mlflowAliasReaction } from './mlflow.reaction.js';
export { registerMlflowArtifactRoutes } from './mlflow-artifacts.routes.js';
export { isMlflowArtifactPath } from './mlflow-artifacts.service.js';
export { mlflowVersionNumbering } from './mlflow-numbering.reaction.js';

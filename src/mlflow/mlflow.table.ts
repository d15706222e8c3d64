/** Row types of the MLflow-compatible registry. Times are ISO-8601 UTC. */
export interface MlflowModelTable {
  model_id: string;
  /** The name MLflow clients use; null once the model was deleted through MLflow. */
  name: string | null;
  /** The highest MLflow version number given out; numbers are never reused. */
  last_version: number;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface MlflowVersionTable {
  version_id: string;
  model_id: string;
  number: number;
  source: string;
  run_id: string | null;
  run_link: string | null;
  description: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface MlflowAliasTable {
  model_id: string;
  alias: string;
  /** The version the alias names now; null while a protected alias waits for its first approval. */
  version_id: string | null;
  /** Where a protected alias moves when its change request executes. */
  pending_version_id: string | null;
  change_request_id: string | null;
  updated_at: string;
}

export interface MlflowArtifactTable {
  path: string;
  sha256: string;
  size: number;
  created_at: string;
  created_by: string;
}

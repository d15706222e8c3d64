/** Row type of the deployments table. Times are ISO-8601 UTC; JSON columns hold JSON text. */
export interface DeploymentTable {
  id: string;
  model_id: string;
  model_name: string;
  version_id: string;
  version: string;
  environment: string;
  target: string;
  /** active | ended */
  status: string;
  /** 1 while active, null once ended: at most one active deployment per (model, environment, target). */
  active: number | null;
  traffic_percent: number;
  note: string | null;
  /** JSON array of personal-data findings in target and note. */
  pii_findings: string;
  deployed_by: string;
  deployed_at: string;
  ended_by: string | null;
  ended_at: string | null;
  end_reason: string | null;
}

/** Row type of the rollouts table. JSON columns hold JSON text; times are ISO-8601 UTC. */
export interface RolloutTable {
  id: string;
  model_id: string;
  model_name: string;
  /** canary | shadow | blue-green | ab */
  strategy: string;
  /** pending | progressing | paused | succeeded | aborted */
  status: string;
  /** 1 while the rollout is active, null once it ended (unique per model). */
  active: number | null;
  candidate_version_id: string;
  candidate_version: string;
  champion_version_id: string;
  champion_version: string;
  /** The approved production change request the rollout carries out on success. */
  change_request_id: string;
  /** JSON RolloutPlan */
  plan: string;
  step: number;
  candidate_weight: number;
  step_started_at: string;
  next_analysis_at: string;
  /** JSON array of MetricResult: the latest analysis. */
  analysis: string;
  /** JSON ShadowReport, for shadow rollouts. */
  shadow: string | null;
  /** JSON AbResult, for A/B rollouts once decided. */
  result: string | null;
  reason: string | null;
  waiting_notified_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

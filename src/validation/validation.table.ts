/** Row types of the validation suite. A run is immutable once stored; waivers are their own records. */
export interface ValidationRunTable {
  id: string;
  model_id: string;
  model_name: string;
  version_id: string;
  version: string;
  passed: number;
  level: string;
  policy_version: number;
  /** JSON array of check results. */
  checks: string;
  /** JSON object: rows evaluated, metrics, champion source and other context of the run. */
  summary: string;
  created_at: string;
  created_by: string;
}

export interface ValidationWaiverTable {
  id: string;
  run_id: string;
  check_name: string;
  reason: string;
  until: string;
  /** pending | approved */
  status: string;
  requested_by: string;
  requested_at: string;
  approved_by: string | null;
  approved_at: string | null;
}

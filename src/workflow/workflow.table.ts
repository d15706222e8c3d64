/** Row types of the workflow tables. JSON columns hold JSON text; times are ISO-8601 UTC. */
export interface ChangeRequestTable {
  id: string;
  /** transition | policy | retirement | rollback_review */
  kind: string;
  model_id: string | null;
  model_name: string | null;
  version_id: string | null;
  version: string | null;
  from_stage: string | null;
  to_stage: string | null;
  /** requested | in_review | approved | rejected | executed | withdrawn | expired */
  status: string;
  requested_by: string;
  reason: string;
  /** JSON array of validation run ids */
  evidence: string;
  /** JSON array of {role, count} */
  required: string;
  /** Validation level the evidence must reach, or null when none is needed. */
  required_level: string | null;
  /** JSON: what the request carries beyond a stage move (policy document, retirement impact, rollback facts). */
  payload: string;
  policy_version: number | null;
  created_at: string;
  updated_at: string;
  expires_at: string;
  closed_at: string | null;
  executed_at: string | null;
}

export interface ChangeRequestDecisionTable {
  id: string;
  change_request_id: string;
  principal: string;
  role: string;
  /** approve | reject */
  decision: string;
  comment: string | null;
  created_at: string;
}

export interface VersionRetirementTable {
  id: string;
  version_id: string;
  model_id: string;
  change_request_id: string | null;
  reason: string;
  replacement_version_id: string | null;
  /** JSON impact assessment */
  impact: string;
  announced_at: string;
  announced_by: string;
  archive_after: string;
  /** keep | mark: what archiving does to the artifact */
  artifact_action: string;
  archived_at: string | null;
  /** When the archive was first held back because the version still had active deployments. */
  archive_held_at: string | null;
}

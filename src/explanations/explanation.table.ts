/** Row types of the explanation tables. JSON columns hold JSON text; times are ISO-8601 UTC. */

/** A version's adverse outcome (`{label}` or `{scoreAbove}` / `{scoreBelow}`, as JSON). */
export interface ExplanationSettingsTable {
  version_id: string;
  adverse_outcome: string;
  updated_at: string;
  updated_by: string;
}

/** Each revision of a version's reason codes (`{feature: reasonText}`); the highest is in force. */
export interface ReasonCodeRevisionTable {
  version_id: string;
  revision: number;
  codes: string;
  created_at: string;
  created_by: string;
  /** The change request that approved the revision (a version in production), else null. */
  change_request_id: string | null;
}

/** Explanation evidence uploaded for a version: `report` (global importance, quality) or `counterfactuals`. */
export interface ExplanationEvidenceTable {
  id: string;
  version_id: string;
  kind: string;
  /** 1, 2, … per version and kind; the highest is in force. */
  revision: number;
  /** The document as uploaded, as JSON text. */
  document: string;
  sha256: string;
  created_at: string;
  created_by: string;
}

export interface DecisionDisputeTable {
  id: string;
  model_id: string;
  version_id: string;
  record_id: string;
  statement: string;
  /** JSON array of the personal data found in the statement (the PII mode decides what is kept). */
  pii_findings: string;
  status: string;
  assignee: string;
  due_at: string;
  opened_at: string;
  opened_by: string;
  resolution: string | null;
  resolved_at: string | null;
  updated_at: string;
  overdue_at: string | null;
}

export interface DecisionOptOutTable {
  id: string;
  subject_sha256: string;
  model_name: string;
  created_at: string;
  created_by: string;
}

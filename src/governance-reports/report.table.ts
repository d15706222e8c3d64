/** A generated report, immutable: its content (canonical JSON) and the audit head it was generated at. */
export interface GovernanceReportTable {
  id: string;
  kind: string;
  model_id: string;
  model_name: string;
  version: string | null;
  deployment_id: string | null;
  period_from: string;
  period_to: string;
  trigger: string;
  schedule_key: string | null;
  audit_seq: number;
  audit_hash: string;
  content_sha256: string;
  content: string;
  generated_at: string;
  generated_by: string;
}

/** An annual audit program: its scope, the seeded selection of models and the decision samples. */
export interface AuditProgramTable {
  id: string;
  year: number;
  /** JSON: the scope as requested. */
  scope: string;
  seed: string;
  tier2_sample_pct: number;
  /** JSON: the models selected, with the reason each was selected. */
  selection: string;
  /** JSON: the decisions sampled per quarter. */
  decision_samples: string;
  created_by: string;
  created_at: string;
}

export interface AuditFindingTable {
  id: string;
  program_id: string;
  area: string;
  model_name: string | null;
  title: string;
  detail: string;
  severity: string;
  owner: string;
  due_date: string;
  status: string;
  /** JSON array of evidence links. */
  evidence: string;
  recorded_by: string;
  recorded_at: string;
  response: string | null;
  responded_by: string | null;
  responded_at: string | null;
  closed_by: string | null;
  closed_at: string | null;
  closing_note: string | null;
  overdue_notified_at: string | null;
}

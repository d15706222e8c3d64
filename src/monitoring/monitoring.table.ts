/** Row types of the monitoring tables. JSON columns hold JSON text; times are ISO-8601 UTC. */
export interface MonitoringConfigTable {
  model_id: string;
  config: string;
  updated_at: string;
  updated_by: string;
}

export interface MonitoringReferenceTable {
  version_id: string;
  records: number;
  stored_rows: number;
  /** `{overall, segments}` of window profiles. */
  profile: string;
  /** JSON array of the SHA-256 digests of the batches already folded in (a retried batch is skipped). */
  batch_digests: string;
  updated_at: string;
}

export interface MonitoringReferenceRowTable {
  version_id: string;
  seq: number;
  record: string;
}

export interface InferenceRecordTable {
  version_id: string;
  record_id: string;
  ts: string;
  window_start: string;
  input_sha256: string;
  /** Null when the model's monitoring config says `storeRawFeatures: false`. */
  features: string | null;
  prediction: string | null;
  score: number | null;
  segment: string | null;
  latency_ms: number | null;
  error: number;
  signals: string | null;
  label: string | null;
  labelled_at: string | null;
  feedback: string | null;
  received_at: string;
  /** Compact JSON of the record's attributions (`{a, m?, b?}`); null when it carried none. */
  attributions: string | null;
  /** The record a perturbation probe perturbs; null for ordinary traffic. */
  probe_of: string | null;
}

/** A label, feedback or signals that arrived before its inference record. */
export interface MonitoringPendingTable {
  version_id: string;
  record_id: string;
  kind: 'label' | 'feedback' | 'signals';
  payload: string;
  received_at: string;
}

export interface MonitoringWindowTable {
  version_id: string;
  window_start: string;
  /** `''` for the whole population, `attribute=value` for a segment. */
  segment: string;
  records: number;
  profile: string;
  updated_at: string;
}

export interface MonitoringResultTable {
  id: string;
  run_id: string;
  model_id: string;
  version_id: string;
  rule: string;
  feature: string;
  segment: string;
  window_from: string;
  window_to: string;
  records: number;
  /** Records of the window that had a label when it was evaluated; null for results stored before this was kept. */
  labelled: number | null;
  value: number | null;
  threshold: number | null;
  status: string;
  policy_rule: string;
  policy_version: string;
  detail: string;
  evaluated_at: string;
}

export interface MonitoringRunTable {
  id: string;
  model_id: string;
  family: string;
  scheduled_for: string;
  trigger: 'schedule' | 'manual';
  runner: string;
  checks: number;
  finished_at: string;
}

export interface MonitorScheduleTable {
  id: string;
  model_id: string;
  family: string;
  interval_minutes: number;
  next_run_at: string;
  lease_token: string | null;
  lease_until: string | null;
  last_run_at: string | null;
}

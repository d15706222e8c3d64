/** Row type of the incidents table. JSON columns hold JSON text; times are ISO-8601 UTC. */
export interface IncidentTable {
  id: string;
  model_id: string;
  model_name: string;
  version: string;
  signal: string;
  segment: string | null;
  /** model id, signal and segment joined while the incident is active (open or acknowledged), null once resolved: unique. */
  active_key: string | null;
  status: string;
  window_from: string;
  window_to: string;
  n: number;
  count: number;
  rate: number;
  baseline_rate: number;
  baseline_n: number;
  baseline_count: number;
  baseline_windows: number;
  z: number;
  p_value: number;
  test: string;
  /** JSON array of record ids. */
  example_record_ids: string;
  opened_at: string;
  last_seen_at: string;
  occurrences: number;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  /** JSON array of `{at, by, action, comment}`. */
  comments: string;
  updated_at: string;
}

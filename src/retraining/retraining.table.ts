/** Row type of the retraining requests table. JSON columns hold JSON text; times are ISO-8601 UTC. */
export interface RetrainingRequestTable {
  id: string;
  model_id: string;
  model_name: string;
  version: string;
  /** JSON array of `{rule, feature?, segment?, value, threshold, at}`. */
  reasons: string;
  data_from: string;
  data_to: string;
  status: string;
  /** 1 while requested or delivered: at most one open request per model. */
  open: number | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  completed_at: string | null;
  reported_by: string | null;
  produced_version: string | null;
  outcome: string | null;
  /** JSON object metric → change, or null. */
  metric_changes: string | null;
  note: string | null;
  /** The champion a "kept" run left in production. */
  kept_version: string | null;
  /** What the run cost to train, in `cost_currency` (ISO 4217). */
  cost_amount: number | null;
  cost_currency: string | null;
}

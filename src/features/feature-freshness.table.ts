/** Row type of the feature_freshness table: one row per feature that has sent a refresh heartbeat. */
export interface FeatureFreshnessTable {
  feature_id: string;
  /** Time of the latest refresh (ISO-8601 UTC). */
  last_refresh_at: string;
  /** Rows the latest refresh wrote, when the pipeline said. */
  last_rows: number | null;
  refreshes: number;
  /** When the feature was found late (null while fresh). */
  late_since: string | null;
  updated_at: string;
}

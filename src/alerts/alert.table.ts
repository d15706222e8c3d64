import type { ColumnType } from 'kysely';

/** Row type of the alerts table. JSON columns hold JSON text; times are ISO-8601 UTC. */
export interface AlertTable {
  id: string;
  model_id: string;
  model_name: string;
  version: string;
  rule: string;
  feature: string | null;
  segment: string | null;
  /** model id, rule, feature and segment joined while the alert is active (open or acknowledged), null once resolved: unique. */
  active_key: string | null;
  policy_rule: string;
  severity: string;
  status: string;
  value: number | null;
  threshold: number | null;
  detail: string | null;
  window_from: string;
  window_to: string;
  opened_at: string;
  last_seen_at: string;
  occurrences: number;
  clean_windows: number;
  escalation_level: number;
  escalated_to: string;
  escalated_at: string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  /** JSON array of `{at, by, action, comment}`. */
  comments: string;
  updated_at: string;
  /** The monitor kind the alert groups (a rule family such as `dataDrift`, or a rule of its own); '' reads as the rule. */
  kind: ColumnType<string, string | undefined, string>;
  /** JSON array of the grouped checks (`AlertMember`); `[]` (the default) for an alert of one check. */
  members: ColumnType<string, string | undefined, string>;
  /** The last window (its end's bucket, ISO-8601) that counted as a repeat or a clean window. */
  counted_window: string | null;
}

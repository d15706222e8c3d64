/**
 * Which monitoring checks ask for retraining, and how reasons accumulate on an open request.
 * Pure functions: no database, no clock.
 */

/**
 * Monitoring rules that trigger retraining when they reach `alert` status: the trigger table of
 * the policy (data drift, concept drift of predictions and labels, accuracy/precision/recall
 * decay, missing-value increase, input schema change, calibration drift, new-data volume), and
 * for regression models the RMSE, MAE and MAPE increase and the R² drop.
 * Warnings do not trigger, so a tier whose schema change is `next-business-day` (a warning) waits.
 */
const RETRAINING_TRIGGER_RULES: ReadonlySet<string> = new Set([
  'data_drift',
  'prediction_drift',
  'label_drift',
  'accuracy_decay',
  'precision_decay',
  'recall_decay',
  'missing_increase',
  'schema_change',
  'brier_drift',
  'new_data_volume',
  'rmse_increase',
  'mae_increase',
  'mape_increase',
  'r2_decay',
]);

/** The reason name a scheduled request carries. */
export const SCHEDULE_RULE = 'scheduled_retraining';

/** One reason a retraining request exists. */
export interface RetrainingReason {
  rule: string;
  feature?: string;
  segment?: string;
  value: number | null;
  threshold: number | null;
  /** When the reason was (last) seen. */
  at: string;
}

export function isRetrainingTrigger(check: { rule: string; status: string }): boolean {
  return check.status === 'alert' && RETRAINING_TRIGGER_RULES.has(check.rule);
}

const reasonKey = (r: RetrainingReason) => JSON.stringify([r.rule, r.feature ?? null, r.segment ?? null]);

/**
 * Adds reasons to a request's list: a reason for a (rule, feature, segment) already listed
 * replaces it in place (latest value), new ones are appended in order.
 */
export function mergeReasons(
  existing: readonly RetrainingReason[],
  added: readonly RetrainingReason[],
): { reasons: RetrainingReason[]; changed: boolean } {
  const out = [...existing];
  const index = new Map(out.map((r, i) => [reasonKey(r), i]));
  let changed = false;
  for (const reason of added) {
    const key = reasonKey(reason);
    const i = index.get(key);
    if (i === undefined) {
      index.set(key, out.length);
      out.push(reason);
      changed = true;
    } else if (out[i]!.value !== reason.value || out[i]!.threshold !== reason.threshold) {
      out[i] = reason;
      changed = true;
    }
  }
  return { reasons: out, changed };
}

/** The smallest window covering both (ISO-8601 UTC strings compare in time order). */
export function widenWindow(
  a: { from: string; to: string },
  b: { from: string; to: string },
): { from: string; to: string } {
  return { from: a.from < b.from ? a.from : b.from, to: a.to > b.to ? a.to : b.to };
}

/**
 * Whether the tier's retraining schedule is due: `everyDays` have passed since `since` (the last
 * request for the model, or the deployed version's creation). Returns the days elapsed when due.
 */
export function scheduledRetrainingDue(since: string, everyDays: number, now: Date): number | null {
  const elapsedDays = (now.getTime() - Date.parse(since)) / 86_400_000;
  return elapsedDays >= everyDays ? Math.floor(elapsedDays * 100) / 100 : null;
}

/**
 * The alert lifecycle as pure functions: what one monitoring check does to the alert of its
 * (model, rule, feature, segment), which severity a check earns, and when an unacknowledged
 * alert moves up the escalation chain. No database and no clock: time is a parameter.
 */

/** Alert severities, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Check statuses as monitoring reports them. */
export type CheckStatus = 'ok' | 'warning' | 'alert' | 'insufficient_data';

/** The part of a tier's alerting policy the lifecycle reads. */
export interface AlertingPolicy {
  /** Minutes an open alert may wait for an acknowledgement before it escalates. */
  ackWithinMinutes: number;
  /** Who is told, in order: step 0 at opening, then one step per escalation. */
  escalationChain: readonly string[];
  /** Minutes between further escalation steps once the first one has happened. */
  escalateEveryMinutes: number;
  /** Consecutive clean windows after which an alert resolves itself. */
  autoResolveAfterCleanWindows: number;
}

/** What the lifecycle needs to know of an active (open or acknowledged) alert. */
export interface ActiveAlertState {
  status: 'open' | 'acknowledged';
  severity: Severity;
  occurrences: number;
  cleanWindows: number;
}

/** The outcome of one check against the key's active alert (or none). */
export type AlertAction =
  | { kind: 'none' }
  | { kind: 'open'; severity: Severity }
  | { kind: 'repeat'; severity: Severity; occurrences: number }
  | { kind: 'clean'; cleanWindows: number }
  | { kind: 'resolve'; cleanWindows: number };

/**
 * Severity from the check's status and the model's risk tier (1 critical … 4 experimental):
 *
 * | status  | tier 1   | tier 2 | tier 3 | tier 4 |
 * | ------- | -------- | ------ | ------ | ------ |
 * | alert   | critical | high   | medium | low    |
 * | warning | high     | medium | low    | low    |
 *
 * `ok` and `insufficient_data` earn none.
 */
export function computeSeverity(status: CheckStatus, tier: number): Severity | null {
  if (status !== 'alert' && status !== 'warning') return null;
  const base = Math.min(Math.max(Math.trunc(tier), 1), 4) - 1 + (status === 'warning' ? 1 : 0);
  return SEVERITIES[Math.min(base, SEVERITIES.length - 1)]!;
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
}

/**
 * Applies one check to the active alert of its key. A firing check (warning or alert) opens an
 * alert, or repeats the active one (occurrences + 1, clean streak reset, severity raised but never
 * lowered). An `ok` check extends the clean streak and resolves the alert when the streak reaches
 * the policy's N. `insufficient_data` neither fires nor counts as clean, and does not break a streak.
 */
export function applyCheck(
  alert: ActiveAlertState | null,
  check: { status: CheckStatus },
  tier: number,
  policy: Pick<AlertingPolicy, 'autoResolveAfterCleanWindows'>,
): AlertAction {
  const severity = computeSeverity(check.status, tier);
  if (severity !== null) {
    if (alert === null) return { kind: 'open', severity };
    return {
      kind: 'repeat',
      severity: maxSeverity(alert.severity, severity),
      occurrences: alert.occurrences + 1,
    };
  }
  if (check.status !== 'ok' || alert === null) return { kind: 'none' };
  const cleanWindows = alert.cleanWindows + 1;
  if (cleanWindows >= policy.autoResolveAfterCleanWindows) return { kind: 'resolve', cleanWindows };
  return { kind: 'clean', cleanWindows };
}

/** What the escalation step needs of an alert. */
export interface EscalationState {
  status: AlertStatus;
  openedAt: string;
  escalationLevel: number;
  escalatedAt: string | null;
}

/**
 * The next escalation step that is due at `now`, or null. Step 0 (the first name of the chain) is
 * told when the alert opens; step 1 is due `ackWithinMinutes` after opening if nobody has
 * acknowledged; each later step `escalateEveryMinutes` after the previous one, until the chain
 * ends. Only open alerts escalate, one step per call.
 */
export function nextEscalation(
  alert: EscalationState,
  policy: Pick<AlertingPolicy, 'ackWithinMinutes' | 'escalateEveryMinutes' | 'escalationChain'>,
  now: Date,
): { level: number; to: string } | null {
  if (alert.status !== 'open') return null;
  const level = alert.escalationLevel + 1;
  const to = policy.escalationChain[level];
  if (to === undefined) return null;
  const dueAt =
    alert.escalationLevel === 0 || alert.escalatedAt === null
      ? Date.parse(alert.openedAt) + policy.ackWithinMinutes * 60_000
      : Date.parse(alert.escalatedAt) + policy.escalateEveryMinutes * 60_000;
  return now.getTime() >= dueAt ? { level, to } : null;
}

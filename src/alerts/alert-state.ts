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

/** One check an alert groups, with its latest verdict and the windows it fired or was clean in. */
export interface AlertMember {
  rule: string;
  feature?: string;
  segment?: string;
  version: string;
  status: CheckStatus;
  value: number | null;
  threshold: number | null;
  policyRule: string;
  detail?: string;
  window: { from: string; to: string };
  /** The last window (its identity, see {@link GroupCheck.windowId}) in which it fired. */
  firedIn?: string;
  /** The last window in which it evaluated ok. */
  cleanIn?: string;
}

/** A check as the grouped lifecycle reads it. */
export interface GroupCheck extends Omit<AlertMember, 'firedIn' | 'cleanIn'> {
  /**
   * The window's identity: the start of the bucket its end falls in (ISO-8601), so evaluations a
   * few seconds apart over the same buckets are the same window. Identities sort in time order.
   */
  windowId: string;
}

/** What the grouped lifecycle keeps of an active alert. */
export interface GroupState extends ActiveAlertState {
  /** The last window that counted as a repeat or a clean window; null when none has. */
  countedWindow: string | null;
  members: AlertMember[];
}

/** The outcome of one evaluation's checks against a group (or none). */
export type GroupAction =
  /** Nothing to store. */
  | { kind: 'none' }
  /** Open an alert of these members. */
  | { kind: 'open'; severity: Severity; members: AlertMember[]; countedWindow: string }
  /** Fired in a newer window: one more occurrence; or, in the window already counted, new members or a higher severity only (`occurrences` unchanged). */
  | {
      kind: 'repeat';
      severity: Severity;
      occurrences: number;
      members: AlertMember[];
      countedWindow: string;
    }
  /** Members' verdicts changed, no counter did (a clean window not yet complete). */
  | { kind: 'update'; members: AlertMember[] }
  /** Every member was ok in a newer window. */
  | { kind: 'clean'; cleanWindows: number; members: AlertMember[]; countedWindow: string }
  | { kind: 'resolve'; cleanWindows: number; members: AlertMember[]; countedWindow: string };

/** The identity of a member: rule, feature and segment (the version is what it was last seen in). */
export function memberKey(m: {
  rule: string;
  feature?: string | undefined;
  segment?: string | undefined;
}): string {
  return JSON.stringify([m.rule, m.feature ?? null, m.segment ?? null]);
}

function toMember(check: GroupCheck, previous?: AlertMember): AlertMember {
  const member: AlertMember = {
    rule: check.rule,
    ...(check.feature !== undefined ? { feature: check.feature } : {}),
    ...(check.segment !== undefined ? { segment: check.segment } : {}),
    version: check.version,
    status: check.status,
    value: check.value,
    threshold: check.threshold,
    policyRule: check.policyRule,
    ...(check.detail !== undefined ? { detail: check.detail } : {}),
    window: check.window,
  };
  const firing = check.status === 'alert' || check.status === 'warning';
  const firedIn = firing ? check.windowId : previous?.firedIn;
  const cleanIn =
    check.status === 'ok' && (previous?.cleanIn === undefined || check.windowId > previous.cleanIn)
      ? check.windowId
      : previous?.cleanIn;
  if (check.status === 'insufficient_data' && previous) return { ...previous, window: check.window };
  return {
    ...member,
    ...(firedIn !== undefined ? { firedIn } : {}),
    ...(cleanIn !== undefined ? { cleanIn } : {}),
  };
}

/** Members in a stable order: rule, then the whole population before segments, then feature. */
function ordered(members: Iterable<AlertMember>): AlertMember[] {
  return [...members].sort((a, b) => {
    const ka = [a.rule, a.segment ?? '', a.feature ?? ''];
    const kb = [b.rule, b.segment ?? '', b.feature ?? ''];
    for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    return 0;
  });
}

/**
 * Applies one evaluation's checks of one monitor kind to the kind's active alert (or none): the
 * grouped lifecycle. Every firing check (warning or alert) joins the alert as a member,
 * deduplicated by rule, feature and segment; one alert is opened for all of them. The alert
 * repeats once per newer window in which any member fires (severity raised, never lowered), and
 * counts a clean window once per newer window in which every member evaluated `ok` and none
 * fired; after the policy's N clean windows it resolves. Re-evaluating a window already counted
 * (same `windowId`) adds members and raises severity but counts nothing, so re-running an
 * evaluation never resolves an alert; a window older than the last one counted changes nothing.
 * `insufficient_data` neither fires nor counts as clean.
 */
export function applyGroupChecks(
  alert: GroupState | null,
  checks: readonly GroupCheck[],
  tier: number,
  policy: Pick<AlertingPolicy, 'autoResolveAfterCleanWindows'>,
): GroupAction {
  if (checks.length === 0) return { kind: 'none' };
  const windowId = checks.reduce((max, c) => (c.windowId > max ? c.windowId : max), checks[0]!.windowId);
  let severity: Severity | null = null;
  for (const c of checks) {
    const s = computeSeverity(c.status, tier);
    if (s !== null) severity = severity === null ? s : maxSeverity(severity, s);
  }
  const members = new Map((alert?.members ?? []).map((m) => [memberKey(m), m]));
  let changed = false;
  // Several versions may report the same check: a firing one wins over an ok one.
  const rank = (s: CheckStatus) => (s === 'alert' ? 3 : s === 'warning' ? 2 : s === 'ok' ? 1 : 0);
  const byKey = new Map<string, GroupCheck>();
  for (const c of checks) {
    const key = memberKey(c);
    const seen = byKey.get(key);
    if (!seen || rank(c.status) > rank(seen.status)) byKey.set(key, c);
  }
  for (const [key, c] of byKey) {
    const previous = members.get(key);
    const firing = c.status === 'alert' || c.status === 'warning';
    if (!previous && !firing) continue; // an ok check of something that never fired is not a member
    members.set(key, toMember(c, previous));
    changed = true;
  }
  const list = ordered(members.values());
  if (alert === null) {
    if (severity === null) return { kind: 'none' };
    return { kind: 'open', severity, members: list, countedWindow: windowId };
  }
  // An evaluation of a window older than the last one counted says nothing about now.
  if (alert.countedWindow !== null && windowId < alert.countedWindow) return { kind: 'none' };
  const newer = alert.countedWindow === null || windowId > alert.countedWindow;
  if (severity !== null) {
    return {
      kind: 'repeat',
      severity: maxSeverity(alert.severity, severity),
      occurrences: newer ? alert.occurrences + 1 : alert.occurrences,
      members: list,
      countedWindow: newer ? windowId : alert.countedWindow!,
    };
  }
  const clean =
    newer &&
    list.length > 0 &&
    list.every((m) => m.cleanIn === windowId && (m.firedIn === undefined || m.firedIn < windowId));
  if (!clean) return changed ? { kind: 'update', members: list } : { kind: 'none' };
  const cleanWindows = alert.cleanWindows + 1;
  if (cleanWindows >= policy.autoResolveAfterCleanWindows)
    return { kind: 'resolve', cleanWindows, members: list, countedWindow: windowId };
  return { kind: 'clean', cleanWindows, members: list, countedWindow: windowId };
}

/** Feature freshness as pure functions: the SLA's duration and whether a feature is late at a time. */

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The catalog's freshness SLA ("90s", "65m", "25h", "7d", "2w") in milliseconds; null when unreadable. */
export function freshnessMs(sla: string): number | null {
  const match = /^([1-9]\d{0,5})([smhdw])$/.exec(sla);
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : null;
}

/** A feature's freshness at `now`: when the next refresh is due and whether it is late. */
export interface FreshnessState {
  lastRefreshAt: string;
  dueAt: string;
  late: boolean;
  /** Minutes since the last refresh. */
  ageMinutes: number;
}

/** Late when more than the SLA has passed since the last refresh (at exactly the SLA it is still fresh). */
export function freshnessState(lastRefreshAt: string, slaMs: number, now: Date): FreshnessState {
  const last = Date.parse(lastRefreshAt);
  const age = now.getTime() - last;
  return {
    lastRefreshAt,
    dueAt: new Date(last + slaMs).toISOString(),
    late: age > slaMs,
    ageMinutes: Math.max(0, age) / 60_000,
  };
}

import type { AuditLog } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';

/** One refused request, as the access guard sees it. */
export interface Denial {
  /** The principal, or `anonymous` when no valid token was given. */
  actor: string;
  /** The client's address (the socket's remote address). */
  address: string;
  method: string;
  /** The route template, e.g. `/api/v1/models/{name}`. */
  route: string;
  path: string;
  code: string;
  reason: string;
}

interface Bucket {
  actor: string;
  address: string | null;
  method: string;
  route: string;
  minute: string;
  path: string;
  reason: string;
  codes: Record<string, number>;
  count: number;
}

const REASON_MAX = 200;

/**
 * Refused requests counted in memory and written to the audit trail as one `access.denied` entry
 * per caller (principal, or client address when anonymous), route and minute, with a count, once a
 * minute and at shutdown: a flood of refused requests costs no database write per request and at
 * most one small entry per caller, route and minute. Also limits how many unauthenticated requests
 * one address may make per minute.
 */
export class DenialLog {
  private buckets = new Map<string, Bucket>();
  private readonly anonymous = new Map<string, { minute: number; count: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      db: Db;
      audit: AuditLog;
      now: () => Date;
      flushSeconds: number;
      /** Unauthenticated requests an address may make per minute; 0 = no limit. */
      anonymousPerMinute: number;
    },
  ) {}

  /** Starts the periodic flush (not in tests that flush by hand). */
  start(): void {
    this.timer ??= setInterval(() => {
      this.flush().catch((error: unknown) =>
        console.error('writing refused requests to the audit trail failed:', error),
      );
    }, this.deps.flushSeconds * 1000);
    this.timer.unref();
  }

  record(d: Denial): void {
    const at = this.deps.now();
    const minute = at.toISOString().slice(0, 16);
    const anonymous = d.actor === 'anonymous';
    const key = `${anonymous ? `@${d.address}` : d.actor}\n${d.method} ${d.route}\n${minute}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = {
        actor: d.actor,
        address: anonymous ? d.address : null,
        method: d.method,
        route: d.route,
        minute,
        path: d.path.slice(0, REASON_MAX),
        reason: d.reason.slice(0, REASON_MAX),
        codes: {},
        count: 0,
      };
      this.buckets.set(key, b);
    }
    b.count++;
    b.codes[d.code] = (b.codes[d.code] ?? 0) + 1;
  }

  /**
   * Counts one unauthenticated request from `address`; returns the seconds to wait when the address
   * is over its limit for the current minute, else 0.
   */
  limitAnonymous(address: string): number {
    if (this.deps.anonymousPerMinute <= 0) return 0;
    const nowMs = this.deps.now().getTime();
    const minute = Math.floor(nowMs / 60_000);
    const seen = this.anonymous.get(address);
    if (!seen || seen.minute !== minute) {
      if (this.anonymous.size > 100_000) this.anonymous.clear(); // bounded memory under address spraying
      this.anonymous.set(address, { minute, count: 1 });
      return 0;
    }
    seen.count++;
    if (seen.count <= this.deps.anonymousPerMinute) return 0;
    return Math.max(1, Math.ceil(((minute + 1) * 60_000 - nowMs) / 1000));
  }

  /** Writes every counted bucket as one audit entry each, in one transaction. */
  async flush(): Promise<number> {
    if (this.buckets.size === 0) return 0;
    const buckets = [...this.buckets.values()];
    this.buckets = new Map();
    await this.deps.db.transaction().execute(async (trx) => {
      for (const b of buckets) {
        const code = Object.entries(b.codes).sort((x, y) => y[1] - x[1])[0]![0];
        await this.deps.audit.append(trx, {
          actor: b.actor,
          action: 'access.denied',
          subject: `route:${b.method} ${b.route}`,
          change: {
            code,
            codes: b.codes,
            count: b.count,
            minute: b.minute,
            path: b.path,
            reason: b.reason,
            ...(b.address !== null ? { address: b.address } : {}),
          },
        });
      }
    });
    return buckets.length;
  }

  /** Stops the timer and writes what is still counted. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

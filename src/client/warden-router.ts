/**
 * Routing decisions in process, for a gateway that must not wait on Warden per request. The
 * router keeps Warden's routing table (`GET /api/v1/routing`: every model's champion and active
 * rollout weights), refreshes it in the background with `If-None-Match` (an unchanged table costs
 * a 304), and answers `route(model, key)` from memory with the same sticky hash the server uses.
 * If Warden is unreachable it keeps the last table; before the first table arrives, and for a model
 * it does not know, the answer is the fallback champion the caller configured.
 *
 * The table carries the subjects who opted out of automated decisions (SHA-256 of their key), so a
 * key of theirs gets `human-review` in process exactly as from the route API. Past the number of
 * opt-outs the table carries (`optOutsComplete` false), `route` cannot tell and `routeChecked`
 * asks the route API for each key.
 *
 * Dependency-free (global `fetch`, `node:crypto`, Node 20+).
 */
import { createHash } from 'node:crypto';
import {
  decideRoute,
  type OptOutList,
  type RouteDecision,
  type RouteEntry,
} from '../rollouts/rollout-routing.js';

export type { OptOutList, RouteDecision, RouteEntry } from '../rollouts/rollout-routing.js';

const HUMAN_REVIEW: RouteDecision = { version: null, variant: 'human-review' };

export interface WardenRouterOptions {
  /** Base URL of the Warden server, e.g. `http://warden:8080`. */
  url: string;
  /** Any valid API token (every role may read the routing table). */
  token: string;
  /** How often to ask for a changed table (default 1000 ms). */
  refreshIntervalMs?: number;
  /** Versions to serve per model while no table has been read yet (the champion you last knew). */
  fallbackChampions?: Record<string, string>;
  /** Told about failed refreshes; the last table stays in use. */
  onError?: (error: Error) => void;
}

export class WardenRouter {
  private readonly base: string;
  private table = new Map<string, RouteEntry>();
  /** Opt-outs as `model + NUL + SHA-256 of the key` (model empty for every model). */
  private optOuts = new Set<string>();
  /** False while the table read does not carry every opt-out (see {@link routeChecked}). */
  optOutsComplete = true;
  private etag: string | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<void> | null = null;
  /** When the table was last read or confirmed unchanged (ms since the epoch), or null. */
  lastRefreshAt: number | null = null;

  constructor(private readonly options: WardenRouterOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** Reads the table once, then keeps it fresh in the background. Resolves after the first attempt. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Asks Warden for the table if it changed; keeps the current one on any failure. */
  refresh(): Promise<void> {
    this.refreshing ??= this.fetchTable().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async fetchTable(): Promise<void> {
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
      if (this.etag) headers['if-none-match'] = `"${this.etag}"`;
      const res = await fetch(`${this.base}/api/v1/routing`, { headers });
      if (res.status === 304) {
        this.lastRefreshAt = Date.now();
        return;
      }
      if (!res.ok) throw new Error(`routing table: HTTP ${res.status}`);
      const body = (await res.json()) as { etag: string; models: RouteEntry[]; optOuts?: OptOutList };
      this.table = new Map(body.models.map((e) => [e.model, e]));
      this.optOuts = new Set(
        (body.optOuts?.subjects ?? []).map((o) => `${o.model ?? ''}\u0000${o.subjectSha256}`),
      );
      this.optOutsComplete = body.optOuts?.complete ?? true;
      this.etag = body.etag;
      this.lastRefreshAt = Date.now();
    } catch (error) {
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Where the request with `key` goes: `human-review` for a subject who opted out, else from the
   * cached table, or the fallback champion. While {@link optOutsComplete} is false only the opt-outs
   * the table carries are honoured; use {@link routeChecked} then.
   */
  route(model: string, key: string): RouteDecision {
    if (this.optOuts.size > 0) {
      const subject = createHash('sha256').update(key).digest('hex');
      if (this.optOuts.has(`\u0000${subject}`) || this.optOuts.has(`${model}\u0000${subject}`))
        return { ...HUMAN_REVIEW };
    }
    const entry = this.table.get(model);
    if (entry) return decideRoute(entry, key);
    return { version: this.options.fallbackChampions?.[model] ?? null, variant: 'champion' };
  }

  /**
   * Like {@link route}, but when the table does not carry every opt-out it asks Warden's route API
   * for this key (falling back to {@link route} if Warden cannot answer).
   */
  async routeChecked(model: string, key: string): Promise<RouteDecision> {
    const local = this.route(model, key);
    if (this.optOutsComplete || local.variant === 'human-review') return local;
    try {
      const url = `${this.base}/api/v1/models/${encodeURIComponent(model)}/route?key=${encodeURIComponent(key)}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${this.options.token}` } });
      if (!res.ok) throw new Error(`route: HTTP ${res.status}`);
      return (await res.json()) as RouteDecision;
    } catch (error) {
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      return local;
    }
  }
}

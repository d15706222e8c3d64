/**
 * A small client a model server embeds to report to Warden: its inferences, the labels when the
 * truth is known, user feedback and safety signals found after the answer. `log…` calls only
 * buffer; batches go out in the background (when `batchSize` records of a kind are waiting or
 * every `flushIntervalMs`), one request at a time, with `?partial=true`: Warden stores the good
 * records of a batch and names the refused ones (field and reason), which go to `onRefused`.
 * Timeouts, refused connections, 429 and 5xx are retried with exponential backoff and full
 * jitter, or after the server's `Retry-After`. Record ids make retries safe: the server stores
 * each id once. The buffer is bounded (`maxBuffered`): while the server is away the oldest
 * waiting records are dropped first, counted in `stats().dropped` and reported to `onError`.
 *
 * Dependency-free (global `fetch`, Node 20+).
 */

/** One inference record, as `POST …/inferences` takes it. */
export interface InferenceRecord {
  id: string;
  timestamp?: string;
  features: Record<string, number | string | boolean | null>;
  prediction: number | string | boolean;
  score?: number;
  segment?: Record<string, string | number | boolean>;
  latencyMs?: number;
  error?: boolean | string;
  signals?: Record<string, boolean | string>;
  /** What serving the prediction cost (e.g. USD), for the cost-per-1,000 monitor. */
  cost?: number;
  /** Tokens read and written by a generative model. */
  tokensIn?: number;
  tokensOut?: number;
}

/** Delayed ground truth for the record with this id. */
export interface LabelRecord {
  id: string;
  label: number | string | boolean;
}

/** A user's verdict on the record with this id. */
export interface FeedbackRecord {
  id: string;
  rating: 'up' | 'down';
  report?: string;
}

/** Safety signals found after the answer (a moderation pass, a user report). */
export interface SignalsRecord {
  id: string;
  signals: Record<string, boolean | string>;
}

/** What a record is: the ingestion route it goes to. */
export type RecordKind = 'inferences' | 'labels' | 'feedback' | 'signals';

/** A record Warden would not store, and why. */
export interface RefusedRecord {
  kind: RecordKind;
  /** The record's id, when it had a readable one. */
  id: string | null;
  /** Path inside the record, e.g. `features.amount`; `''` for the record as a whole. */
  field: string;
  reason: string;
  /** The record as it was sent. */
  record: unknown;
}

export interface WardenClientOptions {
  /** Base URL of the Warden server, e.g. `http://warden:8080`. */
  url: string;
  /** An API token with an ingesting role (ml-engineer, mlops, data-scientist or admin). */
  token: string;
  model: string;
  version: string;
  /** Records per request (default 500, at most 10,000). */
  batchSize?: number;
  /** Longest a record waits in the buffer before it is sent (default 2000 ms). */
  flushIntervalMs?: number;
  /** Records held (waiting or being sent); beyond this the oldest waiting are dropped (default 100,000). */
  maxBuffered?: number;
  /** Attempts per batch before it is put back for the next round (default 5). */
  maxAttempts?: number;
  /** Backoff base: the n-th retry waits a uniform random time in [0, min(maxRetryDelayMs, retryDelayMs · 2^n)] (default 200 ms). */
  retryDelayMs?: number;
  /** Longest backoff between attempts (default 30,000 ms); a server's `Retry-After` is honoured as given. */
  maxRetryDelayMs?: number;
  /** Time limit of each request (default 10,000 ms). */
  timeoutMs?: number;
  /** Told which records Warden refused (the rest of their batch was stored). Never throws into the model server. */
  onRefused?: (refused: RefusedRecord[]) => void;
  /** Told about dropped records, batches refused whole and exhausted retries. Never throws into the model server. */
  onError?: (error: Error, context: { records: number; dropped: boolean }) => void;
}

/** What the client has done so far. */
export interface WardenClientStats {
  /** Records in batches the server answered. */
  sent: number;
  /** Newly stored. */
  accepted: number;
  /** Already stored (a retried batch). */
  duplicates: number;
  /** Refused record by record (reported to `onRefused`). */
  refused: number;
  /** Lost: pushed out of the full buffer, in a batch refused whole, or unsent at `close`. */
  dropped: number;
  /** Waiting or being sent. */
  buffered: number;
  /** Attempts repeated after a timeout, a refused connection, 429 or 5xx. */
  retries: number;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

const KINDS: readonly RecordKind[] = ['inferences', 'labels', 'feedback', 'signals'];
const RETRIABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Milliseconds a `Retry-After` header asks for: delay-seconds or an HTTP date (RFC 9110). */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^attempt)]. */
export function backoffDelayMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  return random() * Math.min(capMs, baseMs * 2 ** attempt);
}

/** Leaves out non-finite numbers outside `features` (inside, JSON already makes them null). */
function withoutNonFinite<T extends object>(record: T): T {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      copy ??= { ...(record as Record<string, unknown>) };
      delete copy[key];
    }
  }
  return (copy ?? record) as T;
}

function safely<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    callback?.(...args);
  } catch {
    // A callback's bug must never reach the model server, nor stop the sender.
  }
}

export class WardenClient {
  private readonly base: string;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly queues = new Map<RecordKind, object[]>(KINDS.map((k) => [k, []]));
  private queued = 0;
  private inFlight = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sending: Promise<void> = Promise.resolve();
  /** A drain queued but not started yet: it will take everything, so later flushes share it. */
  private nextDrain: Promise<void> | undefined;
  private closed = false;
  private readonly counters = { sent: 0, accepted: 0, duplicates: 0, refused: 0, dropped: 0, retries: 0 };

  constructor(private readonly options: WardenClientOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.base = `${base}/api/v1/models/${encodeURIComponent(options.model)}/versions/${encodeURIComponent(options.version)}`;
    this.batchSize = Math.min(10_000, Math.max(1, options.batchSize ?? 500));
    this.maxBuffered = Math.max(this.batchSize, options.maxBuffered ?? 100_000);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 2000);
    // The timer alone must not keep a model server's process alive.
    this.timer.unref();
  }

  /** Buffers one inference record (stamped now when it has no timestamp). */
  log(record: InferenceRecord): void {
    this.logInferences([record]);
  }

  /** Buffers inference records (each stamped now when it has no timestamp). */
  logInferences(records: InferenceRecord | readonly InferenceRecord[]): void {
    const now = new Date().toISOString();
    this.enqueue(
      'inferences',
      (Array.isArray(records) ? records : [records]).map((r: InferenceRecord) =>
        r.timestamp ? r : { ...r, timestamp: now },
      ),
    );
  }

  /** Buffers labels, joined by Warden to the record with the same id whenever it arrives. */
  logLabels(records: LabelRecord | readonly LabelRecord[]): void {
    this.enqueue('labels', Array.isArray(records) ? records : [records]);
  }

  /** Buffers user feedback, joined to the record with the same id. */
  logFeedback(records: FeedbackRecord | readonly FeedbackRecord[]): void {
    this.enqueue('feedback', Array.isArray(records) ? records : [records]);
  }

  /** Buffers safety signals found after the answer, joined to the record with the same id. */
  logSignals(records: SignalsRecord | readonly SignalsRecord[]): void {
    this.enqueue('signals', Array.isArray(records) ? records : [records]);
  }

  /** Sends everything buffered now; resolves when it has been sent (or given up on for this round). */
  flush(): Promise<void> {
    if (this.nextDrain) return this.nextDrain;
    const next = this.sending.then(() => {
      this.nextDrain = undefined;
      return this.drain();
    });
    this.nextDrain = next;
    this.sending = next;
    return next;
  }

  /** Flushes and stops the background timer; what could not be sent is counted as dropped. Later `log…` calls throw. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.queued > 0) {
      const left = this.queued;
      for (const queue of this.queues.values()) queue.length = 0;
      this.queued = 0;
      this.counters.dropped += left;
      safely(this.options.onError, new Error(`closed with ${left} records unsent`), {
        records: left,
        dropped: true,
      });
    }
  }

  stats(): WardenClientStats {
    return { ...this.counters, buffered: this.queued + this.inFlight };
  }

  private enqueue(kind: RecordKind, records: readonly object[]): void {
    if (this.closed) throw new Error('WardenClient is closed');
    const queue = this.queues.get(kind)!;
    for (const r of records) queue.push(withoutNonFinite(r));
    this.queued += records.length;
    this.dropOverflow(kind);
    if (queue.length >= this.batchSize) void this.flush();
  }

  /** Keeps the buffer within its bound, dropping the oldest waiting records (of `first` first). */
  private dropOverflow(first: RecordKind): void {
    let excess = this.queued + this.inFlight - this.maxBuffered;
    if (excess <= 0) return;
    let dropped = 0;
    for (const kind of [first, ...KINDS.filter((k) => k !== first)]) {
      const queue = this.queues.get(kind)!;
      const n = Math.min(excess, queue.length);
      queue.splice(0, n);
      excess -= n;
      dropped += n;
    }
    this.queued -= dropped;
    this.counters.dropped += dropped;
    safely(
      this.options.onError,
      new Error(`buffer full (${this.maxBuffered} records): dropped the ${dropped} oldest`),
      {
        records: dropped,
        dropped: true,
      },
    );
  }

  private async drain(): Promise<void> {
    for (const kind of KINDS) {
      const queue = this.queues.get(kind)!;
      while (queue.length > 0) {
        const batch = queue.splice(0, this.batchSize);
        this.queued -= batch.length;
        this.inFlight += batch.length;
        let again: object[];
        try {
          again = await this.send(kind, batch);
        } finally {
          this.inFlight -= batch.length;
        }
        if (again.length > 0) {
          // Keep the records for the next round (within the bound); the server may come back.
          queue.unshift(...again);
          this.queued += again.length;
          this.dropOverflow(kind);
          return;
        }
      }
    }
  }

  /** Sends one batch; returns the records to try again later (the server could not be reached). */
  private async send(kind: RecordKind, batch: object[]): Promise<object[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${this.base}/${kind}?partial=true`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/x-ndjson' },
          body: batch.map((r) => JSON.stringify(r)).join('\n'),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await response.text();
        if (!response.ok)
          throw new HttpStatusError(
            response.status,
            `Warden answered ${response.status}: ${text}`,
            retryAfterMs(response.headers.get('retry-after')),
          );
        this.record(kind, batch, JSON.parse(text) as PartialResult);
        return [];
      } catch (error) {
        const status = error instanceof HttpStatusError ? error.status : undefined;
        if (status === 413 && batch.length > 1) {
          const mid = Math.floor(batch.length / 2);
          return [
            ...(await this.send(kind, batch.slice(0, mid))),
            ...(await this.send(kind, batch.slice(mid))),
          ];
        }
        if (status !== undefined && !RETRIABLE.has(status)) {
          this.counters.dropped += batch.length;
          safely(this.options.onError, error as Error, { records: batch.length, dropped: true });
          return [];
        }
        if (attempt + 1 >= this.maxAttempts) {
          safely(this.options.onError, error as Error, { records: batch.length, dropped: false });
          return batch;
        }
        this.counters.retries++;
        const wait =
          (error instanceof HttpStatusError ? error.retryAfterMs : undefined) ??
          backoffDelayMs(attempt, this.retryDelayMs, this.maxRetryDelayMs);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private record(kind: RecordKind, batch: object[], result: PartialResult): void {
    const refused = (result.refused ?? []).map((r) => ({
      kind,
      id: r.id,
      field: r.field,
      reason: r.reason,
      record: batch[r.index],
    }));
    this.counters.sent += batch.length;
    this.counters.accepted += result.accepted ?? 0;
    this.counters.duplicates += result.duplicates ?? 0;
    this.counters.refused += refused.length;
    if (refused.length > 0) safely(this.options.onRefused, refused);
  }
}

interface PartialResult {
  accepted?: number;
  duplicates?: number;
  refused?: { index: number; id: string | null; field: string; reason: string }[];
}

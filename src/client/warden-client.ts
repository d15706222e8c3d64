/**
 * A small client a model server embeds to report its inferences to Warden. `log` only buffers;
 * batches go out in the background (when `batchSize` records are waiting or every
 * `flushIntervalMs`), one request at a time, retried with exponential backoff while the server
 * is unreachable or answers 429/5xx. A batch the server refuses (4xx) is dropped and reported
 * through `onError`, since resending it cannot succeed. Record ids make retries safe: the server
 * stores each id once.
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
  /** Records kept while the server is unreachable; beyond this the oldest are dropped (default 100,000). */
  maxBuffered?: number;
  /** Attempts per batch before it is put back for the next flush (default 5). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt (default 200 ms). */
  retryDelayMs?: number;
  /** Told about refused batches, dropped records and exhausted retries; never throws into the model server. */
  onError?: (error: Error, context: { records: number; dropped: boolean }) => void;
}

/** What the client has done so far. */
export interface WardenClientStats {
  sent: number;
  accepted: number;
  duplicates: number;
  dropped: number;
  buffered: number;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class WardenClient {
  private readonly endpoint: string;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private buffer: InferenceRecord[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private sending: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly counters = { sent: 0, accepted: 0, duplicates: 0, dropped: 0 };

  constructor(private readonly options: WardenClientOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.endpoint = `${base}/api/v1/models/${encodeURIComponent(options.model)}/versions/${encodeURIComponent(options.version)}/inferences`;
    this.batchSize = Math.min(10_000, Math.max(1, options.batchSize ?? 500));
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 2000);
    // The timer alone must not keep a model server's process alive.
    this.timer.unref();
  }

  /** Buffers one record; sends a batch in the background once `batchSize` are waiting. */
  log(record: InferenceRecord): void {
    if (this.closed) throw new Error('WardenClient is closed');
    this.buffer.push(record.timestamp ? record : { ...record, timestamp: new Date().toISOString() });
    if (this.buffer.length > this.maxBuffered) {
      const excess = this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, excess);
      this.counters.dropped += excess;
      this.options.onError?.(new Error(`buffer full: dropped the ${excess} oldest records`), {
        records: excess,
        dropped: true,
      });
    }
    if (this.buffer.length >= this.batchSize) void this.flush();
  }

  /** Sends everything buffered now; resolves when it has been sent (or given up on for this round). */
  flush(): Promise<void> {
    this.sending = this.sending.then(() => this.drain());
    return this.sending;
  }

  /** Flushes and stops the background timer; later `log` calls throw. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  stats(): WardenClientStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      const ok = await this.sendWithRetry(batch);
      if (!ok) {
        // Keep the records for the next flush; the server may come back.
        this.buffer.unshift(...batch);
        return;
      }
    }
  }

  private async sendWithRetry(batch: InferenceRecord[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(this.endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/x-ndjson' },
          body: batch.map((r) => JSON.stringify(r)).join('\n'),
        });
        const text = await response.text();
        if (!response.ok)
          throw new HttpStatusError(response.status, `Warden answered ${response.status}: ${text}`);
        const body = JSON.parse(text) as { accepted?: number; duplicates?: number };
        this.counters.sent += batch.length;
        this.counters.accepted += body.accepted ?? 0;
        this.counters.duplicates += body.duplicates ?? 0;
        return true;
      } catch (error) {
        const status = error instanceof HttpStatusError ? error.status : undefined;
        const retriable = status === undefined || status === 429 || status >= 500;
        if (!retriable) {
          this.counters.dropped += batch.length;
          this.options.onError?.(error as Error, { records: batch.length, dropped: true });
          return true;
        }
        if (attempt >= this.maxAttempts) {
          this.options.onError?.(error as Error, { records: batch.length, dropped: false });
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}

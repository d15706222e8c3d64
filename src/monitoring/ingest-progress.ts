/**
 * The progress of `warden ingest`: records sent, the total (exact for a table, estimated from the
 * bytes read for NDJSON, so the file is read once), the rate and the time left. On a terminal one
 * line on stderr is redrawn in place; otherwise a plain line is written every {@link LINE_EVERY_MS}
 * and at each further tenth of the file, so a log shows how a long run went.
 */
export interface ProgressState {
  /** Records sent so far (answered by the server). */
  records: number;
  /** Records in the file, when known exactly (a table). */
  totalRecords?: number | undefined;
  /** Bytes of the file behind the records sent, and its size (NDJSON). */
  bytes?: number | undefined;
  totalBytes?: number | undefined;
}

const REDRAW_MS = 100;
const LINE_EVERY_MS = 10_000;

/** "45 s", "3 min 05 s", "2 h 07 min". */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

export class IngestProgress {
  private readonly started: number;
  private lastDraw: number;
  private lastTenth = 0;
  private drawn = false;

  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly mode: 'tty' | 'lines' | 'off',
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.lastDraw = this.started;
  }

  /** The progress line for `state`: sent, of what total, records/s and the time left. */
  describe(state: ProgressState): string {
    const elapsed = (this.now() - this.started) / 1000;
    const rate = elapsed > 0 ? state.records / elapsed : 0;
    let total: string;
    let left: number | undefined;
    if (state.totalRecords !== undefined) {
      const share = state.totalRecords > 0 ? state.records / state.totalRecords : 1;
      total = ` of ${count(state.totalRecords)} (${Math.floor(share * 100)} %)`;
      if (rate > 0) left = (state.totalRecords - state.records) / rate;
    } else if (state.bytes !== undefined && state.totalBytes !== undefined && state.bytes > 0) {
      const share = Math.min(1, state.bytes / state.totalBytes);
      // The records still to come, guessed from the bytes still to read.
      total = ` of ~${count(state.records / share)} (${Math.floor(share * 100)} %)`;
      if (elapsed > 0) left = (state.totalBytes - state.bytes) / (state.bytes / elapsed);
    } else total = '';
    const eta = left === undefined || !Number.isFinite(left) ? 'ETA unknown' : `ETA ${formatEta(left)}`;
    return `ingest: ${count(state.records)}${total} records, ${count(rate)} records/s, ${eta}`;
  }

  update(state: ProgressState): void {
    if (this.mode === 'off') return;
    const at = this.now();
    if (this.mode === 'tty') {
      if (at - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = at;
      this.drawn = true;
      this.out.write(`\r${this.describe(state)}\x1b[K`);
      return;
    }
    const share =
      state.totalRecords !== undefined && state.totalRecords > 0
        ? state.records / state.totalRecords
        : state.bytes !== undefined && state.totalBytes
          ? state.bytes / state.totalBytes
          : 0;
    const tenth = Math.floor(share * 10);
    if (at - this.lastDraw < LINE_EVERY_MS && tenth <= this.lastTenth) return;
    this.lastDraw = at;
    this.lastTenth = tenth;
    this.out.write(`${this.describe(state)}\n`);
  }

  /** Erases the redrawn line and writes how the run went: records, time, rate. */
  finish(records: number): void {
    if (this.mode === 'off') return;
    if (this.drawn) this.out.write('\r\x1b[K');
    const seconds = (this.now() - this.started) / 1000;
    this.out.write(
      `ingest: sent ${count(records)} records in ${seconds.toFixed(1)} s (${count(seconds > 0 ? records / seconds : 0)} records/s)\n`,
    );
  }

  /** Erases the redrawn line (a run that stops on an error). */
  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** Files at least this large get a progress bar (when stderr is a terminal). */
const MIN_BYTES_FOR_PROGRESS = 16 * 1024 * 1024;
const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 28;

/** Tracks bytes read from one file. */
export interface ProgressReporter {
  advance(bytes: number): void;
  done(): void;
}

/** The progress of one file read: its own bar when asked for, plus the caller's byte counter. */
export function createReadProgress(
  label: string,
  totalBytes: number,
  options: { readonly progress?: boolean; readonly onBytesRead?: (bytes: number) => void },
): ProgressReporter {
  const bar = createProgressReporter(label, totalBytes, options.progress ?? false);
  const onBytesRead = options.onBytesRead;
  if (!onBytesRead) return bar;
  return {
    advance(bytes) {
      bar.advance(bytes);
      onBytesRead(bytes);
    },
    done: () => bar.done(),
  };
}

const SILENT: ProgressReporter = { advance: () => undefined, done: () => undefined };

/**
 * A one-line progress bar on stderr (bytes read / file size), redrawn at most every 100 ms
 * and erased when done. Silent unless asked for, stderr is a terminal and the file is large.
 */
export function createProgressReporter(
  label: string,
  totalBytes: number,
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  if (!enabled || !stream.isTTY || totalBytes < MIN_BYTES_FOR_PROGRESS) return SILENT;
  let readBytes = 0;
  let lastDraw = 0;
  const draw = (): void => {
    const fraction = Math.min(1, readBytes / totalBytes);
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = '#'.repeat(filled) + '.'.repeat(BAR_WIDTH - filled);
    const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
    stream.write(
      `\r${label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${mb(readBytes)}/${mb(totalBytes)} MB`,
    );
  };
  return {
    advance(bytes) {
      readBytes += bytes;
      const now = Date.now();
      if (now - lastDraw >= REDRAW_INTERVAL_MS) {
        lastDraw = now;
        draw();
      }
    },
    done() {
      stream.write('\r\x1b[K');
    },
  };
}

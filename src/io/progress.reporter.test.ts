import { describe, expect, it } from 'vitest';
import { createProgressReporter, createReadProgress } from './progress.reporter.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

const MiB = 1024 * 1024;

describe('createProgressReporter', () => {
  it('draws bytes read against the file size on a terminal and erases the line when done', () => {
    const { stream, writes } = fakeStream(true);
    const progress = createProgressReporter('reading big.csv', 20 * MiB, true, stream);
    progress.advance(5 * MiB);
    progress.done();
    expect(writes[0]).toMatch(/^\rreading big\.csv \[#{7}\.{21}\] {2}25% 5\.0\/20\.0 MB$/);
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('stays silent when stderr is not a terminal, the file is small, or it was not asked for', () => {
    for (const [tty, size, enabled] of [
      [false, 20 * MiB, true],
      [true, MiB, true],
      [true, 20 * MiB, false],
    ] as const) {
      const { stream, writes } = fakeStream(tty);
      const progress = createProgressReporter('x', size, enabled, stream);
      progress.advance(size);
      progress.done();
      expect(writes).toEqual([]);
    }
  });

  it('passes byte counts on to the caller', () => {
    const seen: number[] = [];
    const progress = createReadProgress('x', 10, { onBytesRead: (bytes) => seen.push(bytes) });
    progress.advance(3);
    progress.advance(4);
    expect(seen).toEqual([3, 4]);
  });
});

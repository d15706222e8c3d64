import { describe, expect, it } from 'vitest';
import { formatEta, IngestProgress } from './ingest-progress.js';

function fake(mode: 'tty' | 'lines' | 'off') {
  let now = 0;
  let out = '';
  const progress = new IngestProgress({ write: (t: string) => (out += t) }, mode, () => now);
  return {
    progress,
    at: (ms: number) => (now = ms),
    take: () => {
      const t = out;
      out = '';
      return t;
    },
  };
}

describe('ingest progress', () => {
  it('estimates the total from the bytes read and the time left from the byte rate', () => {
    const f = fake('lines');
    f.at(4000);
    // 10,000 records in 4 s from 25 % of a 4 MB file: ~40,000 in all, 12 s left at 1 MB per 4 s.
    f.progress.update({ records: 10_000, bytes: 1_000_000, totalBytes: 4_000_000 });
    expect(f.take()).toBe('ingest: 10,000 of ~40,000 (25 %) records, 2,500 records/s, ETA 12 s\n');
  });

  it('uses an exact total when the file says it, and says when the time left is unknown', () => {
    const f = fake('lines');
    f.at(0);
    expect(f.progress.describe({ records: 0, totalRecords: 500 })).toBe(
      'ingest: 0 of 500 (0 %) records, 0 records/s, ETA unknown',
    );
    f.at(125_000);
    expect(f.progress.describe({ records: 100, totalRecords: 500 })).toBe(
      'ingest: 100 of 500 (20 %) records, 1 records/s, ETA 8 min 20 s',
    );
  });

  it('writes plain lines at each tenth or every 10 s, redraws one line on a terminal, and nothing when off', () => {
    const lines = fake('lines');
    lines.at(1000);
    lines.progress.update({ records: 5, totalRecords: 100 });
    expect(lines.take()).toBe('');
    lines.progress.update({ records: 10, totalRecords: 100 });
    expect(lines.take()).toContain('10 of 100 (10 %)');
    lines.at(2000);
    lines.progress.update({ records: 12, totalRecords: 100 });
    expect(lines.take()).toBe('');
    lines.at(12_000);
    lines.progress.update({ records: 13, totalRecords: 100 });
    expect(lines.take()).toContain('13 of 100');
    lines.progress.finish(100);
    expect(lines.take()).toBe('ingest: sent 100 records in 12.0 s (8 records/s)\n');

    const tty = fake('tty');
    tty.at(1000);
    tty.progress.update({ records: 1, totalRecords: 4 });
    tty.at(1050);
    tty.progress.update({ records: 2, totalRecords: 4 });
    expect(tty.take()).toBe('\ringest: 1 of 4 (25 %) records, 1 records/s, ETA 3 s\x1b[K');
    tty.progress.finish(4);
    expect(tty.take()).toBe('\r\x1b[Kingest: sent 4 records in 1.1 s (4 records/s)\n');

    const off = fake('off');
    off.progress.update({ records: 1, totalRecords: 1 });
    off.progress.finish(1);
    expect(off.take()).toBe('');
  });

  it('formats the time left', () => {
    expect([formatEta(0.4), formatEta(59.6), formatEta(61), formatEta(3599), formatEta(7380)]).toEqual([
      '0 s',
      '1 min 00 s',
      '1 min 01 s',
      '59 min 59 s',
      '2 h 03 min',
    ]);
  });
});

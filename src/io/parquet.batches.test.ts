import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as hyparquet from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Column } from '../stats/types.js';
import { windowRows } from './parquet.reader.js';
import { readTableBatches } from './table.batches.js';
import { readTable } from './table.reader.js';

// hyparquet as it is, with its reads recorded: which row ranges the readers ask it to decode.
vi.mock('hyparquet', async (importOriginal) => {
  const real = await importOriginal<typeof hyparquet>();
  return { ...real, parquetRead: vi.fn(real.parquetRead) };
});
const parquetRead = vi.mocked(hyparquet.parquetRead);
const requested = () => parquetRead.mock.calls.map(([o]) => [o.rowStart ?? 0, o.rowEnd ?? Infinity]);

const N = 30_000;
const FEATURES = 38;
const ids = Array.from({ length: N }, (_, i) => `r${i}`);
// Digits until row 25,000, text after: the whole file must be looked at to type it as text.
const codes = Array.from({ length: N }, (_, i) => (i < 25_000 ? String(i % 10).padStart(2, '0') : `c${i}`));
const feature = (f: number, i: number) => ((i + f) % 17 === 0 ? null : (i * (f + 1)) / 8);

/** A file of 40 columns (id, code, 38 numbers) written with the given layout. */
function writeFile(file: string, layout: { rowGroupSize: number; pageSize?: number }): void {
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'id', data: ids, type: 'STRING' },
      { name: 'code', data: codes, type: 'STRING' },
      ...Array.from({ length: FEATURES }, (_, f) => ({
        name: `x${f}`,
        data: Array.from({ length: N }, (_, i) => feature(f, i)),
        type: 'DOUBLE' as const,
      })),
    ],
    ...layout,
  });
}

/** Row `r` of the columns as [name, cell] pairs, missing numbers as null. */
function rowOf(columns: readonly Column[], r: number): unknown[] {
  return columns.map((c) =>
    c.kind === 'categorical'
      ? [c.name, c.values[r] ?? null]
      : [c.name, Number.isNaN(c.values[r]!) ? null : (c.texts?.get(r) ?? c.values[r])],
  );
}

async function streamed(file: string, size: number) {
  const sizes: number[] = [];
  const rows: unknown[][] = [];
  for await (const batch of readTableBatches(file, { size })) {
    sizes.push(batch.rows);
    expect(batch.totalRows).toBe(N);
    for (let r = batch.first; r < batch.first + batch.rows; r++) rows.push(rowOf(batch.columns, r));
  }
  return { sizes, rows };
}

describe('Parquet readers in windows of rows', () => {
  let dir: string;
  let oneGroup: string;
  let groups: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-parquet-windows-'));
    oneGroup = path.join(dir, 'one-group.parquet');
    groups = path.join(dir, 'groups.parquet');
    // One row group of many small pages, and the same rows in groups of 7,000 (the last 2,000).
    writeFile(oneGroup, { rowGroupSize: N, pageSize: 16_384 });
    writeFile(groups, { rowGroupSize: 7_000 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    parquetRead.mockClear();
  });

  it('streams the same batches of the same records from one row group as from several', async () => {
    const window = windowRows(40, 500);
    expect(window).toBe(13_000);

    const single = await streamed(oneGroup, 500);
    // Never the whole row group at once: windows of 13,000 rows, then the rest.
    expect(requested().every(([start, end]) => end! - start! <= window)).toBe(true);
    expect(requested().slice(-3)).toEqual([
      [0, 13_000],
      [13_000, 26_000],
      [26_000, N],
    ]);

    parquetRead.mockClear();
    const several = await streamed(groups, 500);
    expect(requested().every(([start, end]) => end! - start! <= 7_000)).toBe(true);

    expect(single.sizes).toEqual(Array.from({ length: N / 500 }, () => 500));
    expect(several.sizes).toEqual(single.sizes);
    expect(several.rows).toEqual(single.rows);
    // Cells as written, "07" kept as text because the column holds text from row 25,000 on.
    for (const i of [0, 7, 12_999, 13_000, 24_999, 25_000, 29_999])
      expect(single.rows[i]).toEqual([
        ['id', `r${i}`],
        ['code', codes[i]],
        ...Array.from({ length: FEATURES }, (_, f) => [`x${f}`, feature(f, i)]),
      ]);
  });

  it('reads a whole table from one row group a window at a time, as from several row groups', async () => {
    const single = await readTable(oneGroup);
    const window = windowRows(40);
    expect(requested().length).toBe(Math.ceil(N / window));
    expect(requested().every(([start, end]) => end! - start! <= window)).toBe(true);
    const several = await readTable(groups);
    expect(several.rows).toBe(N);
    expect(single.rows).toBe(N);
    for (const i of [0, window - 1, window, 25_000, N - 1]) {
      expect(rowOf(single.columns, i)).toEqual(rowOf(several.columns, i));
      expect(rowOf(single.columns, i).slice(0, 3)).toEqual([
        ['id', `r${i}`],
        ['code', codes[i]],
        ['x0', feature(0, i)],
      ]);
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Column } from '../stats/types.js';
import { readTableBatches } from './table.batches.js';
import type { TableBatch } from './table.types.js';
import { readTable } from './table.reader.js';

/** Each row of the columns as the cells a reader of the file would see (text kept as written). */
function rowsOf(columns: readonly Column[], first: number, count: number): unknown[][] {
  const rows: unknown[][] = [];
  for (let r = first; r < first + count; r++)
    rows.push(
      columns.map((c) =>
        c.kind === 'categorical'
          ? [c.name, 'text', c.values[r] ?? null]
          : [c.name, 'number', Number.isNaN(c.values[r]!) ? null : c.values[r], c.texts?.get(r) ?? null],
      ),
    );
  return rows;
}

async function batches(file: string, size: number, categorical: string[] = []): Promise<TableBatch[]> {
  const out: TableBatch[] = [];
  for await (const batch of readTableBatches(file, { size, categorical })) out.push(batch);
  return out;
}

describe('readTableBatches', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-batches-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * A CSV over several read chunks with a BOM, CRLF line ends, quoted fields holding line breaks,
   * commas and quotes, "007"-style ids, missing cells, and a `code` column all digits for its
   * first 2,900 rows and text after: typed over the whole file, it is text in every batch.
   */
  function trickyCsv(rows: number): string {
    const lines = ['id,amount,age,code,pad,note'];
    for (let i = 0; i < rows; i++) {
      const note = i % 7 === 0 ? `"line ${i}\r\nnext, with ""quotes"""` : i % 11 === 0 ? '"a\nb"' : `n${i}`;
      const code = i < 2900 ? String(i % 50).padStart(3, '0') : `x${i}`;
      lines.push(
        `${String(i).padStart(3, '0')},${(i * 0.25).toFixed(2)},${i % 5 === 0 ? '' : 20 + (i % 40)},${code},${'.'.repeat(100)},${note}`,
      );
    }
    return `\uFEFF${lines.join('\r\n')}\r\n`;
  }

  it('gives the rows and cell types readTable gives for the whole file, batch after batch', async () => {
    const file = path.join(dir, 'tricky.csv');
    fs.writeFileSync(file, trickyCsv(3000));
    expect(fs.statSync(file).size).toBeGreaterThan(256 * 1024);
    const whole = await readTable(file, { categorical: ['age'] });
    const got = await batches(file, 7, ['age']);
    expect(got.reduce((n, b) => n + b.rows, 0)).toBe(3000);
    expect(got.every((b) => b.totalRows === 3000)).toBe(true);
    expect(got.length).toBe(Math.ceil(3000 / 7));
    expect(got.flatMap((b) => rowsOf(b.columns, b.first, b.rows))).toEqual(rowsOf(whole.columns, 0, 3000));
    // The `code` column is text from the first batch on: "007" is not 7.
    const code = got[0]!.columns.find((c) => c.name === 'code')!;
    expect(code.kind).toBe('categorical');
    expect(code.values[0]).toBe('000');
    // File lines of the rows: the header is line 1, and each quoted CRLF adds one.
    const content = trickyCsv(3000);
    const expected: number[] = [];
    let line = 2;
    const body = content.slice(content.indexOf('\r\n') + 2);
    for (const row of body.split(/\r\n(?=\d{3,},)/)) {
      expected.push(line);
      line += (row.match(/\n/g) ?? []).length + 1;
    }
    expect(got.flatMap((b) => b.lines)).toEqual(expected.slice(0, 3000));
  });

  it('names the line of a ragged row before returning any batch, and reads a header-only file as no rows', async () => {
    const rows = ['a,b'];
    for (let i = 0; i < 5000; i++) rows.push(i === 3000 ? '"x\ny",2,3' : `${i},${i}`);
    const file = path.join(dir, 'ragged.csv');
    fs.writeFileSync(file, rows.join('\n'));
    const seen: number[] = [];
    const read = async () => {
      for await (const batch of readTableBatches(file, { size: 100 })) seen.push(batch.rows);
    };
    // Header on line 1, data row i on line i + 2; row 3000 (data row 3001) starts on line 3002.
    await expect(read()).rejects.toThrow(
      'ragged.csv: data row 3001 has 3 fields, the header has 2 (line 3002)',
    );
    expect(seen).toEqual([]);
    const header = path.join(dir, 'header.csv');
    fs.writeFileSync(header, '\uFEFFid,amount\r\n');
    expect(await batches(header, 10)).toEqual([]);
    const empty = path.join(dir, 'empty.csv');
    fs.writeFileSync(empty, '');
    await expect(batches(empty, 10)).rejects.toThrow('empty.csv: the file is empty');
  });

  it('reads TSV with the tab delimiter', async () => {
    const file = path.join(dir, 'rows.tsv');
    fs.writeFileSync(file, 'id\tnote\n007\ta,b\n008\tc\n');
    const [batch] = await batches(file, 10);
    expect(rowsOf(batch!.columns, 0, 2)).toEqual([
      [
        ['id', 'number', 7, '007'],
        ['note', 'text', 'a,b'],
      ],
      [
        ['id', 'number', 8, '008'],
        ['note', 'text', 'c'],
      ],
    ]);
  });

  it('reads a Parquet file row group by row group, typing string columns over the whole file', async () => {
    const file = path.join(dir, 'groups.parquet');
    const n = 5500;
    const ids = Array.from({ length: n }, (_, i) => String(i).padStart(6, '0'));
    // Digits until row 5200, text after: a text column in every batch.
    const codes = Array.from({ length: n }, (_, i) => (i < 5200 ? String(i % 10).padStart(2, '0') : `c${i}`));
    const amounts = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i / 4));
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'id', data: ids, type: 'STRING' },
        { name: 'code', data: codes, type: 'STRING' },
        { name: 'amount', data: amounts, type: 'DOUBLE' },
      ],
      rowGroupSize: 1000,
    });
    const buffer = fs.readFileSync(file);
    const meta = parquetMetadata(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length));
    expect(meta.row_groups.length).toBe(6);
    const whole = await readTable(file);
    const got = await batches(file, 700);
    // Batches do not cross row groups: 700 + 300 per group of 1,000, then 500.
    expect(got.map((b) => b.rows).slice(0, 3)).toEqual([700, 300, 700]);
    expect(got.reduce((sum, b) => sum + b.rows, 0)).toBe(n);
    expect(got.flatMap((b) => rowsOf(b.columns, b.first, b.rows))).toEqual(rowsOf(whole.columns, 0, n));
    // Each batch holds its own rows only, not its whole row group.
    for (const b of got)
      for (const c of b.columns) expect([c.name, c.values.length]).toEqual([c.name, b.rows]);
    expect(got[0]!.columns.find((c) => c.name === 'code')!.kind).toBe('categorical');
    const first = rowsOf(got[0]!.columns, 0, 1)[0]!;
    expect(first).toEqual([
      ['id', 'number', 0, '000000'],
      ['code', 'text', '00'],
      ['amount', 'number', null, null],
    ]);
  });

  it('reads batches that cross the data pages of a row group, every row once and in order', async () => {
    const file = path.join(dir, 'pages.parquet');
    const n = 4000;
    const ids = Array.from({ length: n }, (_, i) => `r${i}`);
    const scores = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : (i * 3) / 8));
    const ages = Array.from({ length: n }, (_, i) => 20 + (i % 50));
    // Pages of ~2 kB: each 2,000-row group holds many pages, which batches of 333 rows straddle.
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'id', data: ids, type: 'STRING' },
        { name: 'score', data: scores, type: 'DOUBLE' },
        { name: 'age', data: ages, type: 'INT32' },
      ],
      rowGroupSize: 2000,
      pageSize: 2000,
    });
    const got = await batches(file, 333);
    expect(got.map((b) => b.rows).slice(0, 7)).toEqual([333, 333, 333, 333, 333, 333, 2]);
    const rows = got.flatMap((b) => rowsOf(b.columns, b.first, b.rows));
    expect(rows).toHaveLength(n);
    // Expected cells from the lists written above, not from another reader.
    for (const i of [0, 7, 332, 333, 1998, 1999, 2000, 2001, 3999])
      expect(rows[i]).toEqual([
        ['id', 'text', `r${i}`],
        ['score', 'number', i % 7 === 0 ? null : (i * 3) / 8, null],
        ['age', 'number', 20 + (i % 50), null],
      ]);
  });
});

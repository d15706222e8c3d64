import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { WardenError } from '../core/errors.js';
import type { Column } from '../stats/types.js';
import { detectTableFormat, readTable } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | ArrayBuffer | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content instanceof ArrayBuffer ? Buffer.from(content) : content);
  return path;
}

async function readError(path: string, options: Parameters<typeof readTable>[1] = {}): Promise<WardenError> {
  const error: unknown = await readTable(path, options).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WardenError);
  expect((error as WardenError).code).toBe('invalid_input');
  return error as WardenError;
}

describe('detectTableFormat', () => {
  it.each([
    ['a.csv', 'csv'],
    ['a.TSV', 'tsv'],
    ['a.ndjson', 'ndjson'],
    ['a.jsonl', 'ndjson'],
    ['a.parquet', 'parquet'],
  ])('%s is %s', (path, format) => expect(detectTableFormat(path)).toBe(format));

  it('rejects other extensions', () =>
    expect(() => detectTableFormat('a.xlsx')).toThrow(/unknown file type/));
});

describe('readTable: CSV', () => {
  it('types columns: numbers with missing values and infinity are numeric, the rest categorical', async () => {
    const path = file(
      'typed.csv',
      'x,flag,city,empty\n1.5,true,Oslo,\nNA,false,,\ninf,true,12,\n-2,false,Bergen,NA\n',
    );
    const table = await readTable(path);
    expect(table.rows).toBe(4);
    expect(table.columns.map((c) => [c.name, c.kind])).toEqual([
      ['x', 'numeric'],
      ['flag', 'categorical'],
      ['city', 'categorical'],
      ['empty', 'numeric'],
    ]);
    const [x, flag, city] = table.columns;
    expect(Array.from(x!.values as Float64Array)).toEqual([1.5, NaN, Infinity, -2]);
    expect(flag!.values).toEqual(['true', 'false', 'true', 'false']);
    expect(city!.values).toEqual(['Oslo', null, '12', 'Bergen']);
  });

  it('reads only the requested columns, in the requested order, handling quotes and a BOM', async () => {
    const path = file('quoted.csv', '\ufeffa,b,c\n1,"x, y",3\n4,"he said ""hi""",6\n');
    const table = await readTable(path, { columns: ['c', 'b'] });
    expect(table.columns.map((c) => c.name)).toEqual(['c', 'b']);
    expect(table.columns[1]!.values).toEqual(['x, y', 'he said "hi"']);
  });

  it('reads TSV', async () => {
    const table = await readTable(file('t.tsv', 'a\tb\n1\tx\n'));
    expect(table.columns.map((c) => c.kind)).toEqual(['numeric', 'categorical']);
  });

  it('names the file, column and data row of a non-numeric value in a numeric column', async () => {
    const path = file('bad-score.csv', 'label,score\n1,0.9\n0,0.2\n1,high\n');
    const error = await readError(path, { numeric: ['score'] });
    expect(error.message).toBe("bad-score.csv: column 'score' must be numeric, but data row 3 has 'high'");
    expect(error.field).toBe('score');
  });

  it('rejects an empty file, a header-only file, a missing column and a ragged row', async () => {
    expect((await readError(file('empty.csv', ''))).message).toBe('empty.csv: the file is empty');
    expect((await readError(file('header.csv', 'a,b\n'))).message).toBe(
      'header.csv: the file has no data rows',
    );
    expect((await readError(file('cols.csv', 'a,b\n1,2\n'), { columns: ['a', 'zz'] })).message).toBe(
      "cols.csv: no column 'zz' (columns: a, b)",
    );
    expect((await readError(file('ragged.csv', 'a,b\n1,2\n3\n'))).message).toBe(
      'ragged.csv: data row 2 has 1 fields, the header has 2 (line 3)',
    );
    expect((await readError(join(dir, 'absent.csv'))).message).toMatch(/absent\.csv: no such file/);
  });

  it('reads tricky CSV: CRLF, quoted numbers, embedded line breaks, empty and quoted-empty cells', async () => {
    const path = file(
      'tricky.csv',
      '\ufeffscore,comment,count\r\n' +
        '"1.25","multi\r\nline, with comma",3\r\n' +
        ',"",\r\n' +
        '\r\n' +
        '-0.5,"say ""no""",1e3\r\n' +
        '12345678901234567,plain,-7',
    );
    const table = await readTable(path);
    expect(table.rows).toBe(4);
    expect(table.columns.map((c) => [c.name, c.kind])).toEqual([
      ['score', 'numeric'],
      ['comment', 'categorical'],
      ['count', 'numeric'],
    ]);
    const [score, comment, count] = table.columns;
    // 17 digits is past the byte-level fast path: read as Number() reads it.
    expect(Array.from(score!.values as Float64Array)).toEqual([1.25, NaN, -0.5, 12345678901234568]);
    expect(comment!.values).toEqual(['multi\r\nline, with comma', null, 'say "no"', 'plain']);
    expect(Array.from(count!.values as Float64Array)).toEqual([3, NaN, 1000, -7]);
  });

  it('names the data row of a ragged row after a quoted line break, and the column of a bad quote', async () => {
    expect((await readError(file('ragged2.csv', 'a,b\n"x\ny",1\n2,3,4\n'))).message).toBe(
      'ragged2.csv: data row 2 has 3 fields, the header has 2 (line 4)',
    );
    const error = await readError(file('quote.csv', 'id,name\n1,ok\n2,bad"quote\n'));
    expect(error.message).toBe(
      "quote.csv: not valid CSV at line 3, column 'name': a quote inside an unquoted field (quote the whole field)",
    );
    expect(error.field).toBe('name');
    expect((await readError(file('open.csv', 'id,name\n1,"never closed\n'))).message).toBe(
      "open.csv: not valid CSV at line 2, column 'name': a quoted field is not closed before the end of the file",
    );
  });

  it('names the column and data row of a non-numeric value met after plain numbers', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i},${(i / 8).toFixed(3)}`);
    rows[2500] = '2500,"12,5"';
    const error = await readError(file('late.csv', `id,amount\n${rows.join('\n')}\n`), {
      numeric: ['amount'],
    });
    expect(error.message).toBe("late.csv: column 'amount' must be numeric, but data row 2501 has '12,5'");
  });

  it('gives a column read from bytes the same numbers as Number() on its text', async () => {
    const texts = [
      '0',
      '-0',
      '007',
      '3.',
      '.5',
      '-.25',
      '0.1',
      '123456789012345',
      '9007199254740993',
      '1.7976931348623157e308',
    ];
    const table = await readTable(file('numbers.csv', `x\n${texts.join('\n')}\n`));
    const values = Array.from(table.columns[0]!.values as Float64Array);
    expect(values).toEqual([
      0, -0, 7, 3, 0.5, -0.25, 0.1, 123456789012345, 9007199254740992, 1.7976931348623157e308,
    ]);
    expect(Object.is(values[1], -0)).toBe(true);
  });

  it('reads a UTF-16LE file with a byte-order mark (as Excel saves Unicode text)', async () => {
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const small = await readTable(file('utf16.csv', utf16('größe,name\r\n1.5,Åsa\r\n-2,"x,y"\r\n')));
    const values = (c: Column) => (c.kind === 'numeric' ? Array.from(c.values) : c.values);
    expect(small.columns.map((c) => [c.name, c.kind, values(c)])).toEqual([
      ['größe', 'numeric', [1.5, -2]],
      ['name', 'categorical', ['Åsa', 'x,y']],
    ]);
    // Longer than the 1 MiB read chunk, which ends inside a surrogate pair.
    const rows = Array.from({ length: 70_000 }, (_, i) => `${i}\t😀${i % 3}`);
    const bytes = utf16(`id\tsmiley\n${rows.join('\n')}\n`);
    expect(bytes.readUInt16LE(1024 * 1024 - 2)).toBe(0xd83d);
    const large = await readTable(file('utf16.tsv', bytes));
    expect(large.rows).toBe(70_000);
    expect((large.columns[0]!.values as Float64Array)[69_999]).toBe(69_999);
    const emoji = large.columns[1]!.values as string[];
    expect(emoji.every((value, i) => value === `😀${i % 3}`)).toBe(true);
  });
});

describe('readTable: NDJSON', () => {
  it('takes the union of keys, with absent keys missing and booleans categorical', async () => {
    const lines = ['{"a": 1, "b": true}', '', '{"a": null, "c": "x"}', '{"a": "2.5", "b": false, "c": "y"}'];
    const table = await readTable(file('rows.ndjson', lines.join('\n') + '\n'));
    expect(table.rows).toBe(3);
    const byName = Object.fromEntries(table.columns.map((c) => [c.name, c]));
    expect(byName.a!.kind).toBe('numeric');
    expect(Array.from(byName.a!.values as Float64Array)).toEqual([1, NaN, 2.5]);
    expect(byName.b!.values).toEqual(['true', null, 'false']);
    expect(byName.c!.values).toEqual([null, 'x', 'y']);
  });

  it('names the line of invalid JSON and the row of a non-numeric value', async () => {
    expect((await readError(file('broken.jsonl', '{"a": 1}\n{"a": \n'))).message).toBe(
      'broken.jsonl: line 2 is not valid JSON',
    );
    const error = await readError(file('num.ndjson', '{"s": 1}\n{"s": "x"}\n'), { numeric: ['s'] });
    expect(error.message).toBe("num.ndjson: column 's' must be numeric, but data row 2 has 'x'");
    expect((await readError(file('none.ndjson', '\n\n'))).message).toBe(
      'none.ndjson: the file has no data rows',
    );
  });
});

describe('readTable: Parquet', () => {
  it('reads every row group into typed columns', async () => {
    const n = 2500;
    const doubles = new Float64Array(n).map((_, i) => i / 10);
    const buffer = parquetWriteBuffer({
      rowGroupSize: 1000,
      columnData: [
        { name: 'd', data: doubles, type: 'DOUBLE', nullable: false },
        { name: 'dn', data: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i)), type: 'DOUBLE' },
        { name: 'l', data: Array.from({ length: n }, (_, i) => BigInt(i)), type: 'INT64' },
        { name: 'b', data: Array.from({ length: n }, (_, i) => i % 2 === 0), type: 'BOOLEAN' },
        {
          name: 's',
          data: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `c${i % 3}`)),
          type: 'STRING',
        },
      ],
    });
    const table = await readTable(file('t.parquet', buffer));
    expect(table.rows).toBe(n);
    const byName = Object.fromEntries(table.columns.map((c) => [c.name, c]));
    expect(Array.from(byName.d!.values as Float64Array)).toEqual(Array.from(doubles));
    const dn = byName.dn!.values as Float64Array;
    expect(dn[0]).toBeNaN();
    expect(dn[2498]).toBe(2498);
    expect(byName.l!.kind).toBe('numeric');
    expect((byName.l!.values as Float64Array)[1234]).toBe(1234);
    expect(byName.b!.kind).toBe('categorical');
    expect(byName.b!.values.slice(0, 2)).toEqual(['true', 'false']);
    expect(byName.s!.values.slice(0, 3)).toEqual([null, 'c1', 'c2']);
  });

  it('reads a column subset and rejects a missing column and a non-Parquet file', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'a', data: [1, 2], type: 'DOUBLE' }] });
    const path = file('small.parquet', buffer);
    expect((await readTable(path, { columns: ['a'] })).columns).toHaveLength(1);
    expect((await readError(path, { columns: ['b'] })).message).toBe(
      "small.parquet: no column 'b' (columns: a)",
    );
    expect((await readError(file('fake.parquet', 'not parquet at all'))).message).toMatch(
      /^fake\.parquet: not a readable Parquet file/,
    );
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDriftReport } from '../reports/drift.report.js';
import type { Column } from '../stats/types.js';
import { readTable, readTables } from './index.js';

/** Written by test/fixtures/gen-csv-missing.py from pandas' own read_csv. */
const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/csv-missing.json', import.meta.url), 'utf8'),
) as {
  defaultMissingTokens: string[];
  numericCsv: string;
  numericDtype: string;
  numericValues: (number | null)[];
  wordsCsv: string;
  wordsValues: (string | null)[];
  leadingZeros: { aThen007: string[]; '007ThenA': string[]; zipAsText: string[] };
};

const dir = mkdtempSync(join(tmpdir(), 'warden-pandas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const cells = (column: Column | undefined): (number | string | null)[] =>
  column!.kind === 'numeric'
    ? Array.from(column!.values, (v) => (Number.isNaN(v) ? null : v))
    : [...column!.values];

describe("pandas' default missing-value tokens", () => {
  it('are the tokens pandas lists (pandas 2 defaults, "None" included)', () => {
    expect(fixture.defaultMissingTokens).toContain('#NA');
    expect(fixture.defaultMissingTokens).toContain('1.#QNAN');
    expect(fixture.defaultMissingTokens).toHaveLength(19);
  });

  it('a numeric column holding every token reads as pandas reads it: numeric, those cells missing', async () => {
    expect(fixture.numericDtype).toBe('float64');
    const table = await readTable(file('numeric.csv', fixture.numericCsv));
    const value = table.columns.find((c) => c.name === 'value');
    expect(value!.kind).toBe('numeric');
    expect(cells(value)).toEqual(fixture.numericValues);
  });

  it('a text column: the tokens are missing, look-alikes ("none", "NAN", "#n/a", "na ") stay text', async () => {
    const table = await readTable(file('words.csv', fixture.wordsCsv));
    expect(cells(table.columns.find((c) => c.name === 'word'))).toEqual(fixture.wordsValues);
  });

  it('TSV, NDJSON strings and the worker-thread reader agree', async () => {
    const tsv = await readTable(file('numeric.tsv', fixture.numericCsv.replaceAll(',', '\t')));
    expect(cells(tsv.columns[1])).toEqual(fixture.numericValues);
    const lines = fixture.defaultMissingTokens.map((t) => JSON.stringify({ v: t })).join('\n');
    const ndjson = await readTable(file('tokens.ndjson', `${lines}\n{"v": 2}\n`));
    expect(cells(ndjson.columns[0])).toEqual([...fixture.defaultMissingTokens.map(() => null), 2]);
    const [a, b] = await readTables([
      { path: file('w1.csv', fixture.wordsCsv) },
      { path: file('w2.csv', fixture.numericCsv) },
    ]);
    expect(cells(a!.columns[1])).toEqual(fixture.wordsValues);
    expect(cells(b!.columns[1])).toEqual(fixture.numericValues);
  });
});

describe('a column is typed from the whole column, never rewritten per value', () => {
  it('["a", "007"] and ["007", "a"] hold the same categories, as in pandas', async () => {
    const first = await readTable(file('a-then-007.csv', 'code\na\n007\n'));
    const second = await readTable(file('007-then-a.csv', 'code\n007\na\n'));
    expect(cells(first.columns[0])).toEqual(fixture.leadingZeros.aThen007);
    expect(cells(second.columns[0])).toEqual(fixture.leadingZeros['007ThenA']);
    expect(new Set(cells(second.columns[0]))).toEqual(new Set(cells(first.columns[0])));
  });

  it('keeps every written form once the column turns to text: "1.50", "-0", ".5", "1.", quoted "010"', async () => {
    const table = await readTable(file('forms.csv', 'v\n1.50\n-0\n.5\n1.\n"010"\n0.0000001\n12\nx\n'));
    expect(cells(table.columns[0])).toEqual(['1.50', '-0', '.5', '1.', '010', '0.0000001', '12', 'x']);
  });

  it('a column the schema types as text keeps "007" even when every value is a number', async () => {
    const path = file('zip.csv', 'zip,n\n007\t,1\n010,2\n0042,3\n'.replaceAll('\t', ''));
    const plain = await readTable(path);
    expect(plain.columns[0]!.kind).toBe('numeric');
    const typed = await readTable(path, { categorical: ['zip'] });
    expect(typed.columns[0]).toMatchObject({ kind: 'categorical', values: fixture.leadingZeros.zipAsText });
    expect(typed.columns[1]!.kind).toBe('numeric');
    const [viaWorker] = await readTables([{ path, options: { categorical: ['zip'] } }]);
    expect(cells(viaWorker!.columns[0])).toEqual(fixture.leadingZeros.zipAsText);
  });

  it('warden drift compares a text reference column with a numeric current one by the written values', async () => {
    const reference = await readTable(file('ref.csv', `code\n${'007\n'.repeat(19)}a\n`));
    const current = await readTable(file('cur.csv', `code\n${'007\n'.repeat(20)}`));
    expect(current.columns[0]!.kind).toBe('numeric');
    const { report, compared } = buildDriftReport(reference, current, { methods: {}, thresholds: {} });
    expect(report.schema.typeChanged).toEqual(['code']);
    expect(new Set(cells(compared.reference[0]))).toEqual(new Set(['007', 'a']));
    expect(new Set(cells(compared.current[0]))).toEqual(new Set(['007']));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnBuilder, isMissingText, parseNumberText, parsePlainDecimalBytes } from './column.builder.js';

describe('parseNumberText', () => {
  it.each([
    ['1', 1],
    ['-2.5', -2.5],
    ['1e3', 1000],
    [' 7 ', 7],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['inf', Infinity],
    ['-INF', -Infinity],
  ])('reads %j as %d', (text, value) => {
    expect(parseNumberText(text)).toBe(value);
  });

  it.each(['', ' ', 'NA', 'null', 'NaN', 'nan', 'None', 'N/A'])('reads %j as missing', (text) => {
    expect(parseNumberText(text)).toBeNaN();
    expect(isMissingText(text)).toBe(true);
  });

  it.each(['abc', 'true', '1,5', '2020-01-01'])('rejects %j', (text) => {
    expect(parseNumberText(text)).toBeUndefined();
  });
});

describe('ColumnBuilder', () => {
  it('keeps a column numeric while every value parses, growing past its first capacity', () => {
    const builder = new ColumnBuilder('x');
    for (let i = 0; i < 5000; i++) builder.appendText(i % 10 === 0 ? 'NA' : String(i));
    const column = builder.finish();
    expect(column.kind).toBe('numeric');
    if (column.kind !== 'numeric') return;
    expect(column.values).toHaveLength(5000);
    expect(column.values[0]).toBeNaN();
    expect(column.values[4999]).toBe(4999);
  });

  it('turns categorical at the first non-number, keeping the cells as written, and remembers where', () => {
    const builder = new ColumnBuilder('x');
    ['1', '', '2.50', 'b', 'NA', '3'].forEach((text) => builder.appendText(text));
    // pandas reads this column as object dtype: ['1', nan, '2.50', 'b', nan, '3'].
    expect(builder.finish()).toEqual({
      kind: 'categorical',
      name: 'x',
      values: ['1', null, '2.50', 'b', null, '3'],
    });
    expect(builder.firstNonNumeric).toEqual({ row: 4, value: 'b' });
  });

  it('treats booleans as categorical and decodes JSON-like values', () => {
    const builder = new ColumnBuilder('x');
    [true, null, 3, 4n, undefined].forEach((value) => builder.appendValue(value));
    expect(builder.finish()).toEqual({
      kind: 'categorical',
      name: 'x',
      values: ['true', null, '3', '4', null],
    });
  });

  it('calls the non-numeric handler for columns that must be numeric', () => {
    const builder = new ColumnBuilder('score', (column, cell) => {
      throw new Error(`${column}@${cell.row}=${cell.value}`);
    });
    builder.appendText('0.5');
    expect(() => builder.appendText('high')).toThrow('score@2=high');
  });
});

describe('ColumnBuilder.appendBytes', () => {
  /** Appends each text as its UTF-8 bytes, at an offset inside a larger buffer. */
  function appendAll(builder: ColumnBuilder, texts: readonly string[]): void {
    for (const text of texts) {
      const bytes = Buffer.from(`xx${text}yy`, 'utf8');
      builder.appendBytes(bytes, 2, bytes.length - 2);
    }
  }

  it('reads plain decimals, empty cells and other numbers as appendText does', () => {
    const builder = new ColumnBuilder('x');
    appendAll(builder, ['1.5', '', '-2', '1e3', 'NA', ' 4 ', '-inf']);
    const column = builder.finish();
    expect(column.kind).toBe('numeric');
    expect(Array.from(column.values as Float64Array)).toEqual([1.5, NaN, -2, 1000, NaN, 4, -Infinity]);
  });

  it('turns categorical at the first non-number, names its row, and keeps missing spellings missing', () => {
    const builder = new ColumnBuilder('x');
    appendAll(builder, ['1', 'b', '', 'NA', 'b', 'Ålesund', 'null', 'Ålesund', '2']);
    expect(builder.firstNonNumeric).toEqual({ row: 2, value: 'b' });
    expect(builder.finish().values).toEqual(['1', 'b', null, null, 'b', 'Ålesund', null, 'Ålesund', '2']);
  });

  it('keeps every value right past the cache: long cells and more than 512 distinct ones', () => {
    const builder = new ColumnBuilder('x');
    const long = 'L'.repeat(100);
    const texts = ['a', long, ...Array.from({ length: 2000 }, (_, i) => `c${i % 700}`), long, 'a', 'c5'];
    appendAll(builder, texts);
    expect(builder.finish().values).toEqual(texts);
  });

  it('builds the same column from bytes as from text, whatever the mix of cells', () => {
    const cell = fc.oneof(
      fc.constantFrom(
        '',
        ' ',
        'NA',
        'nan',
        'null',
        '-0',
        '1e5',
        ' 1',
        '0x10',
        '1_000',
        'inf',
        '.5',
        '5.',
        '007',
      ),
      fc.string({ unit: fc.constantFrom('0', '1', '9', '.', '-', 'a', ' ', 'é'), maxLength: 6 }),
      fc.integer({ min: 0, max: 900 }).map((i) => `c${i}`),
    );
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 1200 }), (cells) => {
        const fromText = new ColumnBuilder('x');
        const fromBytes = new ColumnBuilder('x');
        for (const text of cells) fromText.appendText(text);
        appendAll(fromBytes, cells);
        expect(fromBytes.firstNonNumeric).toEqual(fromText.firstNonNumeric);
        const expected = fromText.finish();
        const actual = fromBytes.finish();
        expect(actual.kind).toBe(expected.kind);
        // Array.from keeps -0 apart from 0 under toEqual.
        expect(Array.from<unknown>(actual.values)).toEqual(Array.from<unknown>(expected.values));
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseNumberText fast path', () => {
  it('gives exactly what Number() gives for plain decimals', () => {
    const samples = [
      '0',
      '-0',
      '007',
      '1.',
      '.5',
      '-.5',
      '123456789012345',
      '0.1',
      '0.3',
      '-12.34567',
      '99999.99999',
      '1234567890.12345',
    ];
    let seed = 1;
    for (let k = 0; k < 20_000; k++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const whole = String(seed % 100000);
      const fraction = String(seed % 10 ** (1 + (seed % 9))).padStart(1 + (k % 9), '0');
      samples.push(`${k % 2 ? '-' : ''}${whole}.${fraction}`);
    }
    for (const text of samples) expect(Object.is(parseNumberText(text), Number(text)), text).toBe(true);
    for (const text of samples) {
      const bytes = Buffer.from(`,${text},`);
      expect(Object.is(parsePlainDecimalBytes(bytes, 1, bytes.length - 1), Number(text)), text).toBe(true);
    }
  });

  it('leaves exponents, long mantissas and odd shapes to Number()', () => {
    expect(parseNumberText('1e3')).toBe(1000);
    expect(parseNumberText('1234567890123456789')).toBe(Number('1234567890123456789'));
    expect(parseNumberText('0.12345678901234567')).toBe(Number('0.12345678901234567'));
    expect(parseNumberText('-')).toBeUndefined();
    expect(parseNumberText('.')).toBeUndefined();
    expect(parseNumberText('1.2.3')).toBeUndefined();
  });
});

describe('parseNumberText: literals pandas keeps as text', () => {
  // pandas.read_csv(io.StringIO('a\n0x10\n0o7\n0b1\n')).a.dtype is object: the cells stay text.
  it.each(['0x10', '0X1F', '-0x10', '0o17', '0b101'])('%s is not a number', (text) => {
    expect(parseNumberText(text)).toBeUndefined();
  });
  it('plain numbers still are', () => {
    expect(parseNumberText('010')).toBe(10);
    expect(parseNumberText('1e3')).toBe(1000);
  });
});

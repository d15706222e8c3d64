import { describe, expect, it } from 'vitest';
import { ColumnBuilder, isMissingText, parseNumberText } from './column.builder.js';

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

  it('turns categorical at the first non-number and remembers where', () => {
    const builder = new ColumnBuilder('x');
    ['1', '', '2.50', 'b', 'NA', '3'].forEach((text) => builder.appendText(text));
    expect(builder.finish()).toEqual({
      kind: 'categorical',
      name: 'x',
      values: ['1', null, '2.5', 'b', null, '3'],
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

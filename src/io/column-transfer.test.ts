import { describe, expect, it } from 'vitest';
import { decodeTransferredTable, encodeTableForTransfer } from './column-transfer.js';
import type { Table } from './table.types.js';

describe('encodeTableForTransfer / decodeTransferredTable', () => {
  it('round-trips numeric and categorical columns, moving buffers and sharing repeated strings', () => {
    const table: Table = {
      path: '/data/a.csv',
      format: 'csv',
      rows: 5,
      columns: [
        { kind: 'numeric', name: 'x', values: new Float64Array([1, NaN, 3, Infinity, -0]) },
        { kind: 'categorical', name: 'c', values: ['red', null, 'blue', 'red', 'red'] },
      ],
    };
    const { payload, transfer } = encodeTableForTransfer(table);
    expect(transfer).toHaveLength(2);
    const encoded = payload.columns[1]!;
    expect(encoded).toMatchObject({ kind: 'categorical-codes', dictionary: ['red', 'blue'] });
    const decoded = decodeTransferredTable(structuredClone(payload));
    expect(decoded).toEqual(table);
  });
});

import type { Column } from '../stats/types.js';
import type { Table } from './table.types.js';

/** A categorical column as dictionary codes (-1 = missing): one string per distinct value. */
interface EncodedCategorical {
  readonly kind: 'categorical-codes';
  readonly name: string;
  readonly codes: Int32Array;
  readonly dictionary: string[];
}

/** A table as it crosses between threads. */
export interface TransferredTable extends Omit<Table, 'columns'> {
  readonly columns: (Column | EncodedCategorical)[];
}

/**
 * Prepares a table for `postMessage`: numeric columns go as they are, their buffers in the
 * transfer list (moved, not copied); categorical columns go as dictionary codes, so each
 * distinct value is copied once instead of once per row.
 */
export function encodeTableForTransfer(table: Table): { payload: TransferredTable; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const columns = table.columns.map((column): Column | EncodedCategorical => {
    if (column.kind === 'numeric') {
      transfer.push(column.values.buffer as ArrayBuffer);
      return column;
    }
    const index = new Map<string, number>();
    const dictionary: string[] = [];
    const codes = new Int32Array(column.values.length);
    column.values.forEach((value, i) => {
      if (value === null) {
        codes[i] = -1;
        return;
      }
      let code = index.get(value);
      if (code === undefined) {
        code = dictionary.length;
        index.set(value, code);
        dictionary.push(value);
      }
      codes[i] = code;
    });
    transfer.push(codes.buffer);
    return { kind: 'categorical-codes', name: column.name, codes, dictionary };
  });
  return { payload: { ...table, columns }, transfer };
}

/** Rebuilds the table sent by {@link encodeTableForTransfer}; equal values share one string. */
export function decodeTransferredTable(payload: TransferredTable): Table {
  const columns = payload.columns.map((column): Column => {
    if (column.kind !== 'categorical-codes') return column;
    const { codes, dictionary } = column;
    const values = new Array<string | null>(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      values[i] = code < 0 ? null : dictionary[code]!;
    }
    return { kind: 'categorical', name: column.name, values };
  });
  return { ...payload, columns };
}

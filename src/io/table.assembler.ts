import { basename } from 'node:path';
import { invalidInput } from '../core/errors.js';
import { ColumnBuilder, type NonNumericCell } from './column.builder.js';
import type { ReadTableOptions, Table, TableFormat } from './table.types.js';

const MAX_SHOWN_VALUE = 40;

/**
 * Collects the selected columns of one file into column builders and turns every problem
 * into a one-line `invalid_input` error that names the file, the column and the data row.
 */
export class TableAssembler {
  private readonly builders = new Map<string, ColumnBuilder>();
  private readonly wanted: ReadonlySet<string> | null;
  private readonly numeric: ReadonlySet<string>;
  readonly fileName: string;

  constructor(
    readonly path: string,
    readonly format: TableFormat,
    private readonly options: ReadTableOptions,
  ) {
    this.fileName = basename(path);
    this.wanted = options.columns ? new Set(options.columns) : null;
    this.numeric = new Set(options.numeric ?? []);
  }

  /**
   * Declares the file's columns (a header row or a Parquet schema). Returns, per position,
   * the builder to fill or undefined for columns not read. Fails on missing or duplicate names.
   */
  declareColumns(names: readonly string[]): (ColumnBuilder | undefined)[] {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name))
        throw invalidInput(`${this.fileName}: column '${name}' appears twice in the header`, name);
      seen.add(name);
    }
    for (const name of this.requiredColumns()) {
      if (!seen.has(name)) throw this.missingColumn(name, names);
    }
    return names.map((name) => (this.isWanted(name) ? this.builderFor(name) : undefined));
  }

  /** The builder of a column found while reading (NDJSON keys), or undefined when it is not read. */
  columnFound(name: string, rowsSoFar: number): ColumnBuilder | undefined {
    const existing = this.builders.get(name);
    if (existing) return existing;
    if (!this.isWanted(name)) return undefined;
    const builder = this.builderFor(name);
    builder.padTo(rowsSoFar);
    return builder;
  }

  /** Every builder created so far. */
  allBuilders(): IterableIterator<ColumnBuilder> {
    return this.builders.values();
  }

  /** An error about this file, at a 1-based data row or a line. */
  error(message: string, field?: string): Error {
    return invalidInput(`${this.fileName}: ${message}`, field);
  }

  /** The finished table; fails when the file has no data rows or lacks a requested column. */
  finish(rows: number): Table {
    if (rows === 0) throw this.error('the file has no data rows');
    const present = [...this.builders.keys()];
    for (const name of this.requiredColumns()) {
      if (!this.builders.has(name)) throw this.missingColumn(name, present);
    }
    const order = this.options.columns ? this.requiredColumns() : present;
    const columns = order.map((name) => {
      const builder = this.builders.get(name)!;
      builder.padTo(rows);
      return builder.finish();
    });
    return { path: this.path, format: this.format, columns, rows };
  }

  private requiredColumns(): string[] {
    return [...new Set([...(this.options.columns ?? []), ...(this.options.numeric ?? [])])];
  }

  private isWanted(name: string): boolean {
    return this.wanted === null || this.wanted.has(name) || this.numeric.has(name);
  }

  private builderFor(name: string): ColumnBuilder {
    const builder = new ColumnBuilder(name, this.numeric.has(name) ? this.nonNumeric : undefined);
    this.builders.set(name, builder);
    return builder;
  }

  private readonly nonNumeric = (column: string, cell: NonNumericCell): never => {
    const shown =
      cell.value.length > MAX_SHOWN_VALUE ? `${cell.value.slice(0, MAX_SHOWN_VALUE)}…` : cell.value;
    throw this.error(`column '${column}' must be numeric, but data row ${cell.row} has '${shown}'`, column);
  };

  private missingColumn(name: string, present: readonly string[]): Error {
    const listed = present.length > 20 ? `${present.slice(0, 20).join(', ')}, …` : present.join(', ');
    return this.error(`no column '${name}' (columns: ${listed || 'none'})`, name);
  }
}

import { basename } from 'node:path';
import { invalidInput } from '../core/errors.js';
import { join } from 'node:path';
import { ColumnBuilder, type NonNumericCell } from './column.builder.js';
import type { ColumnSketchJSON } from '../stats/sketch/index.js';
import {
  ChunkedColumnBuilder,
  ColumnFileTarget,
  ColumnSketchTarget,
  type SpilledColumn,
} from './column.spill.js';
import type { ReadTableOptions, Table, TableFormat } from './table.types.js';

const MAX_SHOWN_VALUE = 40;

/** Where a reader puts a column's cells: in memory, spilled to a file (`spillTo`) or summarised (`sketch`). */
export type ColumnSink =
  ColumnBuilder | ChunkedColumnBuilder<SpilledColumn> | ChunkedColumnBuilder<ColumnSketchJSON>;

/**
 * Collects the selected columns of one file into column builders and turns every problem
 * into a one-line `invalid_input` error that names the file, the column and the data row.
 */
export class TableAssembler {
  private readonly builders = new Map<string, ColumnSink>();
  private readonly wanted: ReadonlySet<string> | null;
  private readonly numeric: ReadonlySet<string>;
  private readonly categorical: ReadonlySet<string>;
  readonly fileName: string;

  constructor(
    readonly path: string,
    readonly format: TableFormat,
    private readonly options: ReadTableOptions,
  ) {
    this.fileName = basename(path);
    this.wanted = options.columns ? new Set(options.columns) : null;
    this.numeric = new Set(options.numeric ?? []);
    this.categorical = new Set(options.categorical ?? []);
  }

  /**
   * Declares the file's columns (a header row or a Parquet schema). Returns, per position,
   * the builder to fill or undefined for columns not read. Fails on missing or duplicate names.
   */
  declareColumns(names: readonly string[]): (ColumnSink | undefined)[] {
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
  columnFound(name: string, rowsSoFar: number): ColumnSink | undefined {
    const existing = this.builders.get(name);
    if (existing) return existing;
    if (!this.isWanted(name)) return undefined;
    const builder = this.builderFor(name);
    builder.padTo(rowsSoFar);
    return builder;
  }

  /** Every builder created so far. */
  allBuilders(): IterableIterator<ColumnSink> {
    return this.builders.values();
  }

  /** An error about this file, at a 1-based data row or a line. */
  error(message: string, field?: string): Error {
    return invalidInput(`${this.fileName}: ${message}`, field);
  }

  /**
   * The finished table; fails when the file has no data rows or lacks a requested column.
   * With `spillTo`, the table's `columns` are empty and `spilled` lists the column files.
   */
  finish(rows: number): Table {
    try {
      if (rows === 0) throw this.error('the file has no data rows');
      const present = [...this.builders.keys()];
      for (const name of this.requiredColumns()) {
        if (!this.builders.has(name)) throw this.missingColumn(name, present);
      }
      const order = this.options.columns ? this.requiredColumns() : present;
      const sinks = order.map((name) => {
        const builder = this.builders.get(name)!;
        builder.padTo(rows);
        return builder;
      });
      if (this.options.spillTo !== undefined) {
        const spilled = sinks.map((sink) => (sink as ChunkedColumnBuilder<SpilledColumn>).finish());
        return { path: this.path, format: this.format, columns: [], rows, spilled };
      }
      if (this.options.sketch !== undefined) {
        const sketches = sinks.map((sink) => (sink as ChunkedColumnBuilder<ColumnSketchJSON>).finish());
        return { path: this.path, format: this.format, columns: [], rows, sketches };
      }
      const columns = sinks.map((sink) => (sink as ColumnBuilder).finish());
      return { path: this.path, format: this.format, columns, rows };
    } finally {
      this.closeFiles();
    }
  }

  /** Closes the column files of a spilling read (after an error; {@link finish} does it too). */
  closeFiles(): void {
    for (const sink of this.builders.values()) if (sink instanceof ChunkedColumnBuilder) sink.close();
  }

  private requiredColumns(): string[] {
    return [...new Set([...(this.options.columns ?? []), ...(this.options.numeric ?? [])])];
  }

  private isWanted(name: string): boolean {
    return this.wanted === null || this.wanted.has(name) || this.numeric.has(name);
  }

  private builderFor(name: string): ColumnSink {
    const onNonNumeric = this.numeric.has(name) ? this.nonNumeric : undefined;
    const options = { text: this.categorical.has(name) && !this.numeric.has(name) };
    const { spillTo, sketch } = this.options;
    const builder =
      spillTo !== undefined
        ? new ChunkedColumnBuilder(
            name,
            new ColumnFileTarget(name, join(spillTo, `column-${this.builders.size}.bin`)),
            onNonNumeric,
            options,
          )
        : sketch !== undefined
          ? new ChunkedColumnBuilder(name, new ColumnSketchTarget(name, sketch), onNonNumeric, options)
          : new ColumnBuilder(name, onNonNumeric, options);
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

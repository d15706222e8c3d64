import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { ColumnSketch, type ColumnSketchJSON, type ColumnSketchOptions } from '../stats/sketch/index.js';
import type { Column } from '../stats/types.js';
import { ColumnBuilder, type NonNumericCell, type NonNumericHandler } from './column.builder.js';

/** Rows of one column kept in memory before they are written out. */
export const SPILL_CHUNK_ROWS = 65_536;

const HEADER_BYTES = 12;
const NUMERIC_CHUNK = 0;
const CATEGORICAL_CHUNK = 1;

/** A column written to a file of its own (a {@link ColumnFileTarget}), to be loaded later. */
export interface SpilledColumn {
  readonly name: string;
  readonly path: string;
  readonly rows: number;
  /** The column's type, decided from the whole column as the in-memory reader decides it. */
  readonly kind: 'numeric' | 'categorical';
}

/** Where a {@link ChunkedColumnBuilder} puts each finished chunk. */
export interface ChunkTarget<R> {
  /**
   * Takes a chunk of `column.values.length` rows starting at data row `firstRow` (0-based).
   * The chunk's numbers live in a buffer reused for the next chunk: a target copies what it keeps.
   */
  write(column: Column, firstRow: number): void;
  /**
   * Whether later chunks must keep the text of numeric cells not in the number's shortest form
   * (what a column that turns categorical needs to show its cells as written).
   */
  needsNumberTexts(): boolean;
  /** The result, once every chunk is written; `kind` is the whole column's type. */
  finish(rows: number, kind: 'numeric' | 'categorical', firstNonNumeric: NonNumericCell | null): R;
  /** Releases what the target holds open (after an error; `finish` does it too). */
  close(): void;
}

/**
 * Builds one column in chunks of {@link SPILL_CHUNK_ROWS} rows, each typed by a
 * {@link ColumnBuilder} and handed to a target as soon as it is full, so a file of any length
 * is read in memory bounded by the chunk size. A chunk read as numbers keeps, like the
 * in-memory builder, the text of every cell whose text is not the number's shortest form; so
 * when a later chunk turns the column categorical, each cell can still be rebuilt as written
 * and the column equals the one read in memory. Once a chunk is categorical, the next ones are
 * read as text from the start.
 */
export class ChunkedColumnBuilder<R> {
  private inner: ColumnBuilder;
  private flushed = 0;
  private text: boolean;
  private categorical: boolean;
  private nonNumeric: NonNumericCell | null = null;
  /** The cells of every chunk (one buffer while numeric, one array once text; not one per chunk). */
  private buffer: Float64Array | null = null;
  private textBuffer: (string | null)[] | null = null;

  constructor(
    readonly name: string,
    private readonly target: ChunkTarget<R>,
    private readonly onNonNumeric?: NonNumericHandler,
    options: { text?: boolean } = {},
  ) {
    this.text = options.text === true;
    this.categorical = this.text;
    this.inner = this.newChunk();
  }

  /** Number of cells appended so far. */
  get length(): number {
    return this.flushed + this.inner.length;
  }

  appendBytes(bytes: Buffer, start: number, end: number): void {
    this.room().appendBytes(bytes, start, end);
  }

  appendText(text: string): void {
    this.room().appendText(text);
  }

  appendNumber(value: number): void {
    this.room().appendNumber(value);
  }

  appendNumbers(values: ArrayLike<number>, start: number, end: number): void {
    while (start < end) {
      const inner = this.room();
      const count = Math.min(end - start, SPILL_CHUNK_ROWS - inner.length);
      inner.appendNumbers(values, start, start + count);
      start += count;
    }
  }

  appendMissing(): void {
    this.room().appendMissing();
  }

  padTo(length: number): void {
    while (this.length < length) this.appendMissing();
  }

  appendValue(value: unknown): void {
    this.room().appendValue(value);
  }

  /** Hands over the last chunk and finishes the target; the builder must not be used afterwards. */
  finish(): R {
    if (this.inner.length > 0) this.flush();
    return this.target.finish(this.flushed, this.categorical ? 'categorical' : 'numeric', this.nonNumeric);
  }

  /** Releases the target without finishing (after an error). */
  close(): void {
    this.target.close();
  }

  private room(): ColumnBuilder {
    if (this.inner.length >= SPILL_CHUNK_ROWS) this.flush();
    return this.inner;
  }

  private newChunk(): ColumnBuilder {
    const offset = this.flushed;
    const handler = this.onNonNumeric;
    // Rows in errors count from the start of the file, not of the chunk.
    const shifted: NonNumericHandler | undefined =
      handler && ((column, cell) => handler(column, { row: cell.row + offset, value: cell.value }));
    if (this.text)
      return new ColumnBuilder(this.name, shifted, { text: true, textBuffer: (this.textBuffer ??= []) });
    this.buffer ??= new Float64Array(SPILL_CHUNK_ROWS);
    return new ColumnBuilder(this.name, shifted, {
      buffer: this.buffer,
      numberTexts: this.target.needsNumberTexts(),
    });
  }

  private flush(): void {
    const first = this.inner.firstNonNumeric;
    if (first !== null && this.nonNumeric === null)
      this.nonNumeric = { row: first.row + this.flushed, value: first.value };
    const column = this.inner.finish();
    this.target.write(column, this.flushed);
    this.flushed += column.values.length;
    if (column.kind === 'categorical') {
      this.categorical = true;
      this.text = true;
      this.buffer = null;
    }
    this.inner = this.newChunk();
  }
}

/** A {@link ChunkTarget} appending every chunk to one file. */
export class ColumnFileTarget implements ChunkTarget<SpilledColumn> {
  private fd: number | null;

  constructor(
    private readonly name: string,
    private readonly path: string,
  ) {
    this.fd = openSync(path, 'w', 0o600);
  }

  write(column: Column): void {
    writeChunk(this.fd!, column);
  }

  needsNumberTexts(): boolean {
    return true;
  }

  finish(rows: number, kind: 'numeric' | 'categorical'): SpilledColumn {
    this.close();
    return { name: this.name, path: this.path, rows, kind };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Chunk layout: kind, rows, bytes of the JSON trailer (int32 each); the cells; the trailer. */
function writeChunk(fd: number, column: Column): void {
  const header = Buffer.alloc(HEADER_BYTES);
  let body: Uint8Array;
  let trailer: Buffer;
  if (column.kind === 'numeric') {
    const values = column.values;
    body = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    trailer = Buffer.from(column.texts ? JSON.stringify([...column.texts]) : '', 'utf8');
    header.writeInt32LE(NUMERIC_CHUNK, 0);
  } else {
    const index = new Map<string, number>();
    const dictionary: string[] = [];
    const codes = new Int32Array(column.values.length);
    for (let i = 0; i < codes.length; i++) {
      const value = column.values[i]!;
      if (value === null) {
        codes[i] = -1;
        continue;
      }
      let code = index.get(value);
      if (code === undefined) {
        code = dictionary.length;
        index.set(value, code);
        dictionary.push(value);
      }
      codes[i] = code;
    }
    body = new Uint8Array(codes.buffer);
    trailer = Buffer.from(JSON.stringify(dictionary), 'utf8');
    header.writeInt32LE(CATEGORICAL_CHUNK, 0);
  }
  header.writeInt32LE(column.values.length, 4);
  header.writeInt32LE(trailer.length, 8);
  writeAll(fd, header);
  writeAll(fd, body);
  if (trailer.length > 0) writeAll(fd, trailer);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

function readAll(fd: number, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const read = readSync(fd, target, done, target.length - done, position + done);
    if (read === 0) throw new Error('a spilled column file ended early');
    done += read;
  }
}

/** One chunk of a spilled column file, as written by `writeChunk`. */
type SpilledChunk =
  | { kind: 'numeric'; first: number; values: Float64Array; texts: [number, string][] }
  | { kind: 'categorical'; first: number; codes: Int32Array; dictionary: string[] };

/**
 * Reads a spilled column's chunks in order. Numeric chunks go into `numbers` when given (at
 * their rows), else into a buffer of their own; their texts are parsed only when `numberTexts`.
 */
function forEachSpilledChunk(
  spilled: SpilledColumn,
  numbers: Float64Array | null,
  numberTexts: boolean,
  visit: (chunk: SpilledChunk) => void,
): void {
  const fd = openSync(spilled.path, 'r');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    let position = 0;
    let row = 0;
    while (row < spilled.rows) {
      readAll(fd, header, position);
      position += HEADER_BYTES;
      const kind = header.readInt32LE(0);
      const rows = header.readInt32LE(4);
      const trailerBytes = header.readInt32LE(8);
      if (kind === NUMERIC_CHUNK) {
        const values = numbers ? numbers.subarray(row, row + rows) : new Float64Array(rows);
        readAll(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), position);
        position += rows * 8;
        let texts: [number, string][] = [];
        if (trailerBytes > 0 && numberTexts) {
          const trailer = Buffer.alloc(trailerBytes);
          readAll(fd, trailer, position);
          texts = JSON.parse(trailer.toString('utf8')) as [number, string][];
        }
        position += trailerBytes;
        visit({ kind: 'numeric', first: row, values, texts });
      } else {
        const codes = new Int32Array(rows);
        readAll(fd, new Uint8Array(codes.buffer), position);
        position += rows * 4;
        const trailer = Buffer.alloc(trailerBytes);
        readAll(fd, trailer, position);
        position += trailerBytes;
        const dictionary = JSON.parse(trailer.toString('utf8')) as string[];
        visit({ kind: 'categorical', first: row, codes, dictionary });
      }
      row += rows;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a spilled column back: the same column {@link ColumnBuilder} gives when the whole file
 * is read in memory (numbers, texts of non-shortest numbers, categories as written). With
 * `numberTexts: false`, a numeric column comes without its texts (enough to test it as numbers).
 */
export function loadSpilledColumn(spilled: SpilledColumn, options: { numberTexts?: boolean } = {}): Column {
  const numeric = spilled.kind === 'numeric';
  const numbers = numeric ? new Float64Array(spilled.rows) : null;
  const texts: (string | null)[] | null = numeric ? null : new Array<string | null>(spilled.rows);
  let written: Map<number, string> | null = null;
  // One string per distinct category across chunks, as the in-memory reader shares them.
  const shared = new Map<string, string>();
  forEachSpilledChunk(spilled, numbers, !numeric || options.numberTexts !== false, (chunk) => {
    const row = chunk.first;
    if (chunk.kind === 'numeric') {
      if (numbers) {
        for (const [at, text] of chunk.texts) (written ??= new Map()).set(row + at, text);
      } else {
        const byRow = new Map(chunk.texts);
        const values = chunk.values;
        for (let i = 0; i < values.length; i++) {
          const value = values[i]!;
          texts![row + i] = value === value ? (byRow.get(i) ?? String(value)) : null;
        }
      }
      return;
    }
    const dictionary = chunk.dictionary.map((value) => {
      const known = shared.get(value);
      if (known !== undefined) return known;
      shared.set(value, value);
      return value;
    });
    const codes = chunk.codes;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      texts![row + i] = code < 0 ? null : dictionary[code]!;
    }
  });
  if (numbers) {
    return written
      ? { kind: 'numeric', name: spilled.name, values: numbers, texts: written }
      : { kind: 'numeric', name: spilled.name, values: numbers };
  }
  return { kind: 'categorical', name: spilled.name, values: texts! };
}

/**
 * The cells of a categorical spilled column counted per category (missing cells left out):
 * what counting the cells of {@link loadSpilledColumn}'s column gives, without a string per row.
 */
export function countSpilledCategories(spilled: SpilledColumn): Map<string, number> {
  if (spilled.kind !== 'categorical') throw new Error(`column '${spilled.name}' is not categorical`);
  const counts = new Map<string, number>();
  const add = (value: string, count: number) => counts.set(value, (counts.get(value) ?? 0) + count);
  forEachSpilledChunk(spilled, null, true, (chunk) => {
    if (chunk.kind === 'numeric') {
      const byRow = new Map(chunk.texts);
      const values = chunk.values;
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        if (value === value) add(byRow.get(i) ?? String(value), 1);
      }
      return;
    }
    const perCode = new Float64Array(chunk.dictionary.length);
    const codes = chunk.codes;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code >= 0) perCode[code]!++;
    }
    chunk.dictionary.forEach((value, code) => {
      if (perCode[code]! > 0) add(value, perCode[code]!);
    });
  });
  return counts;
}

/** A {@link ChunkTarget} summarising the column in a {@link ColumnSketch} (one pass, bounded memory). */
export class ColumnSketchTarget implements ChunkTarget<ColumnSketchJSON> {
  private readonly sketch: ColumnSketch;

  constructor(name: string, options: ColumnSketchOptions) {
    this.sketch = new ColumnSketch(name, options);
  }

  write(column: Column): void {
    this.sketch.add(column);
  }

  needsNumberTexts(): boolean {
    return this.sketch.countsTexts;
  }

  finish(
    _rows: number,
    _kind: 'numeric' | 'categorical',
    firstNonNumeric: NonNumericCell | null,
  ): ColumnSketchJSON {
    return this.sketch.toJSON(firstNonNumeric);
  }

  close(): void {}
}

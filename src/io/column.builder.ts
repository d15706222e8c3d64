import type { Column } from '../stats/types.js';
import { CellTextCache } from './cell-text.cache.js';

/**
 * Cell texts read as "missing": pandas' default `na_values` for `read_csv` (pandas 2, which added
 * "None"). Matching is exact and case-sensitive, so "none" or "NAN" stay text, as in pandas.
 */
const MISSING_TEXT: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

/** Spellings of infinity accepted besides JavaScript's own `Infinity` / `-Infinity`. */
const INFINITY_TEXT: ReadonlyMap<string, number> = new Map([
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
]);

/** Whether a cell's text means "no value". */
export function isMissingText(text: string): boolean {
  return MISSING_TEXT.has(text) || (text.length > 0 && text.trim().length === 0);
}

/**
 * Reads a cell's text as a number: a finite or infinite number, NaN when the text means
 * "missing", undefined when it is not a number at all.
 */
export function parseNumberText(text: string): number | undefined {
  const plain = parsePlainDecimal(text);
  if (plain !== undefined) return plain;
  // Number() reads hexadecimal, octal and binary literals ("0x10" is 16); pandas keeps them as text.
  if (/^\s*[+-]?0[xXoObB]/.test(text)) return undefined;
  const value = Number(text);
  if (value === value) {
    // Number('') and Number('  ') are 0; those cells are missing, not zero.
    if (value === 0 && text.trim().length === 0) return NaN;
    return value;
  }
  if (MISSING_TEXT.has(text)) return NaN;
  return INFINITY_TEXT.get(text.trim().toLowerCase());
}

/** 10^0 … 10^22: every one is exact in float64. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Fast path for the common cell `-?digits(.digits)?` with at most 15 significant digits:
 * the digits form an exact integer below 2^53 and 10^k is exact, so one division gives the
 * correctly rounded value, the same double `Number(text)` returns. Undefined otherwise.
 */
function parsePlainDecimal(text: string): number | undefined {
  const length = text.length;
  if (length === 0 || length > 17) return undefined;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 /* - */) {
    negative = true;
    i = 1;
    if (length === 1) return undefined;
  }
  let digits = 0;
  let scale = -1;
  let mantissa = 0;
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (code === 46 /* . */ && scale < 0) {
      scale = 0;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || digits > 15) return undefined;
  const value = scale > 0 ? mantissa / POWERS_OF_TEN[scale]! : mantissa;
  return negative ? -value : value;
}

/**
 * {@link parsePlainDecimal} on the UTF-8 bytes `bytes[start, end)`, so that a CSV reader can
 * read the common numeric cell without making a string of it. Undefined when the bytes are
 * not such a plain decimal (the caller then decodes them and uses {@link parseNumberText}).
 */
export function parsePlainDecimalBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
  const length = end - start;
  if (length === 0 || length > 17) return undefined;
  let i = start;
  let negative = false;
  if (bytes[i] === 45 /* - */) {
    negative = true;
    i++;
    if (length === 1) return undefined;
  }
  let digits = 0;
  let scale = -1;
  let mantissa = 0;
  for (; i < end; i++) {
    const code = bytes[i]!;
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (code === 46 /* . */ && scale < 0) {
      scale = 0;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || digits > 15) return undefined;
  const value = scale > 0 ? mantissa / POWERS_OF_TEN[scale]! : mantissa;
  return negative ? -value : value;
}

/**
 * Whether a plain decimal (as {@link parsePlainDecimalBytes} accepts it, read as `value`) is
 * already the number's shortest text, the one `String(value)` prints: no leading zeros ("007"),
 * no trailing fraction zeros or point ("1.50", "1."), no bare point (".5"), no "-0", and not
 * so small that JavaScript prints it with an exponent.
 */
function plainDecimalIsShortest(bytes: Uint8Array, start: number, end: number, value: number): boolean {
  let i = start;
  if (bytes[i] === 45 /* - */) {
    if (value === 0) return false;
    i++;
  }
  if (bytes[i] === 46 /* . */) return false;
  if (bytes[i] === 48 /* 0 */ && i + 1 < end && bytes[i + 1] !== 46) return false;
  const last = bytes[end - 1];
  if (last === 48 /* 0 */ || last === 46 /* . */) {
    for (let j = i; j < end; j++) if (bytes[j] === 46) return false;
  }
  return value === 0 || Math.abs(value) >= 1e-6;
}

/** The first cell that kept a column from being numeric. */
export interface NonNumericCell {
  /** 1-based data row (the header is not counted). */
  readonly row: number;
  readonly value: string;
}

/**
 * The first cell of a categorical column's values that is neither missing nor a number (as
 * {@link parseNumberText} reads it): the cell that kept the column from being numeric.
 */
export function findNonNumericCell(values: readonly (string | null)[]): NonNumericCell | undefined {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== null && value !== undefined && parseNumberText(value) === undefined)
      return { row: i + 1, value };
  }
  return undefined;
}

/** Called with the first non-numeric cell of a column that must be numeric; it throws. */
export type NonNumericHandler = (column: string, cell: NonNumericCell) => never;

const INITIAL_CAPACITY = 1024;

/**
 * Accumulates one column's cells and decides its type from the whole column: numeric while
 * every non-missing value parses as a number (kept in a growing Float64Array, NaN = missing),
 * categorical from the first value that does not (or the first boolean), or from the start
 * when the caller says the column is text (a schema). Cells read as numbers whose text is not
 * the number's shortest form ("007", "1.50") keep their text on the side, so a column that
 * turns categorical later holds every cell as written, whatever the order of its values.
 */
export class ColumnBuilder {
  private numbers: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private texts: (string | null)[] | null = null;
  private size = 0;
  private nonNumeric: NonNumericCell | null = null;
  /** Categorical cells read from bytes: their stored value (null = missing) by bytes. */
  private textCache: CellTextCache<string | null> | null = null;
  /** Row → text of the numeric cells whose text differs from the number's shortest form. */
  private written: Map<number, string> | null = null;
  private readonly numberTexts: boolean;

  /**
   * @param options.text the column is text from the start (a schema says so)
   * @param options.buffer where to put the numbers while they fit (its length is the starting
   *   capacity), and `options.textBuffer` the cells of a text column (overwritten from index 0):
   *   a caller that builds many short columns one after the other reuses them and must be done
   *   with each finished column before the next one is built
   * @param options.numberTexts keep the text of numeric cells not written in the number's
   *   shortest form (default true); without it, a column that turns categorical holds such
   *   cells in the shortest form
   */
  constructor(
    readonly name: string,
    private readonly onNonNumeric?: NonNumericHandler,
    options: {
      text?: boolean;
      buffer?: Float64Array;
      textBuffer?: (string | null)[];
      numberTexts?: boolean;
    } = {},
  ) {
    this.numberTexts = options.numberTexts !== false;
    if (options.text === true) {
      this.texts = options.textBuffer ?? [];
      this.numbers = new Float64Array(0);
    } else if (options.buffer !== undefined) {
      this.numbers = options.buffer;
    }
  }

  /** Number of cells appended so far. */
  get length(): number {
    return this.size;
  }

  /** The first cell that made the column categorical, if any. */
  get firstNonNumeric(): NonNumericCell | null {
    return this.nonNumeric;
  }

  /** Appends a cell given as text (CSV, or a JSON string). */
  appendText(text: string): void {
    if (this.texts !== null) {
      this.texts[this.size++] = isMissingText(text) ? null : text;
      return;
    }
    const value = parseNumberText(text);
    if (value === undefined) {
      this.becomeCategorical(text);
      this.texts![this.size++] = text;
      return;
    }
    if (this.numberTexts && value === value && formatNumber(value) !== text)
      (this.written ??= new Map()).set(this.size, text);
    this.pushNumber(value);
  }

  /**
   * Appends a cell given as UTF-8 bytes (an unquoted CSV field): plain decimals and empty
   * cells are read from the bytes, anything else is decoded and read as {@link appendText}.
   */
  appendBytes(bytes: Buffer, start: number, end: number): void {
    if (this.texts === null) {
      if (start === end) {
        this.pushNumber(NaN);
        return;
      }
      const value = parsePlainDecimalBytes(bytes, start, end);
      if (value !== undefined) {
        if (this.numberTexts && !plainDecimalIsShortest(bytes, start, end, value))
          (this.written ??= new Map()).set(this.size, bytes.toString('utf8', start, end));
        this.pushNumber(value);
        return;
      }
    } else {
      let value = start === end ? null : (this.textCache ??= new CellTextCache()).get(bytes, start, end);
      if (value === undefined) {
        const text = bytes.toString('utf8', start, end);
        value = isMissingText(text) ? null : text;
        this.textCache!.set(bytes, start, end, value);
      }
      this.texts[this.size++] = value;
      return;
    }
    this.appendText(bytes.toString('utf8', start, end));
  }

  /** Appends a number (NaN = missing). */
  appendNumber(value: number): void {
    if (this.texts !== null) {
      this.texts[this.size++] = value === value ? formatNumber(value) : null;
      return;
    }
    this.pushNumber(value);
  }

  /** Appends `end - start` numbers from a typed array or array of numbers. */
  appendNumbers(values: ArrayLike<number>, start: number, end: number): void {
    if (this.texts !== null) {
      for (let i = start; i < end; i++) this.appendNumber(values[i]!);
      return;
    }
    this.reserve(end - start);
    const numbers = this.numbers;
    let size = this.size;
    for (let i = start; i < end; i++) numbers[size++] = values[i]!;
    this.size = size;
  }

  /** Appends a missing cell. */
  appendMissing(): void {
    if (this.texts === null) {
      this.pushNumber(NaN);
      return;
    }
    this.texts[this.size++] = null;
  }

  /** Appends missing cells until the column has `length` cells. */
  padTo(length: number): void {
    while (this.size < length) this.appendMissing();
  }

  /** Appends any decoded value: JSON values, Parquet values (bigint, Date, boolean, objects). */
  appendValue(value: unknown): void {
    switch (typeof value) {
      case 'number':
        this.appendNumber(value);
        return;
      case 'string':
        this.appendText(value);
        return;
      case 'bigint':
        this.appendNumber(Number(value));
        return;
      case 'boolean': {
        const text = value ? 'true' : 'false';
        if (this.texts === null) this.becomeCategorical(text);
        this.texts![this.size++] = text;
        return;
      }
      case 'undefined':
        this.appendMissing();
        return;
      default:
        if (value === null) this.appendMissing();
        else if (value instanceof Date) this.appendText(value.toISOString());
        else
          this.appendText(
            JSON.stringify(value, (_key, inner: unknown) =>
              typeof inner === 'bigint' ? Number(inner) : inner,
            ),
          );
    }
  }

  /** The finished column; the builder must not be used afterwards. */
  finish(): Column {
    if (this.texts !== null) {
      // A reused array may be longer than this column.
      if (this.texts.length > this.size) this.texts.length = this.size;
      return { kind: 'categorical', name: this.name, values: this.texts };
    }
    const values = this.numbers.length === this.size ? this.numbers : this.numbers.slice(0, this.size);
    if (this.written !== null) return { kind: 'numeric', name: this.name, values, texts: this.written };
    return { kind: 'numeric', name: this.name, values };
  }

  private pushNumber(value: number): void {
    if (this.size === this.numbers.length) this.reserve(1);
    this.numbers[this.size++] = value;
  }

  private reserve(extra: number): void {
    const needed = this.size + extra;
    if (needed <= this.numbers.length) return;
    let capacity = this.numbers.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Float64Array(capacity);
    grown.set(this.numbers.subarray(0, this.size));
    this.numbers = grown;
  }

  private becomeCategorical(text: string): void {
    const cell = { row: this.size + 1, value: text };
    this.nonNumeric = cell;
    if (this.onNonNumeric) this.onNonNumeric(this.name, cell);
    const texts = new Array<string | null>(this.size);
    const written = this.written;
    for (let i = 0; i < this.size; i++) {
      const value = this.numbers[i]!;
      texts[i] = value === value ? (written?.get(i) ?? formatNumber(value)) : null;
    }
    this.texts = texts;
    this.written = null;
    this.numbers = new Float64Array(0);
  }
}

function formatNumber(value: number): string {
  return String(value);
}

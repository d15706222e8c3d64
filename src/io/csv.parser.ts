/**
 * A streaming, byte-level CSV parser (RFC 4180): fields separated by a one-byte delimiter,
 * records ended by LF, CRLF or a lone CR, fields optionally enclosed in double quotes with
 * `""` for a quote inside them (quoted fields may hold delimiters and line breaks). A UTF-8
 * byte-order mark at the start is skipped, and so are empty lines. Fields are handed over as
 * byte ranges, so a reader can parse numbers without first making a string of every cell.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** How a field was written (the values of {@link CsvRecord.kinds}). */
export const CsvFieldKind = {
  /** Not quoted: the range is the field's bytes. */
  Plain: 0,
  /** Quoted, with no `""` inside: the range is the bytes between the quotes. */
  Quoted: 1,
  /** Quoted, with `""` inside: the range is between the quotes and each `""` means one quote. */
  QuotedWithEscapes: 2,
} as const;

/** One record as byte ranges into `bytes`; valid only while the record callback runs. */
export interface CsvRecord {
  readonly bytes: Buffer;
  /** Number of fields. */
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly kinds: Uint8Array;
  /** 1-based line of the file on which the record starts. */
  readonly line: number;
}

/** Malformed CSV: the 1-based line and field where it was found, and what is wrong. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly field: number,
    readonly reason: string,
  ) {
    super(`line ${line}, field ${field}: ${reason}`);
    this.name = 'CsvSyntaxError';
  }
}

/** The text of field `index` of a record (UTF-8, with `""` turned into `"`). */
export function csvFieldText(record: CsvRecord, index: number): string {
  const text = record.bytes.toString('utf8', record.starts[index], record.ends[index]);
  return record.kinds[index] === CsvFieldKind.QuotedWithEscapes ? text.replaceAll('""', '"') : text;
}

/** Every field of a record as text. */
export function csvRecordTexts(record: CsvRecord): string[] {
  return Array.from({ length: record.count }, (_, i) => csvFieldText(record, i));
}

const INITIAL_FIELDS = 64;

/**
 * Feeds chunks of a CSV file in with {@link push} and calls `onRecord` for every complete
 * record; {@link end} finishes the last one. A record cut by a chunk boundary is kept and
 * parsed again once more bytes arrive (for a record longer than a chunk, once the bytes
 * waiting have doubled, so a huge record costs linear time). Throws {@link CsvSyntaxError}
 * on a quote inside an unquoted field, a character after a closing quote, or a quoted field
 * never closed; whatever `onRecord` throws passes through.
 */
export class CsvParser {
  /**
   * The start of an unfinished record, then the chunks that arrived after it, copied one after
   * the other into one buffer reused for the whole file (it grows only for a record longer
   * than a chunk), so reading a file allocates no memory per chunk.
   */
  private carry: Buffer = Buffer.allocUnsafeSlow(0);
  private carryBytes = 0;
  /** Bytes of the unfinished record when it was last parsed. */
  private unfinishedBytes = 0;
  private line = 1;
  private atFileStart = true;
  private starts = new Int32Array(INITIAL_FIELDS);
  private ends = new Int32Array(INITIAL_FIELDS);
  private kinds = new Uint8Array(INITIAL_FIELDS);
  private readonly delimiter: number;

  constructor(
    private readonly onRecord: (record: CsvRecord) => void,
    delimiter = ',',
  ) {
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f || /["\r\n]/.test(delimiter))
      throw new Error(`the CSV delimiter must be one ASCII character other than a quote or line break`);
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Parses the records completed by this chunk (the caller may reuse the chunk's memory afterwards). */
  push(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.carryBytes === 0) {
      this.keep(bytes, this.parse(bytes, false), false);
      return;
    }
    this.append(bytes);
    // The unfinished record is much longer than a chunk: gather more before parsing it again.
    if (this.carryBytes < 2 * this.unfinishedBytes) return;
    const data = this.carry.subarray(0, this.carryBytes);
    this.keep(data, this.parse(data, false), true);
  }

  /** Parses what is left as the file's last record. */
  end(): void {
    const data = this.carry.subarray(0, this.carryBytes);
    this.carryBytes = 0;
    this.unfinishedBytes = 0;
    this.parse(data, true);
  }

  /** Keeps `data[consumed…]` (an unfinished record) at the start of the carry buffer. */
  private keep(data: Buffer, consumed: number, inCarry: boolean): void {
    const rest = data.length - consumed;
    if (inCarry) this.carry.copyWithin(0, consumed, data.length);
    else {
      this.reserve(rest);
      data.copy(this.carry, 0, consumed);
    }
    this.carryBytes = rest;
    this.unfinishedBytes = rest;
  }

  private append(bytes: Buffer): void {
    this.reserve(this.carryBytes + bytes.length);
    bytes.copy(this.carry, this.carryBytes);
    this.carryBytes += bytes.length;
  }

  private reserve(bytes: number): void {
    if (bytes <= this.carry.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * this.carry.length, 4096));
    this.carry.copy(grown, 0, 0, this.carryBytes);
    this.carry = grown;
  }

  /** Parses whole records from `data`; returns the offset of the first byte not consumed. */
  private parse(data: Buffer, final: boolean): number {
    const n = data.length;
    const delimiter = this.delimiter;
    let pos = 0;
    if (this.atFileStart) {
      // Wait until three bytes (or the end) show whether the file starts with a BOM.
      if (n < 3 && !final && (n === 0 || data[0] === 0xef)) return 0;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) pos = 3;
      this.atFileStart = false;
    }
    let line = this.line;
    while (pos < n) {
      const recordStart = pos;
      const recordLine = line;
      let byte = data[pos]!;
      if (byte === LF || byte === CR) {
        // An empty line: skipped.
        if (byte === CR && pos + 1 === n && !final) break;
        pos += byte === CR && data[pos + 1] === LF ? 2 : 1;
        line++;
        this.line = line;
        continue;
      }
      let count = 0;
      let complete = false;
      for (;;) {
        if (count === this.starts.length) this.growFields();
        let start: number;
        let end: number;
        let kind: number = CsvFieldKind.Plain;
        if (pos < n && data[pos] === QUOTE) {
          kind = CsvFieldKind.Quoted;
          start = pos + 1;
          pos = start;
          for (;;) {
            if (pos >= n) {
              end = -1;
              break;
            }
            byte = data[pos]!;
            if (byte === QUOTE) {
              if (pos + 1 < n && data[pos + 1] === QUOTE) {
                kind = CsvFieldKind.QuotedWithEscapes;
                pos += 2;
                continue;
              }
              if (pos + 1 === n && !final) {
                end = -1;
                break;
              }
              end = pos;
              pos++;
              break;
            }
            if (byte === LF || (byte === CR && data[pos + 1] !== LF)) line++;
            pos++;
          }
          if (end < 0) {
            if (!final) break;
            throw new CsvSyntaxError(
              recordLine,
              count + 1,
              'a quoted field is not closed before the end of the file',
            );
          }
          if (pos < n) {
            byte = data[pos]!;
            if (byte !== delimiter && byte !== LF && byte !== CR)
              throw new CsvSyntaxError(line, count + 1, `unexpected character after a closing quote`);
          }
        } else {
          start = pos;
          while (pos < n) {
            byte = data[pos]!;
            if (byte === delimiter || byte === LF || byte === CR) break;
            if (byte === QUOTE)
              throw new CsvSyntaxError(
                line,
                count + 1,
                'a quote inside an unquoted field (quote the whole field)',
              );
            pos++;
          }
          end = pos;
        }
        this.starts[count] = start;
        this.ends[count] = end;
        this.kinds[count] = kind;
        count++;
        if (pos >= n) {
          complete = final;
          break;
        }
        byte = data[pos]!;
        if (byte === delimiter) {
          pos++;
          continue;
        }
        // A line break ends the record; a CR as the chunk's last byte may be half of a CRLF.
        if (byte === CR) {
          if (pos + 1 === n && !final) break;
          pos += data[pos + 1] === LF ? 2 : 1;
        } else {
          pos++;
        }
        line++;
        complete = true;
        break;
      }
      if (!complete) {
        this.line = recordLine;
        return recordStart;
      }
      this.onRecord({
        bytes: data,
        count,
        starts: this.starts,
        ends: this.ends,
        kinds: this.kinds,
        line: recordLine,
      });
      this.line = line;
    }
    this.line = line;
    return pos;
  }

  private growFields(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const kinds = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    kinds.set(this.kinds);
    this.starts = starts;
    this.ends = ends;
    this.kinds = kinds;
  }
}

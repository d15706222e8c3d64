import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError, csvRecordTexts } from './csv.parser.js';

/** Parses `text` fed in chunks of `chunkBytes` bytes; returns each record's texts and start line. */
function parse(text: string | Buffer, chunkBytes = Infinity, delimiter = ','): [string[], number][] {
  const records: [string[], number][] = [];
  const parser = new CsvParser((record) => records.push([csvRecordTexts(record), record.line]), delimiter);
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let at = 0; at < bytes.length; at += Math.min(chunkBytes, bytes.length)) {
    // A fresh copy per chunk, as a file stream gives.
    parser.push(Buffer.from(bytes.subarray(at, Math.min(bytes.length, at + chunkBytes))));
  }
  parser.end();
  return records;
}

function syntaxError(text: string, chunkBytes = Infinity): CsvSyntaxError {
  try {
    parse(text, chunkBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvSyntaxError);
    return error as CsvSyntaxError;
  }
  throw new Error('expected a CsvSyntaxError');
}

const TRICKY =
  '\ufeffid,name,note\r\n' +
  '1,"Smith, Jane","said ""hi"""\r\n' +
  '2,,"two\r\nlines"\r\n' +
  '\r\n' +
  '3,"",plain\n' +
  '4,Åsa ✓,"a,b,""c"""';

const TRICKY_RECORDS: [string[], number][] = [
  [['id', 'name', 'note'], 1],
  [['1', 'Smith, Jane', 'said "hi"'], 2],
  [['2', '', 'two\r\nlines'], 3],
  [['3', '', 'plain'], 6],
  [['4', 'Åsa ✓', 'a,b,"c"'], 7],
];

describe('CsvParser', () => {
  it('reads quotes, doubled quotes, embedded delimiters and line breaks, CRLF, a BOM and empty lines', () => {
    expect(parse(TRICKY)).toEqual(TRICKY_RECORDS);
  });

  it.each([1, 2, 3, 5, 7, 16])('gives the same records when the bytes come in chunks of %i', (size) => {
    expect(parse(TRICKY, size)).toEqual(TRICKY_RECORDS);
  });

  it('ends records at LF, CRLF or a lone CR, with or without a final line break', () => {
    expect(parse('a,b\n1,2\r\n3,4\r5,6')).toEqual([
      [['a', 'b'], 1],
      [['1', '2'], 2],
      [['3', '4'], 3],
      [['5', '6'], 4],
    ]);
    expect(parse('a\n1\n\n\n')).toEqual([
      [['a'], 1],
      [['1'], 2],
    ]);
  });

  it('keeps empty fields, leading and trailing ones included, and spaces as written', () => {
    expect(parse(',x,\n a , b \n')).toEqual([
      [['', 'x', ''], 1],
      [[' a ', ' b '], 2],
    ]);
  });

  it('uses the given delimiter, so commas are data in TSV', () => {
    expect(parse('a\tb\n1,5\t"x\ty"\n', Infinity, '\t')).toEqual([
      [['a', 'b'], 1],
      [['1,5', 'x\ty'], 2],
    ]);
  });

  it('keeps a multi-byte character whole when a chunk boundary splits it', () => {
    // 'é' is two bytes in UTF-8: with 1-byte chunks every character is split.
    expect(parse('é,ü\n€,x\n', 1)).toEqual([
      [['é', 'ü'], 1],
      [['€', 'x'], 2],
    ]);
  });

  it('reads a file that is only a BOM, or only line breaks, as no records', () => {
    expect(parse(Buffer.from([0xef, 0xbb, 0xbf]))).toEqual([]);
    expect(parse('\n\r\n\r')).toEqual([]);
  });

  it('skips a BOM that arrives after an empty chunk', () => {
    const records: string[][] = [];
    const parser = new CsvParser((record) => records.push(csvRecordTexts(record)));
    parser.push(Buffer.alloc(0));
    parser.push(Buffer.from('\ufeffa,b\n1,2\n', 'utf8'));
    parser.end();
    expect(records).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('names the line and field of a quote inside an unquoted field', () => {
    const error = syntaxError('a,b\n1,x"y"\n');
    expect([error.line, error.field]).toEqual([2, 2]);
    expect(error.message).toBe('line 2, field 2: a quote inside an unquoted field (quote the whole field)');
  });

  it('names the line and field of a character after a closing quote', () => {
    const error = syntaxError('a,b,c\n1,2,3\n4,"x"y,6\n', 4);
    expect([error.line, error.field, error.reason]).toEqual([
      3,
      2,
      'unexpected character after a closing quote',
    ]);
  });

  it('names the line where a quoted field that is never closed starts', () => {
    const error = syntaxError('a,b\n1,2\n3,"open\nmore\n', 3);
    expect([error.line, error.field]).toEqual([3, 2]);
    expect(error.reason).toBe('a quoted field is not closed before the end of the file');
  });

  it('counts lines inside quoted fields for the lines of later errors', () => {
    const error = syntaxError('a,b\n"1\n2\r\n3",x\n4,"y"z\n');
    expect([error.line, error.field]).toEqual([5, 2]);
  });

  it('refuses a delimiter that is a quote, a line break or more than one character', () => {
    for (const delimiter of ['"', '\n', ';;', ''])
      expect(() => new CsvParser(() => undefined, delimiter)).toThrow(/delimiter/);
  });
});

describe('CsvParser on generated tables', () => {
  /** RFC 4180 writing, independent of the parser: quote a field when it needs it (or at random). */
  function writeCsv(rows: string[][], lineBreak: string, quoteAll: boolean): string {
    const field = (text: string) =>
      quoteAll || /[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
    return rows.map((row) => row.map(field).join(',')).join(lineBreak) + lineBreak;
  }

  it('reads back any table written as CSV, whatever the chunk size and line breaks', () => {
    const cell = fc.string({
      unit: fc.constantFrom('a', 'é', ' ', ',', '"', '\n', '\r', '1', '.', '-'),
      maxLength: 8,
    });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 4 })
          .chain((width) =>
            fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 12 }),
          ),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 40 }),
        (rows, lineBreak, quoteAll, chunk) => {
          // Quoting every field keeps a one-column row holding '' from being an empty line.
          const text = writeCsv(rows, lineBreak, quoteAll || rows[0]!.length === 1);
          expect(parse(text, chunk).map(([fields]) => fields)).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same records, or the same error, however any bytes are cut into chunks', () => {
    /** Records with their lines, then the error if one was thrown. */
    const outcome = (bytes: Buffer, cuts: readonly number[]): string[] => {
      const out: string[] = [];
      const parser = new CsvParser((record) =>
        out.push(`${record.line}: ${JSON.stringify(csvRecordTexts(record))}`),
      );
      try {
        let at = 0;
        for (const cut of [...cuts, bytes.length]) {
          const to = Math.min(bytes.length, Math.max(at, cut));
          parser.push(Buffer.from(bytes.subarray(at, to)));
          at = to;
        }
        parser.end();
      } catch (error) {
        out.push(String(error));
      }
      return out;
    };
    // Pieces that matter at a boundary: a BOM, CR/LF, quotes, multi-byte characters.
    const piece = fc.constantFrom('a', '1', ',', '"', '""', '\n', '\r', '\r\n', '\ufeff', 'é', '€', ' ');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.nat(60), { maxLength: 10 }),
        (pieces, cuts) => {
          const bytes = Buffer.from(pieces.join(''), 'utf8');
          expect(
            outcome(
              bytes,
              cuts.sort((x, y) => x - y),
            ),
          ).toEqual(outcome(bytes, []));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('gives the same records when the caller reads every chunk into one buffer and overwrites it', () => {
    const text = Buffer.from(`${TRICKY}\n"${'y'.repeat(5000)}",2,3\n5,"six",7`, 'utf8');
    const expected = parse(text);
    for (const chunkBytes of [1, 2, 3, 7, 64, 4096]) {
      const records: [string[], number][] = [];
      const parser = new CsvParser((record) => records.push([csvRecordTexts(record), record.line]));
      const buffer = Buffer.alloc(chunkBytes);
      for (let at = 0; at < text.length; at += chunkBytes) {
        const n = text.copy(buffer, 0, at, Math.min(text.length, at + chunkBytes));
        parser.push(buffer.subarray(0, n));
        // What a reader does next with its buffer: fill it with the following bytes.
        buffer.fill(0x3f);
      }
      parser.end();
      expect(records).toEqual(expected);
    }
    expect(expected.length).toBe(TRICKY_RECORDS.length + 2);
  });

  it('reads a record far longer than the chunks and keeps counting lines after it', () => {
    const long = 'x'.repeat(3_000_000);
    const records = parse(`a,b\n"${long}\n",1\n2,3\n`, 4096);
    expect(records.map(([fields, line]) => [fields[0]!.length, fields[1], line])).toEqual([
      [1, 'b', 1],
      [3_000_001, '1', 2],
      [1, '3', 4],
    ]);
  });
});

import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord } from '../cli/output.js';
import { invalidInput, WardenError } from '../core/errors.js';
import { detectTableFormat, readTableBatches } from '../io/index.js';
import type { Column } from '../stats/types.js';
import { IngestProgress } from './ingest-progress.js';

const INGEST_KINDS = ['inferences', 'labels', 'feedback', 'reference'] as const;
export type IngestKind = (typeof INGEST_KINDS)[number];

type Json = Record<string, unknown>;

const TOP_LEVEL: Record<IngestKind, ReadonlySet<string>> = {
  inferences: new Set([
    'id',
    'timestamp',
    'prediction',
    'score',
    'latencyMs',
    'error',
    'cost',
    'tokensIn',
    'tokensOut',
  ]),
  labels: new Set(['id', 'label']),
  feedback: new Set(['id', 'rating', 'report']),
  reference: new Set(['prediction', 'score', 'label']),
};

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const NUMERIC_FIELDS: ReadonlySet<string> = new Set(['score', 'latencyMs', 'cost', 'tokensIn', 'tokensOut']);

/**
 * A text cell that reads as a finite number, as that number. A column is typed over the whole
 * file, so one bad cell turns a numeric column into text; sending its good cells as numbers keeps
 * the server's refusal on the bad row instead of the column's first one.
 */
function asNumber(value: number | string | null): number | string | null {
  if (typeof value !== 'string' || !DECIMAL.test(value.trim())) return value;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : value;
}

function cell(column: Column, row: number): number | string | null {
  if (column.kind === 'numeric') {
    const v = column.values[row]!;
    return Number.isNaN(v) ? null : v;
  }
  return column.values[row] ?? null;
}

/** A cell as the file wrote it: an id "007" stays "007". */
function cellText(column: Column, row: number): string | null {
  if (column.kind === 'categorical') return column.values[row] ?? null;
  const value = column.values[row]!;
  return Number.isNaN(value) ? null : (column.texts?.get(row) ?? String(value));
}

/** Which columns of a file hold a record's id and time, when they are not named `id` and `timestamp`. */
export interface RecordColumns {
  idColumn?: string;
  timestampColumn?: string;
}

/**
 * Turns one row of a flat table into an API record. Columns named like the record's fields
 * (`id`, `timestamp`, `prediction`, `score`, `latencyMs`, `error`, `cost`, `tokensIn`, `tokensOut`,
 * `label`, `rating`, `report`)
 * map to them; `segment.<name>` and `signal.<name>` columns to segment attributes and safety
 * signals; every other column is a feature (for inferences and reference records). Cells of
 * `score`, `latencyMs`, `cost`, the token counts and of the `numericFeatures` (declared `number` or `integer` by the
 * version's input schema) that read as numbers are sent as numbers even in a text column.
 */
export function rowToRecord(
  kind: IngestKind,
  columns: readonly Column[],
  row: number,
  numericFeatures: ReadonlySet<string> = new Set(),
  named: RecordColumns = {},
): Json {
  const record: Json = {};
  const features: Json = {};
  const segment: Json = {};
  const signals: Json = {};
  for (const column of columns) {
    // A reference keeps its id and time columns as features: the server leaves them out by name.
    const name =
      kind === 'reference'
        ? column.name
        : column.name === named.idColumn
          ? 'id'
          : column.name === named.timestampColumn
            ? 'timestamp'
            : column.name;
    if (name === 'id' && TOP_LEVEL[kind].has('id')) {
      const id = cellText(column, row);
      if (id !== null) record.id = id;
      continue;
    }
    const raw = cell(column, row);
    const value = NUMERIC_FIELDS.has(name) || numericFeatures.has(name) ? asNumber(raw) : raw;
    if (TOP_LEVEL[kind].has(name)) {
      if (value === null) continue;
      if (name === 'error')
        record.error = value === 1 || value === 'true' || value === 'TRUE' || value === '1';
      else record[name] = value;
    } else if (name.startsWith('segment.')) {
      if (value !== null) segment[name.slice('segment.'.length)] = value;
    } else if (name.startsWith('signal.')) {
      if (value !== null)
        signals[name.slice('signal.'.length)] =
          value === 'true' || value === 1 ? true : value === 'false' || value === 0 ? false : String(value);
    } else if (kind === 'inferences' || kind === 'reference') {
      features[name] = value;
    }
  }
  if (kind === 'inferences' || kind === 'reference') record.features = features;
  if (Object.keys(segment).length > 0) record.segment = segment;
  if (Object.keys(signals).length > 0 && kind === 'inferences') record.signals = signals;
  return record;
}

/** A batch of NDJSON lines and where the file stands after it. */
interface FileBatch {
  lines: string[];
  /** The 1-based file line on which each record starts (CSV, TSV, NDJSON). */
  fileLines?: readonly number[];
  /** NDJSON: bytes of the file up to the end of the batch's last line. */
  bytes?: number;
  /** A table: its row count. */
  totalRecords?: number;
}

/**
 * The lines of an NDJSON file in batches of `size`, streamed: the file is read in chunks as the
 * batches are taken, so memory holds one chunk and one batch whatever the file's size. Each batch
 * carries the bytes read up to its end (for the progress estimate).
 */
async function* ndjsonBatches(file: string, size: number): AsyncGenerator<FileBatch> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let bytes = 0;
  let line = 0;
  let batch: string[] = [];
  let fileLines: number[] = [];
  const take = (text: string) => {
    bytes += Buffer.byteLength(text) + 1;
    line++;
    const record = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (record.trim() === '') return;
    batch.push(record);
    fileLines.push(line);
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 })) {
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      take(text.slice(start, end));
      start = end + 1;
      if (batch.length >= size) {
        yield { lines: batch, fileLines, bytes };
        batch = [];
        fileLines = [];
      }
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') {
    take(rest);
    bytes -= 1;
  }
  if (batch.length > 0) yield { lines: batch, fileLines, bytes };
}

/**
 * The records of a file as NDJSON lines, in batches, streamed: one batch of records and one chunk
 * of the file (a row group for Parquet) in memory at a time. NDJSON files are sent as they are
 * (one API record per line); CSV, TSV and Parquet rows are mapped with {@link rowToRecord}, their
 * cells typed over the whole column as `readTable` types them.
 */
async function* batchesOf(
  file: string,
  kind: IngestKind,
  size: number,
  schemaFields: () => Promise<SchemaFields>,
  named: RecordColumns,
): AsyncGenerator<FileBatch> {
  const format = detectTableFormat(file);
  if (format === 'ndjson') {
    yield* ndjsonBatches(file, size);
    return;
  }
  const fields = await schemaFields();
  // A column the schema types as text is read as text: "007" is not the number 7.
  for await (const batch of readTableBatches(file, { size, categorical: [...fields.text] })) {
    const lines: string[] = [];
    for (let r = batch.first; r < batch.first + batch.rows; r++)
      lines.push(JSON.stringify(rowToRecord(kind, batch.columns, r, fields.numeric, named)));
    yield {
      lines,
      totalRecords: batch.totalRows,
      ...(batch.lines !== undefined ? { fileLines: batch.lines } : {}),
    };
  }
}

/** The features the version's input schema types as numbers, and those it types as text. */
interface SchemaFields {
  numeric: ReadonlySet<string>;
  text: ReadonlySet<string>;
}

async function schemaFieldsOf(client: ApiClient, model: string, version: string): Promise<SchemaFields> {
  const answer = await client.request<{ inputSchema?: Array<{ name: string; type: string }> }>(
    'GET',
    `/api/v1/models/${seg(model)}/versions/${seg(version)}`,
  );
  const fields = answer.inputSchema ?? [];
  const named = (types: string[]) => new Set(fields.filter((f) => types.includes(f.type)).map((f) => f.name));
  return { numeric: named(['number', 'integer']), text: named(['string', 'category']) };
}

interface BatchAnswer {
  records: number;
  accepted: number;
  duplicates: number;
  joined?: number;
  pending?: number;
  excluded?: string[];
  warnings?: { field: string; message: string }[];
  /** With `?partial=true`: the records refused, by their index in the batch. */
  refused?: Array<{ index: number; id: string | null; field: string; reason: string }>;
}

/** A record the server refused in partial mode: its place in the file (1-based), id, field and reason. */
interface RefusedRow {
  record: number;
  id: string | null;
  field: string;
  reason: string;
}

/** Sends one batch; a server that cannot be reached or answers 503 is retried with backoff. */
async function sendBatch(client: ApiClient, path: string, lines: string[]): Promise<BatchAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await client.raw('POST', path, {
        body: lines.join('\n'),
        headers: { 'content-type': 'application/x-ndjson' },
      });
      return (await response.json()) as BatchAnswer;
    } catch (error) {
      const retriable = error instanceof WardenError && error.code === 'unavailable';
      if (!retriable || attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

export function registerIngestCommands(program: Command): void {
  withClientOptions(program.command('ingest <model> <version>'))
    .description('send inference records, labels, feedback or a reference baseline from a file, in batches')
    .requiredOption('--file <path>', 'CSV, TSV, NDJSON or Parquet file')
    .option('--kind <kind>', `what the file holds: ${INGEST_KINDS.join(', ')}`, 'inferences')
    .option('--batch <n>', 'records per request (1–10000)', '1000')
    .option(
      '--partial',
      'judge each record on its own (?partial=true): store the good ones, list the refused ones with their field and reason',
    )
    .option('--quiet', 'no progress on stderr')
    .option(
      '--id-column <name>',
      "the column holding each row's id (reference: left out of the features; others: the record id)",
    )
    .option(
      '--timestamp-column <name>',
      "the column holding each row's time (reference: left out of the features; inferences: the record timestamp)",
    )
    .action(
      async (
        model: string,
        version: string,
        opts: ClientOptions & {
          file: string;
          kind: string;
          batch: string;
          partial?: boolean;
          quiet?: boolean;
          idColumn?: string;
          timestampColumn?: string;
        },
      ) => {
        if (!(INGEST_KINDS as readonly string[]).includes(opts.kind))
          throw invalidInput(`--kind must be one of ${INGEST_KINDS.join(', ')}`, 'kind');
        const partial = opts.partial === true;
        if (partial && opts.kind === 'reference')
          throw invalidInput(
            '--partial applies to inferences, labels and feedback; a reference is stored whole',
            'partial',
          );
        const size = Number(opts.batch);
        if (!Number.isInteger(size) || size < 1 || size > 10_000)
          throw invalidInput('--batch must be an integer from 1 to 10000', 'batch');
        if (!fs.existsSync(opts.file)) throw invalidInput(`--file: no such file ${opts.file}`, 'file');
        const kind = opts.kind as IngestKind;
        const client = new ApiClient(opts);
        const named: RecordColumns = {
          ...(opts.idColumn !== undefined ? { idColumn: opts.idColumn } : {}),
          ...(opts.timestampColumn !== undefined ? { timestampColumn: opts.timestampColumn } : {}),
        };
        const query = new URLSearchParams({
          ...(kind === 'reference' ? named : {}),
          ...(partial ? { partial: 'true' } : {}),
        }).toString();
        const path = `/api/v1/models/${seg(model)}/versions/${seg(version)}/${kind}${query ? `?${query}` : ''}`;
        const totalBytes = fs.statSync(opts.file).size;
        const progress = new IngestProgress(
          process.stderr,
          opts.quiet === true || opts.json === true ? 'off' : process.stderr.isTTY ? 'tty' : 'lines',
        );
        const totals = { batches: 0, records: 0, accepted: 0, duplicates: 0, joined: 0, pending: 0 };
        const refused: RefusedRow[] = [];
        const excluded = new Set<string>();
        const warnings = new Map<string, string>();
        let sending = false;
        const acknowledged = () =>
          totals.batches === 0
            ? 'no records were stored'
            : `batches 1–${totals.batches} (records 1–${totals.records}) were acknowledged`;
        try {
          const fields = () =>
            kind === 'inferences' || kind === 'reference'
              ? schemaFieldsOf(client, model, version)
              : Promise.resolve({ numeric: new Set<string>(), text: new Set<string>() });
          // One batch in flight at a time: memory stays flat whatever the file's size.
          for await (const { lines: batch, fileLines, bytes, totalRecords } of batchesOf(
            opts.file,
            kind,
            size,
            fields,
            named,
          )) {
            let answer: BatchAnswer;
            sending = true;
            try {
              answer = await sendBatch(client, path, batch);
            } catch (error) {
              if (error instanceof WardenError) {
                // Name the file line: the server counts lines within the batch.
                const first = totals.records;
                const index = /^records\[(\d+)\]/.exec(error.field ?? '')?.[1];
                const line = index !== undefined ? fileLines?.[Number(index)] : undefined;
                throw new WardenError(
                  error.code,
                  `batch ${totals.batches + 1} (records ${first + 1}–${first + batch.length}): ${error.message}` +
                    `${line !== undefined ? ` (file line ${line})` : ''}; ${acknowledged()}`,
                  error.field,
                );
              }
              throw error;
            }
            sending = false;
            for (const r of answer.refused ?? [])
              refused.push({
                record: totals.records + r.index + 1,
                id: r.id,
                field: r.field,
                reason: r.reason,
              });
            totals.batches++;
            totals.records += answer.records;
            totals.accepted += answer.accepted;
            totals.duplicates += answer.duplicates;
            totals.joined += answer.joined ?? 0;
            totals.pending += answer.pending ?? 0;
            for (const name of answer.excluded ?? []) excluded.add(name);
            for (const w of answer.warnings ?? [])
              if (!warnings.has(w.field)) warnings.set(w.field, w.message);
            progress.update({ records: totals.records, bytes, totalBytes, totalRecords });
          }
        } catch (error) {
          progress.clear();
          // A file found malformed (on the first pass, before anything is sent, or later).
          if (error instanceof WardenError && !sending)
            throw new WardenError(error.code, `${error.message}; ${acknowledged()}`, error.field);
          throw error;
        }
        progress.finish(totals.records);
        const notes = {
          ...(excluded.size > 0 ? { excluded: [...excluded] } : {}),
          ...(warnings.size > 0
            ? { warnings: [...warnings].map(([field, message]) => ({ field, message })) }
            : {}),
        };
        for (const message of warnings.values())
          if (!opts.json) process.stderr.write(`warning: ${message}\n`);
        if (!partial) {
          if (opts.json) printJson({ ...totals, ...notes });
          else {
            printRecord(totals, Object.keys(totals));
            if (excluded.size > 0) process.stdout.write(`excluded   ${[...excluded].join(', ')}\n`);
          }
          return;
        }
        const summary = { ...totals, refused: refused.length };
        if (opts.json) printJson({ ...summary, ...notes, refusedRecords: refused });
        else {
          printRecord(summary, Object.keys(summary));
          for (const r of refused)
            process.stdout.write(
              `refused record ${r.record}${r.id !== null ? ` (id ${r.id})` : ''}: ${r.field || 'record'}: ${r.reason}\n`,
            );
        }
      },
    );
}

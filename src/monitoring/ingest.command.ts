import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printRecord } from '../cli/output.js';
import { invalidInput, WardenError } from '../core/errors.js';
import { detectTableFormat, readTable } from '../io/index.js';
import type { Column } from '../stats/types.js';

const INGEST_KINDS = ['inferences', 'labels', 'feedback', 'reference'] as const;
export type IngestKind = (typeof INGEST_KINDS)[number];

type Json = Record<string, unknown>;

const TOP_LEVEL: Record<IngestKind, ReadonlySet<string>> = {
  inferences: new Set(['id', 'timestamp', 'prediction', 'score', 'latencyMs', 'error']),
  labels: new Set(['id', 'label']),
  feedback: new Set(['id', 'rating', 'report']),
  reference: new Set(['prediction', 'score', 'label']),
};

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const NUMERIC_FIELDS: ReadonlySet<string> = new Set(['score', 'latencyMs']);

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

/**
 * Turns one row of a flat table into an API record. Columns named like the record's fields
 * (`id`, `timestamp`, `prediction`, `score`, `latencyMs`, `error`, `label`, `rating`, `report`)
 * map to them; `segment.<name>` and `signal.<name>` columns to segment attributes and safety
 * signals; every other column is a feature (for inferences and reference records). Cells of
 * `score`, `latencyMs` and of the `numericFeatures` (declared `number` or `integer` by the
 * version's input schema) that read as numbers are sent as numbers even in a text column.
 */
export function rowToRecord(
  kind: IngestKind,
  columns: readonly Column[],
  row: number,
  numericFeatures: ReadonlySet<string> = new Set(),
): Json {
  const record: Json = {};
  const features: Json = {};
  const segment: Json = {};
  const signals: Json = {};
  for (const column of columns) {
    const name = column.name;
    const raw = cell(column, row);
    const value = NUMERIC_FIELDS.has(name) || numericFeatures.has(name) ? asNumber(raw) : raw;
    if (TOP_LEVEL[kind].has(name)) {
      if (value === null) continue;
      if (name === 'id') record.id = String(value);
      else if (name === 'error')
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

/**
 * The records of a file as NDJSON lines, in batches. NDJSON files are sent as they are (one
 * API record per line); CSV, TSV and Parquet rows are mapped with {@link rowToRecord}.
 */
async function* batchesOf(
  file: string,
  kind: IngestKind,
  size: number,
  numericFeatures: () => Promise<ReadonlySet<string>>,
): AsyncGenerator<string[]> {
  const format = detectTableFormat(file);
  if (format === 'ndjson') {
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    let batch: string[] = [];
    for await (const line of lines) {
      if (line.trim() === '') continue;
      batch.push(line);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return;
  }
  const table = await readTable(file, { progress: false });
  const numeric = await numericFeatures();
  for (let start = 0; start < table.rows; start += size) {
    const batch: string[] = [];
    for (let r = start; r < Math.min(table.rows, start + size); r++)
      batch.push(JSON.stringify(rowToRecord(kind, table.columns, r, numeric)));
    yield batch;
  }
}

/** Names of the features the version's input schema declares `number` or `integer`. */
async function numericSchemaFields(
  client: ApiClient,
  model: string,
  version: string,
): Promise<ReadonlySet<string>> {
  const answer = await client.request<{ inputSchema?: Array<{ name: string; type: string }> }>(
    'GET',
    `/api/v1/models/${seg(model)}/versions/${seg(version)}`,
  );
  return new Set(
    (answer.inputSchema ?? []).filter((f) => f.type === 'number' || f.type === 'integer').map((f) => f.name),
  );
}

async function countLines(file: string): Promise<number | undefined> {
  if (detectTableFormat(file) !== 'ndjson') return undefined;
  let n = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== '') n++;
  return n;
}

function drawProgress(sent: number, total: number | undefined): void {
  if (!process.stderr.isTTY) return;
  if (total === undefined || total === 0) {
    process.stderr.write(`\ringest: ${sent} records sent`);
    return;
  }
  const width = 28;
  const filled = Math.round((Math.min(sent, total) / total) * width);
  process.stderr.write(
    `\ringest [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((sent / total) * 100)}% ${sent}/${total}`,
  );
}

interface BatchAnswer {
  records: number;
  accepted: number;
  duplicates: number;
  joined?: number;
  pending?: number;
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
    .action(
      async (
        model: string,
        version: string,
        opts: ClientOptions & { file: string; kind: string; batch: string },
      ) => {
        if (!(INGEST_KINDS as readonly string[]).includes(opts.kind))
          throw invalidInput(`--kind must be one of ${INGEST_KINDS.join(', ')}`, 'kind');
        const size = Number(opts.batch);
        if (!Number.isInteger(size) || size < 1 || size > 10_000)
          throw invalidInput('--batch must be an integer from 1 to 10000', 'batch');
        if (!fs.existsSync(opts.file)) throw invalidInput(`--file: no such file ${opts.file}`, 'file');
        const kind = opts.kind as IngestKind;
        const client = new ApiClient(opts);
        const path = `/api/v1/models/${seg(model)}/versions/${seg(version)}/${kind}`;
        const total = await countLines(opts.file);
        const totals = { batches: 0, records: 0, accepted: 0, duplicates: 0, joined: 0, pending: 0 };
        try {
          const numeric = () =>
            kind === 'inferences' || kind === 'reference'
              ? numericSchemaFields(client, model, version)
              : Promise.resolve(new Set<string>());
          for await (const batch of batchesOf(opts.file, kind, size, numeric)) {
            let answer: BatchAnswer;
            try {
              answer = await sendBatch(client, path, batch);
            } catch (error) {
              if (error instanceof WardenError) {
                // Name the file line: the server counts lines within the batch.
                const first = totals.records;
                throw new WardenError(
                  error.code,
                  `batch ${totals.batches + 1} (records ${first + 1}–${first + batch.length}): ${error.message}`,
                  error.field,
                );
              }
              throw error;
            }
            totals.batches++;
            totals.records += answer.records;
            totals.accepted += answer.accepted;
            totals.duplicates += answer.duplicates;
            totals.joined += answer.joined ?? 0;
            totals.pending += answer.pending ?? 0;
            drawProgress(totals.records, total);
          }
        } finally {
          if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        }
        if (opts.json) printJson(totals);
        else printRecord(totals, Object.keys(totals));
      },
    );
}

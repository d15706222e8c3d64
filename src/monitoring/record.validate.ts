import { invalidInput, WardenError } from '../core/errors.js';
import {
  isAttributionProblem,
  readAttributions,
  type AttributionInput,
} from '../explanations/attribution.validate.js';
import type { InputField, MonitoringTask } from './monitoring.types.js';

/** A scalar feature value after validation; null is a missing value. */
export type FeatureValue = number | string | boolean | null;

/** A validated inference record. */
export interface InferenceInput {
  id: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  features: Record<string, FeatureValue>;
  prediction: number | string | boolean;
  score?: number;
  segment?: Record<string, string>;
  latencyMs?: number;
  error: boolean;
  signals?: Record<string, boolean | string>;
  /** What serving this prediction cost, in the unit the deployment reports (e.g. USD). */
  cost?: number;
  /** Tokens read and written by a generative model. */
  tokensIn?: number;
  tokensOut?: number;
  /** Per-feature attributions the serving stack computed, with their method and base value. */
  attributions?: AttributionInput;
  /** The id of the record this one perturbs (a probe sent to measure explanation quality). */
  probeOf?: string;
}

export interface LabelInput {
  id: string;
  label: number | string | boolean;
}

export interface FeedbackInput {
  id: string;
  rating: 'up' | 'down';
  report?: string;
}

export interface ReferenceInput {
  features: Record<string, FeatureValue>;
  prediction?: number | string | boolean;
  score?: number;
  label?: number | string | boolean;
  segment?: Record<string, string>;
  attributions?: AttributionInput;
}

export interface SignalsInput {
  id: string;
  signals: Record<string, boolean | string>;
}

/** A raw record and the body line it came from (1-based). */
export interface RawRecord {
  value: unknown;
  line: number;
  /** Set (in partial mode) when the NDJSON line was not JSON: the record is refused, not the batch. */
  invalidJson?: string;
}

/** A record a partial batch refused: its position, its id when readable, the field and why. */
export interface RecordRefusal {
  /** 0-based position in the batch. */
  index: number;
  id: string | null;
  /** Path inside the record, e.g. `features.amount`; `''` for the record as a whole. */
  field: string;
  reason: string;
}

/** A batch split into the records that passed validation and those refused. */
export interface SplitBatch<T> {
  valid: { index: number; raw: RawRecord; value: T }[];
  refused: RecordRefusal[];
}

/** Largest number of records in one batch. */
const MAX_BATCH_RECORDS = 10_000;
const MAX_ID_LENGTH = 256;
const MAX_NAME_LENGTH = 200;
const MAX_TEXT_LENGTH = 10_000;
const MAX_SEGMENT_ATTRIBUTES = 10;
/** How far ahead of the server clock a record's timestamp may be, unless configured: 5 minutes. */
const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** A duration for people: "5 min", "2 h 3 min", "45 s". */
function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

/**
 * Splits a request body into records: a JSON array, or NDJSON (one JSON object per line; blank
 * lines skipped). Each record keeps its 1-based line (for an array, its position).
 */
export function parseRecordBody(
  text: string,
  contentType: string,
  options: { partial?: boolean } = {},
): RawRecord[] {
  if (contentType === 'application/x-ndjson') {
    const out: RawRecord[] = [];
    let line = 0;
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      line++;
      const chunk = text.slice(start, end).trim();
      start = end + 1;
      if (chunk === '') continue;
      if (out.length >= MAX_BATCH_RECORDS) throw tooMany();
      try {
        out.push({ value: JSON.parse(chunk) as unknown, line });
      } catch (error) {
        if (options.partial === true) {
          out.push({ value: undefined, line, invalidJson: (error as Error).message });
          continue;
        }
        throw new WardenError(
          'invalid_json',
          `line ${line}: not valid JSON (${(error as Error).message})`,
          `records[${out.length}]`,
          { line },
        );
      }
    }
    return out;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new WardenError('invalid_json', `body is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed))
    throw invalidInput('body must be a JSON array of records (or NDJSON)', 'records');
  if (parsed.length > MAX_BATCH_RECORDS) throw tooMany();
  return (parsed as unknown[]).map((value, i) => ({ value, line: i + 1 }));
}

function tooMany(): WardenError {
  return new WardenError(
    'payload_too_large',
    `a batch holds at most ${MAX_BATCH_RECORDS} records; split it into smaller batches`,
    'records',
  );
}

/** Thrown for the first bad record: the message names the line and the field path. */
function bad(index: number, line: number, path: string, message: string): WardenError {
  const field = `records[${index}]${path}`;
  return invalidInput(`line ${line}: ${field}: ${message}`, field, {
    line,
    path: path.replace(/^\./, ''),
    reason: message,
  });
}

function readableId(value: unknown): string | null {
  if (!isPlainObject(value)) return null;
  const id = value.id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : null;
}

/** Reads one record of a batch; `seen` holds the ids of the batch's records accepted so far. */
export type RecordReader<T> = (raw: RawRecord, index: number, seen: Set<string>) => T;

/**
 * Validates a batch. All-or-nothing by default: the first bad record throws, naming its line and
 * field, and nothing of the batch is stored. With `partial`, each record is judged on its own: a
 * bad one is refused with its field and reason, and the others go on.
 */
export function validateBatch<T>(raws: RawRecord[], read: RecordReader<T>, partial: boolean): SplitBatch<T> {
  const seen = new Set<string>();
  const out: SplitBatch<T> = { valid: [], refused: [] };
  raws.forEach((raw, index) => {
    try {
      out.valid.push({ index, raw, value: read(raw, index, seen) });
    } catch (error) {
      // All-or-nothing: the first bad record refuses the batch. Partial: it is refused alone.
      if (!partial || !(error instanceof WardenError) || error.code !== 'invalid_input') throw error;
      out.refused.push({
        index,
        id: readableId(raw.value),
        field: typeof error.details?.path === 'string' ? error.details.path : '',
        reason: typeof error.details?.reason === 'string' ? error.details.reason : error.message,
      });
    }
  });
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A compiled input schema: field name → check. Unknown fields pass (the schema-change monitor reports them). */
export type FieldChecks = Map<string, InputField>;

export function compileInputSchema(fields: readonly InputField[]): FieldChecks {
  return new Map(fields.map((f) => [f.name, f]));
}

/**
 * Returns an error message when `value` breaks `field`, else undefined. `null` is a missing
 * value, as a left-out key is: accepted, and counted by the missing-value monitor.
 */
function checkField(field: InputField, value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (field.type) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return `expected ${field.type === 'integer' ? 'an integer' : 'a finite number'}, got ${describe(value)}`;
      }
      if (field.type === 'integer' && !Number.isInteger(value)) return `expected an integer, got ${value}`;
      if (field.min !== undefined && value < field.min) return `${value} is below the minimum ${field.min}`;
      if (field.max !== undefined && value > field.max) return `${value} is above the maximum ${field.max}`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${describe(value)}`;
    case 'string':
    case 'category':
      return typeof value === 'string' ? undefined : `expected a string, got ${describe(value)}`;
  }
}

function readFeatures(
  raw: unknown,
  checks: FieldChecks,
  index: number,
  line: number,
): Record<string, FeatureValue> {
  if (!isPlainObject(raw)) throw bad(index, line, '.features', `expected an object, got ${describe(raw)}`);
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    const field = checks.get(name);
    if (field) {
      // A declared name is 1–200 characters already; the common case checks only the value.
      const problem = checkField(field, value);
      if (problem) throw bad(index, line, `.features.${name}`, problem);
      continue;
    }
    const path = `.features.${name}`;
    if (name.length === 0 || name.length > MAX_NAME_LENGTH)
      throw bad(index, line, path, 'feature names are 1–200 characters');
    if (
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'boolean' &&
      !(typeof value === 'number' && Number.isFinite(value))
    ) {
      throw bad(
        index,
        line,
        path,
        `expected a finite number, string, boolean or null, got ${describe(value)}`,
      );
    }
  }
  return raw as Record<string, FeatureValue>;
}

function readId(raw: unknown, index: number, line: number): string {
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return String(raw);
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_ID_LENGTH) {
    throw bad(index, line, '.id', `expected a string of 1–${MAX_ID_LENGTH} characters, got ${describe(raw)}`);
  }
  return raw;
}

function readOutcome(
  raw: unknown,
  index: number,
  line: number,
  name: string,
  task: MonitoringTask,
): number | string | boolean {
  if (task === 'regression') {
    if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
    throw bad(
      index,
      line,
      `.${name}`,
      `expected a finite number (the model is monitored as a regression model), got ${describe(raw)}`,
    );
  }
  if (typeof raw === 'string' && raw.length <= MAX_TEXT_LENGTH) return raw;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  throw bad(index, line, `.${name}`, `expected a finite number, string or boolean, got ${describe(raw)}`);
}

function readFinite(raw: unknown, index: number, line: number, name: string, min?: number): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw))
    throw bad(index, line, `.${name}`, `expected a finite number, got ${describe(raw)}`);
  if (min !== undefined && raw < min) throw bad(index, line, `.${name}`, `must be >= ${min}`);
  return raw;
}

function readCount(raw: unknown, index: number, line: number, name: string): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0)
    throw bad(index, line, `.${name}`, `expected a whole number >= 0, got ${describe(raw)}`);
  return raw;
}

function readSegment(raw: unknown, index: number, line: number): Record<string, string> {
  if (!isPlainObject(raw)) throw bad(index, line, '.segment', `expected an object, got ${describe(raw)}`);
  // Each attribute adds a profile per window: keep that bounded.
  if (Object.keys(raw).length > MAX_SEGMENT_ATTRIBUTES)
    throw bad(index, line, '.segment', `at most ${MAX_SEGMENT_ATTRIBUTES} attributes`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name.length === 0 || name.length > MAX_NAME_LENGTH || name.includes('='))
      throw bad(index, line, `.segment.${name}`, 'attribute names are 1–200 characters without "="');
    if (typeof value === 'string' && value.length <= MAX_NAME_LENGTH) out[name] = value;
    else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
      out[name] = String(value);
    else
      throw bad(
        index,
        line,
        `.segment.${name}`,
        `expected a string, number or boolean, got ${describe(value)}`,
      );
  }
  return out;
}

function readSignals(raw: unknown, index: number, line: number): Record<string, boolean | string> {
  if (!isPlainObject(raw)) throw bad(index, line, '.signals', `expected an object, got ${describe(raw)}`);
  for (const [name, value] of Object.entries(raw)) {
    if (name.length === 0 || name.length > MAX_NAME_LENGTH)
      throw bad(index, line, `.signals.${name}`, 'signal names are 1–200 characters');
    if (typeof value !== 'boolean' && !(typeof value === 'string' && value.length <= MAX_NAME_LENGTH))
      throw bad(index, line, `.signals.${name}`, `expected a boolean or a string, got ${describe(value)}`);
  }
  return raw as Record<string, boolean | string>;
}

function checkKeys(
  record: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  index: number,
  line: number,
) {
  for (const key of Object.keys(record)) {
    if (!allowed.has(key)) throw bad(index, line, `.${key}`, `unknown field "${key}"`);
  }
}

function requireObject(raw: RawRecord, index: number): Record<string, unknown> {
  if (raw.invalidJson !== undefined) throw bad(index, raw.line, '', `not valid JSON (${raw.invalidJson})`);
  if (!isPlainObject(raw.value))
    throw bad(index, raw.line, '', `expected an object, got ${describe(raw.value)}`);
  return raw.value;
}

const INFERENCE_KEYS = new Set([
  'id',
  'timestamp',
  'features',
  'prediction',
  'score',
  'segment',
  'latencyMs',
  'error',
  'signals',
  'cost',
  'tokensIn',
  'tokensOut',
  'attributions',
  'attributionMethod',
  'baseValue',
  'probeOf',
]);

/** Reads a record's attributions; a feature the schema lacks is refused by name. */
function readRecordAttributions(
  r: Record<string, unknown>,
  checks: FieldChecks,
  index: number,
  line: number,
): AttributionInput | undefined {
  if (r.attributions === undefined && r.attributionMethod === undefined && r.baseValue === undefined)
    return undefined;
  const read = readAttributions(r, new Set(checks.keys()));
  if (read !== undefined && isAttributionProblem(read)) throw bad(index, line, `.${read.path}`, read.message);
  return read;
}

/**
 * Validates one inference record; a record without a timestamp is stamped `now`, and one more
 * than `maxSkewMs` ahead of `now` is refused (a clock gone wrong). Duplicate ids
 * within the batch are refused, since a retry must repeat the same record. A record's id joins
 * `seen` only once the whole record passed, so a refused record does not make a later good one
 * with its id a duplicate.
 */
export function readInference(
  raw: RawRecord,
  index: number,
  seen: Set<string>,
  checks: FieldChecks,
  now: number,
  task: MonitoringTask = 'classification',
  maxSkewMs = DEFAULT_MAX_CLOCK_SKEW_MS,
): InferenceInput {
  const r = requireObject(raw, index);
  const line = raw.line;
  checkKeys(r, INFERENCE_KEYS, index, line);
  const id = readBatchId(r.id, seen, index, line);
  let timestamp = now;
  if (r.timestamp !== undefined) {
    const t = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : Number.NaN;
    if (!Number.isFinite(t))
      throw bad(index, line, '.timestamp', `expected an ISO-8601 date-time, got ${describe(r.timestamp)}`);
    if (t > now + maxSkewMs)
      throw bad(
        index,
        line,
        '.timestamp',
        `${r.timestamp as string} is ${formatDuration(t - now)} ahead of the server clock; at most ${formatDuration(maxSkewMs)} is allowed (WARDEN_MAX_CLOCK_SKEW)`,
      );
    timestamp = t;
  }
  if (r.prediction === undefined) throw bad(index, line, '.prediction', 'required');
  const record: InferenceInput = {
    id,
    timestamp,
    features: readFeatures(r.features, checks, index, line),
    prediction: readOutcome(r.prediction, index, line, 'prediction', task),
    error: false,
  };
  if (r.score !== undefined) record.score = readFinite(r.score, index, line, 'score');
  if (r.segment !== undefined) record.segment = readSegment(r.segment, index, line);
  if (r.latencyMs !== undefined) record.latencyMs = readFinite(r.latencyMs, index, line, 'latencyMs', 0);
  if (r.error !== undefined) {
    if (typeof r.error === 'boolean') record.error = r.error;
    else if (typeof r.error === 'string') record.error = true;
    else throw bad(index, line, '.error', `expected a boolean or an error message, got ${describe(r.error)}`);
  }
  if (r.signals !== undefined) record.signals = readSignals(r.signals, index, line);
  if (r.cost !== undefined) record.cost = readFinite(r.cost, index, line, 'cost', 0);
  if (r.tokensIn !== undefined) record.tokensIn = readCount(r.tokensIn, index, line, 'tokensIn');
  if (r.tokensOut !== undefined) record.tokensOut = readCount(r.tokensOut, index, line, 'tokensOut');
  const attributions = readRecordAttributions(r, checks, index, line);
  if (attributions !== undefined) record.attributions = attributions;
  if (r.probeOf !== undefined) {
    if (
      typeof r.probeOf !== 'string' ||
      r.probeOf.length === 0 ||
      r.probeOf.length > MAX_ID_LENGTH ||
      r.probeOf === id
    )
      throw bad(index, line, '.probeOf', 'expected the id of another record of this version');
    record.probeOf = r.probeOf;
  }
  seen.add(id);
  return record;
}

function readBatchId(raw: unknown, seen: ReadonlySet<string>, index: number, line: number): string {
  const id = readId(raw, index, line);
  if (seen.has(id)) throw bad(index, line, '.id', `duplicate id "${id}" in this batch`);
  return id;
}

const LABEL_KEYS = new Set(['id', 'label']);

/** Validates one label `{id, label}` (a regression model's labels are numbers); `seen` as for {@link readInference}. */
export function readLabel(
  raw: RawRecord,
  index: number,
  seen: Set<string>,
  task: MonitoringTask = 'classification',
): LabelInput {
  const r = requireObject(raw, index);
  checkKeys(r, LABEL_KEYS, index, raw.line);
  const id = readBatchId(r.id, seen, index, raw.line);
  if (r.label === undefined) throw bad(index, raw.line, '.label', 'required');
  const label = readOutcome(r.label, index, raw.line, 'label', task);
  seen.add(id);
  return { id, label };
}

const FEEDBACK_KEYS = new Set(['id', 'rating', 'report']);

/** Validates one feedback `{id, rating: "up"|"down", report?}`; `seen` as for {@link readInference}. */
export function readFeedback(raw: RawRecord, index: number, seen: Set<string>): FeedbackInput {
  const r = requireObject(raw, index);
  checkKeys(r, FEEDBACK_KEYS, index, raw.line);
  const id = readBatchId(r.id, seen, index, raw.line);
  if (r.rating !== 'up' && r.rating !== 'down')
    throw bad(index, raw.line, '.rating', `expected "up" or "down", got ${describe(r.rating)}`);
  const out: FeedbackInput = { id, rating: r.rating };
  if (r.report !== undefined) {
    if (typeof r.report !== 'string' || r.report.length > MAX_TEXT_LENGTH)
      throw bad(index, raw.line, '.report', `expected a string of at most ${MAX_TEXT_LENGTH} characters`);
    out.report = r.report;
  }
  seen.add(id);
  return out;
}

const SIGNALS_KEYS = new Set(['id', 'signals']);

/** Validates one signals record `{id, signals: {name: boolean | string}}`; `seen` as for {@link readInference}. */
export function readSignalsRecord(raw: RawRecord, index: number, seen: Set<string>): SignalsInput {
  const r = requireObject(raw, index);
  checkKeys(r, SIGNALS_KEYS, index, raw.line);
  const id = readBatchId(r.id, seen, index, raw.line);
  if (r.signals === undefined) throw bad(index, raw.line, '.signals', 'required');
  const signals = readSignals(r.signals, index, raw.line);
  if (Object.keys(signals).length === 0) throw bad(index, raw.line, '.signals', 'name at least one signal');
  seen.add(id);
  return { id, signals };
}

const REFERENCE_KEYS = new Set([
  'features',
  'prediction',
  'score',
  'label',
  'segment',
  'attributions',
  'attributionMethod',
  'baseValue',
]);

/** Validates a whole reference batch: `[{features, prediction?, score?, label?, segment?}]`. */
export function validateReference(
  raws: RawRecord[],
  checks: FieldChecks,
  task: MonitoringTask = 'classification',
): ReferenceInput[] {
  return raws.map((raw, index) => {
    const r = requireObject(raw, index);
    const line = raw.line;
    checkKeys(r, REFERENCE_KEYS, index, line);
    const out: ReferenceInput = { features: readFeatures(r.features, checks, index, line) };
    if (r.prediction !== undefined)
      out.prediction = readOutcome(r.prediction, index, line, 'prediction', task);
    if (r.score !== undefined) out.score = readFinite(r.score, index, line, 'score');
    if (r.label !== undefined) out.label = readOutcome(r.label, index, line, 'label', task);
    if (r.segment !== undefined) out.segment = readSegment(r.segment, index, line);
    const attributions = readRecordAttributions(r, checks, index, line);
    if (attributions !== undefined) out.attributions = attributions;
    return out;
  });
}

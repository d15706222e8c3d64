import { invalidInput, WardenError } from '../core/errors.js';
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
}

/** A raw record and the body line it came from (1-based). */
export interface RawRecord {
  value: unknown;
  line: number;
}

/** Largest number of records in one batch. */
const MAX_BATCH_RECORDS = 10_000;
const MAX_ID_LENGTH = 256;
const MAX_NAME_LENGTH = 200;
const MAX_TEXT_LENGTH = 10_000;
const MAX_SEGMENT_ATTRIBUTES = 10;

/**
 * Splits a request body into records: a JSON array, or NDJSON (one JSON object per line; blank
 * lines skipped). Each record keeps its 1-based line (for an array, its position).
 */
export function parseRecordBody(text: string, contentType: string): RawRecord[] {
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
  return invalidInput(`line ${line}: ${field}: ${message}`, field, { line });
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

/** Returns an error message when `value` breaks `field`, else undefined. */
function checkField(field: InputField, value: unknown): string | undefined {
  if (value === null)
    return field.nullable === true
      ? undefined
      : `expected ${field.type}, got null (the field is not nullable)`;
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
  for (const [name, value] of Object.entries(raw)) {
    const path = `.features.${name}`;
    if (name.length === 0 || name.length > MAX_NAME_LENGTH)
      throw bad(index, line, path, 'feature names are 1–200 characters');
    const field = checks.get(name);
    if (field) {
      const problem = checkField(field, value);
      if (problem) throw bad(index, line, path, problem);
    } else if (
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
]);

/**
 * Validates a whole inference batch; the first bad record throws (nothing of the batch is
 * stored). A record without a timestamp is stamped `now`. Duplicate ids within the batch are
 * refused, since a retry must repeat the same record.
 */
export function validateInferences(
  raws: RawRecord[],
  checks: FieldChecks,
  now: number,
  task: MonitoringTask = 'classification',
): InferenceInput[] {
  const seen = new Set<string>();
  return raws.map((raw, index) => {
    const r = requireObject(raw, index);
    const line = raw.line;
    checkKeys(r, INFERENCE_KEYS, index, line);
    const id = readId(r.id, index, line);
    if (seen.has(id)) throw bad(index, line, '.id', `duplicate id "${id}" in this batch`);
    seen.add(id);
    let timestamp = now;
    if (r.timestamp !== undefined) {
      const t = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : Number.NaN;
      if (!Number.isFinite(t))
        throw bad(index, line, '.timestamp', `expected an ISO-8601 date-time, got ${describe(r.timestamp)}`);
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
      else
        throw bad(index, line, '.error', `expected a boolean or an error message, got ${describe(r.error)}`);
    }
    if (r.signals !== undefined) record.signals = readSignals(r.signals, index, line);
    return record;
  });
}

const LABEL_KEYS = new Set(['id', 'label']);

/** Validates a whole label batch: `[{id, label}]` (a regression model's labels are numbers). */
export function validateLabels(raws: RawRecord[], task: MonitoringTask = 'classification'): LabelInput[] {
  const seen = new Set<string>();
  return raws.map((raw, index) => {
    const r = requireObject(raw, index);
    checkKeys(r, LABEL_KEYS, index, raw.line);
    const id = readId(r.id, index, raw.line);
    if (seen.has(id)) throw bad(index, raw.line, '.id', `duplicate id "${id}" in this batch`);
    seen.add(id);
    if (r.label === undefined) throw bad(index, raw.line, '.label', 'required');
    return { id, label: readOutcome(r.label, index, raw.line, 'label', task) };
  });
}

const FEEDBACK_KEYS = new Set(['id', 'rating', 'report']);

/** Validates a whole feedback batch: `[{id, rating: 'up'|'down', report?}]`. */
export function validateFeedback(raws: RawRecord[]): FeedbackInput[] {
  const seen = new Set<string>();
  return raws.map((raw, index) => {
    const r = requireObject(raw, index);
    checkKeys(r, FEEDBACK_KEYS, index, raw.line);
    const id = readId(r.id, index, raw.line);
    if (seen.has(id)) throw bad(index, raw.line, '.id', `duplicate id "${id}" in this batch`);
    seen.add(id);
    if (r.rating !== 'up' && r.rating !== 'down')
      throw bad(index, raw.line, '.rating', `expected "up" or "down", got ${describe(r.rating)}`);
    const out: FeedbackInput = { id, rating: r.rating };
    if (r.report !== undefined) {
      if (typeof r.report !== 'string' || r.report.length > MAX_TEXT_LENGTH)
        throw bad(index, raw.line, '.report', `expected a string of at most ${MAX_TEXT_LENGTH} characters`);
      out.report = r.report;
    }
    return out;
  });
}

const REFERENCE_KEYS = new Set(['features', 'prediction', 'score', 'label', 'segment']);

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
    return out;
  });
}

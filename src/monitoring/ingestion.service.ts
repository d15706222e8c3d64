import { createHash, hash } from 'node:crypto';
import type { Insertable } from 'kysely';
import { canonicalJson } from '../core/canonical-json.js';
import { canonicalObject } from './canonical-record.js';
import { conflict } from '../core/errors.js';
import type { AppContext } from '../http/context.js';
import type { Actor } from '../registry/registry.service.js';
import { requireModel, requireVersion } from '../registry/registry.service.js';
import type { Model } from '../registry/model.schema.js';
import type { ModelVersion } from '../registry/version.schema.js';
import {
  findRecordsForJoin,
  insertInferenceRecords,
  insertPending,
  mergeWindowProfiles,
  setJoinedValues,
  takePending,
  type InferenceRow,
  type ProfileDelta,
} from './ingestion.repository.js';
import { monitoringTask, readMonitoringConfig, type MonitoringConfig } from './monitoring-config.js';
import type { MonitoringTask } from './monitoring.types.js';
import type { MonitoringPendingTable } from './monitoring.table.js';
import {
  compileInputSchema,
  type InferenceInput,
  readFeedback,
  readInference,
  readLabel,
  readSignalsRecord,
  validateBatch,
  type RawRecord,
  type RecordRefusal,
  type SplitBatch,
} from './record.validate.js';
import { WindowProfile } from './window-profile.js';
import { encodeAttributions } from '../explanations/attribution.validate.js';
import { foldAttributionPairs } from '../explanations/attribution-pairs.js';

/** What an accepted batch did. */
export interface IngestResult {
  /** Records in the batch (with `partial`, refused ones included). */
  records: number;
  /** Newly stored (or, for labels and feedback, newly joined or kept pending). */
  accepted: number;
  /** Already known: a retried batch is accepted again and changes nothing. */
  duplicates: number;
  /** Labels or feedback joined to their records now (the rest wait for their record). */
  joined?: number;
  pending?: number;
  /** SHA-256 of the canonical JSON of the batch's records (with `partial`, of those not refused), as written to the audit trail. */
  digest: string;
  /** With `partial`: the records refused, each with its field and reason (they are not stored). */
  refused?: RecordRefusal[];
}

/** How a batch is judged: all-or-nothing (default), or record by record with `partial`. */
export interface IngestOptions {
  partial?: boolean;
}

/** A partial batch none of whose records passed: nothing is stored and nothing audited. */
function allRefused(records: number, refused: RecordRefusal[]): IngestResult {
  return { records, accepted: 0, duplicates: 0, digest: digestOf([]), refused };
}

/** What the audit entry keeps of a result: the counts, and with `partial` how many were refused. */
function auditChange(result: IngestResult): Record<string, unknown> {
  const { refused, ...rest } = result;
  return refused === undefined ? rest : { ...rest, refused: refused.length };
}

/** The model version a batch is for, refused when it no longer takes records. */
export interface IngestTarget {
  model: Model;
  version: ModelVersion;
  config: MonitoringConfig;
  /** What the version is monitored as; a regression model's predictions and labels must be numbers. */
  task: MonitoringTask;
}

export async function requireIngestTarget(
  ctx: AppContext,
  modelName: string,
  versionName: string,
  options: { allowArchived?: boolean } = {},
): Promise<IngestTarget> {
  const version = await requireVersion(ctx.db, modelName, versionName);
  if (version.stage === 'archived' && options.allowArchived !== true) {
    throw conflict(`${modelName}@${versionName} is archived and takes no more records`, 'version');
  }
  const model = await requireModel(ctx.db, modelName);
  const config = await readMonitoringConfig(ctx.db, model.id);
  return { model, version, config, task: monitoringTask(config, version.metrics) };
}

/** SHA-256 (hex) of a value's canonical JSON. */
export function digestOf(value: unknown): string {
  return sha256(canonicalJson(value));
}

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The canonical text of the `features` member of the record being canonicalised. */
let canonicalFeatures = 'null';
function keepFeatures(key: string, text: string): void {
  if (key === 'features') canonicalFeatures = text;
}

/**
 * Canonical JSON of one record and of its `features` member, from one walk: the batch text is
 * exactly `canonicalJson(records)` when built as `[` + the records' texts joined by `,` + `]`.
 */
function canonicalRecord(record: Record<string, unknown>): { text: string; features: string } {
  canonicalFeatures = 'null';
  const text = canonicalObject(record, keepFeatures);
  return { text, features: canonicalFeatures };
}

/** The segment keys a record's profile goes into: the whole population plus one per attribute. */
export function segmentKeys(segment: Record<string, string> | undefined | null): string[] {
  const keys = [''];
  if (segment) for (const [k, v] of Object.entries(segment)) keys.push(`${k}=${v}`);
  return keys;
}

/** Collects profile increments per (window, segment) while a batch is processed. */
class ProfileDeltas {
  private readonly map = new Map<string, ProfileDelta>();
  private readonly lists = new Map<string, WindowProfile[]>();

  /**
   * The profiles a record feeds: its window's whole population, then one per segment attribute
   * (`segmentText` is the segment's JSON, so records of one window and segment share the list).
   */
  profilesOf(windowStart: string, segmentText: string | null, segment: Record<string, string> | undefined) {
    const key = `${windowStart}\u0000${segmentText ?? ''}`;
    let list = this.lists.get(key);
    if (!list) {
      list = segmentKeys(segment).map((k) => this.profile(windowStart, k));
      this.lists.set(key, list);
    }
    return list;
  }

  profile(windowStart: string, segment: string): WindowProfile {
    const key = `${windowStart}\u0000${segment}`;
    let d = this.map.get(key);
    if (!d) {
      d = { windowStart, segment, profile: new WindowProfile() };
      this.map.set(key, d);
    }
    return d.profile;
  }

  values(): ProfileDelta[] {
    return [...this.map.values()];
  }
}

/** The window start of a record time, as ISO text; consecutive records mostly share a window. */
function windowStarts(bucketMinutes: number): (timestamp: number) => string {
  const bucket = bucketMinutes * 60_000;
  let last = Number.NaN;
  let text = '';
  return (timestamp) => {
    const start = Math.floor(timestamp / bucket) * bucket;
    if (start !== last) {
      last = start;
      text = new Date(start).toISOString();
    }
    return text;
  };
}

/** A record time as ISO text; records of a batch often share their timestamp, so the last one is kept. */
function isoTexts(): (timestamp: number) => string {
  let last = Number.NaN;
  let text = '';
  return (timestamp) => {
    if (timestamp !== last) {
      last = timestamp;
      text = new Date(timestamp).toISOString();
    }
    return text;
  };
}

function subject(target: IngestTarget): string {
  return `model:${target.model.name}@${target.version.version}`;
}

type Outcome = number | string | boolean;

/**
 * Stores a batch of inference records and folds the new ones into the window profiles, in one
 * transaction with its audit entry: the answer is sent only after the commit, so an
 * acknowledged record survives a crash. Labels and feedback that arrived first are joined now.
 */
export async function ingestInferences(
  ctx: AppContext,
  actor: Actor,
  target: IngestTarget,
  raws: RawRecord[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const checks = compileInputSchema(target.version.inputSchema);
  const partial = options.partial === true;
  const batch = validateBatch(
    raws,
    (raw, index, seen) =>
      readInference(raw, index, seen, checks, now.getTime(), target.task, ctx.config.maxClockSkewMs),
    partial,
  );
  const refused = partial ? { refused: batch.refused } : {};
  if (batch.valid.length === 0 && partial) return allRefused(raws.length, batch.refused);
  const versionId = target.version.id;
  const keepFeatures = target.config.storeRawFeatures;
  const windowStartOf = windowStarts(target.config.bucketMinutes);
  const isoOf = isoTexts();
  const records: InferenceInput[] = [];
  const rows: InferenceRow[] = [];
  // The batch digest hashes `[` + the records' texts joined by `,` + `]` piece by piece: the same
  // bytes as the joined text, without building and re-encoding one text of the whole batch.
  const batchHash = createHash('sha256').update('[');
  for (const { raw, value: r } of batch.valid) {
    // Validation guarantees every record is an object, so the batch canonicalises record by record.
    const canonical = canonicalRecord(raw.value as Record<string, unknown>);
    if (records.length > 0) batchHash.update(',');
    batchHash.update(canonical.text);
    records.push(r);
    rows.push({
      record_id: r.id,
      ts: isoOf(r.timestamp),
      window_start: windowStartOf(r.timestamp),
      input_sha256: sha256(canonical.features),
      features: keepFeatures ? canonical.features : null,
      prediction: JSON.stringify(r.prediction),
      score: r.score ?? null,
      segment: r.segment ? JSON.stringify(r.segment) : null,
      latency_ms: r.latencyMs ?? null,
      error: r.error ? 1 : 0,
      signals: r.signals ? JSON.stringify(r.signals) : null,
      attributions: r.attributions ? encodeAttributions(r.attributions) : null,
      probe_of: r.probeOf ?? null,
    });
  }
  const digest = batchHash.update(']').digest('hex');

  return ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertInferenceRecords(
      trx,
      ctx.store.capabilities.engine,
      versionId,
      nowIso,
      rows,
    );
    const deltas = new ProfileDeltas();
    /** Stored records by id, with the index of their row. */
    const byId = new Map<string, number>();
    const profilesOf = (i: number) =>
      deltas.profilesOf(rows[i]!.window_start, rows[i]!.segment, records[i]!.segment);
    records.forEach((record, i) => {
      if (!inserted.has(record.id)) return;
      byId.set(record.id, i);
      // A perturbation probe is not traffic: it only feeds the explanation quality pairs.
      if (record.probeOf === undefined) WindowProfile.addRecordToEach(profilesOf(i), record);
    });
    await foldAttributionPairs(
      trx,
      versionId,
      records.flatMap((r, i) =>
        r.attributions && inserted.has(r.id)
          ? [
              {
                id: r.id,
                inputSha256: rows[i]!.input_sha256,
                score: r.score ?? null,
                values: r.attributions.values,
                probeOf: r.probeOf,
              },
            ]
          : [],
      ),
      (id) => profilesOf(byId.get(id)!).map((profile) => profile.attributions),
    );
    let joined = 0;
    const pending = await takePending(trx, versionId, [...inserted]);
    const pendingOf = (kind: 'label' | 'feedback' | 'signals') =>
      new Map(pending.filter((p) => p.kind === kind).map((p) => [p.record_id, p.payload]));
    const labels = pendingOf('label');
    const feedback = pendingOf('feedback');
    const signals = pendingOf('signals');
    for (const id of await setJoinedValues(trx, 'label', versionId, labels, nowIso)) {
      const i = byId.get(id)!;
      const label = JSON.parse(labels.get(id)!) as Outcome;
      const join = { prediction: records[i]!.prediction, score: records[i]!.score ?? null, label };
      for (const profile of profilesOf(i)) profile.addLabel(join, target.config.positiveClass);
      joined++;
    }
    for (const id of await setJoinedValues(trx, 'feedback', versionId, feedback, nowIso)) {
      const { rating } = JSON.parse(feedback.get(id)!) as { rating: 'up' | 'down' };
      for (const profile of profilesOf(byId.get(id)!)) profile.addFeedback(rating);
      joined++;
    }
    // Signals sent ahead join only a record that carried none inline (the record's own win).
    for (const id of await setJoinedValues(trx, 'signals', versionId, signals, nowIso)) {
      const values = JSON.parse(signals.get(id)!) as Record<string, boolean | string>;
      for (const profile of profilesOf(byId.get(id)!)) profile.addSignals(values);
      joined++;
    }
    await mergeWindowProfiles(trx, ctx.store.capabilities.rowLocks, versionId, deltas.values(), nowIso);
    const result: IngestResult = {
      records: raws.length,
      accepted: inserted.size,
      duplicates: records.length - inserted.size,
      joined,
      digest,
      ...refused,
    };
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'monitoring.inferences_ingested',
      subject: subject(target),
      requestId: actor.requestId,
      change: { ...auditChange(result), storeRawFeatures: keepFeatures },
    });
    return result;
  });
}

const JOINED_ACTIONS = {
  label: 'monitoring.labels_ingested',
  feedback: 'monitoring.feedback_ingested',
  signals: 'monitoring.signals_ingested',
} as const;

/** Items of a validated label, feedback or signals batch, and what the batch was. */
interface JoinedBatch {
  items: { id: string; payload: string; apply: (profile: WindowProfile, row: JoinRowParsed) => void }[];
  /** Records in the body, refused ones included. */
  records: number;
  digest: string;
  /** With `partial`, the refused records. */
  refused?: RecordRefusal[];
}

/**
 * Joins labels (or feedback, or signals) to their records by id. A record's first label (or
 * feedback, or signals) counts; a repeat is a duplicate. Ids whose record has not arrived are kept
 * and joined when it does.
 */
async function ingestJoined(
  ctx: AppContext,
  actor: Actor,
  target: IngestTarget,
  kind: 'label' | 'feedback' | 'signals',
  batch: JoinedBatch,
): Promise<IngestResult> {
  const { items } = batch;
  const refused = batch.refused ? { refused: batch.refused } : {};
  if (items.length === 0 && batch.refused) return allRefused(batch.records, batch.refused);
  const nowIso = ctx.now().toISOString();
  const versionId = target.version.id;
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await findRecordsForJoin(
      trx,
      versionId,
      items.map((i) => i.id),
    );
    const deltas = new ProfileDeltas();
    const waiting: Insertable<MonitoringPendingTable>[] = [];
    const found = new Map<string, string>();
    for (const item of items) {
      if (rows.has(item.id)) found.set(item.id, item.payload);
      else
        waiting.push({
          version_id: versionId,
          record_id: item.id,
          kind,
          payload: item.payload,
          received_at: nowIso,
        });
    }
    const set = await setJoinedValues(trx, kind, versionId, found, nowIso);
    const joined = set.size;
    for (const item of items) {
      if (!set.has(item.id)) continue;
      const row = rows.get(item.id)!;
      const parsed: JoinRowParsed = {
        prediction: row.prediction === null ? null : (JSON.parse(row.prediction) as Outcome),
        score: row.score,
      };
      const segment = row.segment === null ? undefined : (JSON.parse(row.segment) as Record<string, string>);
      for (const key of segmentKeys(segment)) item.apply(deltas.profile(row.window_start, key), parsed);
    }
    const pending = (await insertPending(trx, waiting)).size;
    await mergeWindowProfiles(trx, ctx.store.capabilities.rowLocks, versionId, deltas.values(), nowIso);
    const result: IngestResult = {
      records: batch.records,
      accepted: joined + pending,
      duplicates: items.length - joined - pending,
      joined,
      pending,
      digest: batch.digest,
      ...refused,
    };
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: JOINED_ACTIONS[kind],
      subject: subject(target),
      requestId: actor.requestId,
      change: auditChange(result),
    });
    return result;
  });
}

interface JoinRowParsed {
  prediction: Outcome | null;
  score: number | null;
}

/** The digest and counts of a validated batch, for {@link ingestJoined}. */
function joinedBatch<T>(
  raws: RawRecord[],
  split: SplitBatch<T>,
  partial: boolean,
  item: (value: T) => JoinedBatch['items'][number],
): JoinedBatch {
  return {
    items: split.valid.map((v) => item(v.value)),
    records: raws.length,
    digest: digestOf(split.valid.map((v) => v.raw.value)),
    ...(partial ? { refused: split.refused } : {}),
  };
}

/** Stores delayed ground truth: `[{id, label}]`, joined by record id whenever it arrives. */
export async function ingestLabels(
  ctx: AppContext,
  actor: Actor,
  target: IngestTarget,
  raws: RawRecord[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  const partial = options.partial === true;
  const split = validateBatch(raws, (raw, index, seen) => readLabel(raw, index, seen, target.task), partial);
  const positive = target.config.positiveClass;
  return ingestJoined(
    ctx,
    actor,
    target,
    'label',
    joinedBatch(raws, split, partial, (l) => ({
      id: l.id,
      payload: JSON.stringify(l.label),
      apply: (profile, row) =>
        profile.addLabel({ prediction: row.prediction, score: row.score, label: l.label }, positive),
    })),
  );
}

/** Stores user feedback: `[{id, rating, report?}]`, joined by record id whenever it arrives. */
export async function ingestFeedback(
  ctx: AppContext,
  actor: Actor,
  target: IngestTarget,
  raws: RawRecord[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  const partial = options.partial === true;
  const split = validateBatch(raws, readFeedback, partial);
  return ingestJoined(
    ctx,
    actor,
    target,
    'feedback',
    joinedBatch(raws, split, partial, (f) => ({
      id: f.id,
      payload: JSON.stringify({ rating: f.rating, ...(f.report !== undefined ? { report: f.report } : {}) }),
      apply: (profile) => profile.addFeedback(f.rating),
    })),
  );
}

/**
 * Stores safety signals found after the answer (a moderation pass, a user report):
 * `[{id, signals: {name: boolean | string}}]`, joined by record id whenever it arrives. A record's
 * first signals count: a record that carried signals inline, or already got some, keeps them.
 */
export async function ingestSignals(
  ctx: AppContext,
  actor: Actor,
  target: IngestTarget,
  raws: RawRecord[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  const partial = options.partial === true;
  const split = validateBatch(raws, readSignalsRecord, partial);
  return ingestJoined(
    ctx,
    actor,
    target,
    'signals',
    joinedBatch(raws, split, partial, (r) => ({
      id: r.id,
      payload: JSON.stringify(r.signals),
      apply: (profile) => profile.addSignals(r.signals),
    })),
  );
}

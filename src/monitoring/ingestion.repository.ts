import { CompiledQuery, sql, type Insertable, type Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import { nameStatement } from '../db/statement-names.js';
import type {
  InferenceRecordTable,
  MonitoringPendingTable,
  MonitoringWindowTable,
} from './monitoring.table.js';
import { WindowProfile } from './window-profile.js';

/** Rows per INSERT statement: stays under both engines' bound-parameter limits. */
const INSERT_CHUNK = 400;
/** Ids per `IN (…)` list. */
const LOOKUP_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The per-record columns of `inference_records` an insert binds, in order, with their PostgreSQL
 * types. `version_id` and `received_at` are the batch's own; `label`, `labelled_at` and `feedback`
 * are left to their NULL default (they are set when a label or feedback joins the record).
 */
const RECORD_COLUMNS = [
  ['record_id', 'text'],
  ['ts', 'text'],
  ['window_start', 'text'],
  ['input_sha256', 'text'],
  ['features', 'text'],
  ['prediction', 'text'],
  ['score', 'float8'],
  ['segment', 'text'],
  ['latency_ms', 'float8'],
  ['error', 'int4'],
] as const satisfies readonly (readonly [keyof InferenceRecordTable, string])[];
/** Columns most batches leave empty: bound only when a record of the batch has one (else NULL by default). */
const OPTIONAL_COLUMNS = [
  ['signals', 'text'],
  ['attributions', 'text'],
  ['probe_of', 'text'],
] as const satisfies readonly (readonly [keyof InferenceRecordTable, string])[];

type RecordColumn = (typeof RECORD_COLUMNS)[number][0] | (typeof OPTIONAL_COLUMNS)[number][0];
/** A record to insert: every per-record column given (null where empty). */
export type InferenceRow = { [K in RecordColumn]: InferenceRecordTable[K] };

type Columns = readonly (readonly [RecordColumn, string])[];
const BASE: Columns = RECORD_COLUMNS;
const FULL: Columns = [...RECORD_COLUMNS, ...OPTIONAL_COLUMNS];
const ON_CONFLICT = 'on conflict (version_id, record_id) do nothing returning record_id';
const columnList = (columns: Columns) =>
  ['version_id', 'received_at', ...columns.map(([name]) => name)].join(', ');

/**
 * PostgreSQL: the whole batch in one statement whatever its size, the batch's version and
 * receipt time as two parameters and one array per record column, so the text never changes
 * and is prepared once per connection.
 */
function postgresInsert(columns: Columns): string {
  const arrays = columns.map(([, type], i) => `$${i + 3}::${type}[]`).join(', ');
  const text = `insert into inference_records (${columnList(columns)}) select $1::text, $2::text, r.* from unnest(${arrays}) as r ${ON_CONFLICT}`;
  nameStatement(text);
  return text;
}
const POSTGRES_INSERT = new Map([BASE, FULL].map((columns) => [columns, postgresInsert(columns)]));

/** SQLite: a multi-row VALUES insert; its text depends only on the columns and the row count, so it is prepared once per count. */
const sqliteInserts = new Map<Columns, Map<number, string>>([
  [BASE, new Map()],
  [FULL, new Map()],
]);
function sqliteInsert(columns: Columns, rows: number): string {
  const byCount = sqliteInserts.get(columns)!;
  let text = byCount.get(rows);
  if (!text) {
    const row = `(${Array.from({ length: columns.length + 2 }, () => '?').join(', ')})`;
    text = `insert into inference_records (${columnList(columns)}) values ${Array.from({ length: rows }, () => row).join(', ')} ${ON_CONFLICT}`;
    byCount.set(rows, text);
  }
  return text;
}

/**
 * Inserts a batch's inference records for `versionId`, received at `receivedAt`, skipping ids the
 * version already has; returns the ids actually inserted (a retried batch inserts nothing and so
 * counts nothing twice). The statement text is fixed (no query building per batch): one `unnest`
 * insert on PostgreSQL, multi-row inserts of {@link INSERT_CHUNK} rows on SQLite.
 */
export async function insertInferenceRecords(
  db: Executor,
  engine: 'sqlite' | 'postgres',
  versionId: string,
  receivedAt: string,
  rows: InferenceRow[],
): Promise<Set<string>> {
  const inserted = new Set<string>();
  // One key order for every batch, so concurrent batches with shared ids wait instead of deadlocking.
  const ordered = [...rows].sort((a, b) =>
    a.record_id < b.record_id ? -1 : a.record_id > b.record_id ? 1 : 0,
  );
  if (ordered.length === 0) return inserted;
  const columns = ordered.some((r) => r.signals !== null || r.attributions !== null || r.probe_of !== null)
    ? FULL
    : BASE;
  if (engine === 'postgres') {
    const values: unknown[] = [versionId, receivedAt];
    for (const [name] of columns) values.push(ordered.map((row) => row[name]));
    const result = await db.executeQuery<{ record_id: string }>(
      CompiledQuery.raw(POSTGRES_INSERT.get(columns)!, values),
    );
    for (const r of result.rows) inserted.add(r.record_id);
    return inserted;
  }
  for (const chunk of chunks(ordered, INSERT_CHUNK)) {
    const values: unknown[] = [];
    for (const row of chunk) {
      values.push(versionId, receivedAt);
      for (const [name] of columns) values.push(row[name]);
    }
    const result = await db.executeQuery<{ record_id: string }>(
      CompiledQuery.raw(sqliteInsert(columns, chunk.length), values),
    );
    for (const r of result.rows) inserted.add(r.record_id);
  }
  return inserted;
}

export type JoinRow = Pick<
  Selectable<InferenceRecordTable>,
  'record_id' | 'window_start' | 'prediction' | 'score' | 'segment' | 'label' | 'feedback'
>;

/** The columns a label or feedback needs from the records it joins. */
export async function findRecordsForJoin(
  db: Executor,
  versionId: string,
  recordIds: readonly string[],
): Promise<Map<string, JoinRow>> {
  const out = new Map<string, JoinRow>();
  for (const chunk of chunks(recordIds, LOOKUP_CHUNK)) {
    const rows = await db
      .selectFrom('inference_records')
      .select(['record_id', 'window_start', 'prediction', 'score', 'segment', 'label', 'feedback'])
      .where('version_id', '=', versionId)
      .where('record_id', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.record_id, r);
  }
  return out;
}

/**
 * Sets the labels (or feedback, or signals) of many records in one statement per chunk, only where the
 * record has none yet; returns the ids this call set. The condition is re-checked under the
 * row lock, so two concurrent batches never both count the same record.
 */
export async function setJoinedValues(
  db: Executor,
  column: 'label' | 'feedback' | 'signals',
  versionId: string,
  values: ReadonlyMap<string, string>,
  at: string,
): Promise<Set<string>> {
  const set = new Set<string>();
  for (const chunk of chunks([...values.keys()], 300)) {
    const rows = await db
      .updateTable('inference_records')
      .set(() => {
        const expression = sql<string>`case ${sql.join(
          chunk.map((id) => sql`when record_id = ${id} then ${values.get(id)!}`),
          sql` `,
        )} end`;
        if (column === 'label') return { label: expression, labelled_at: at };
        return column === 'feedback' ? { feedback: expression } : { signals: expression };
      })
      .where('version_id', '=', versionId)
      .where('record_id', 'in', chunk)
      .where(column, 'is', null)
      .returning('record_id')
      .execute();
    for (const r of rows) set.add(r.record_id);
  }
  return set;
}

/** Keeps labels, feedback or signals whose record has not arrived yet; returns the ids newly kept. */
export async function insertPending(
  db: Executor,
  rows: Insertable<MonitoringPendingTable>[],
): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const chunk of chunks(rows, INSERT_CHUNK)) {
    const result = await db
      .insertInto('monitoring_pending')
      .values(chunk)
      .onConflict((oc) => oc.columns(['version_id', 'record_id', 'kind']).doNothing())
      .returning('record_id')
      .execute();
    for (const r of result) inserted.add(r.record_id);
  }
  return inserted;
}

/** Takes (reads and deletes) the pending labels, feedback and signals of newly arrived records. */
export async function takePending(
  db: Executor,
  versionId: string,
  recordIds: readonly string[],
): Promise<Selectable<MonitoringPendingTable>[]> {
  const any = await db
    .selectFrom('monitoring_pending')
    .select('record_id')
    .where('version_id', '=', versionId)
    .limit(1)
    .executeTakeFirst();
  if (!any) return [];
  const out: Selectable<MonitoringPendingTable>[] = [];
  for (const chunk of chunks(recordIds, LOOKUP_CHUNK)) {
    const rows = await db
      .selectFrom('monitoring_pending')
      .selectAll()
      .where('version_id', '=', versionId)
      .where('record_id', 'in', chunk)
      .execute();
    if (rows.length === 0) continue;
    out.push(...rows);
    await db
      .deleteFrom('monitoring_pending')
      .where('version_id', '=', versionId)
      .where(
        'record_id',
        'in',
        rows.map((r) => r.record_id),
      )
      .execute();
  }
  return out;
}

/** A profile increment for one (window, segment) of a version. */
export interface ProfileDelta {
  windowStart: string;
  segment: string;
  profile: WindowProfile;
}

/**
 * Folds profile increments into the stored window profiles, inside the caller's transaction.
 * Existing rows are read under a row lock (PostgreSQL) so concurrent batches never lose an
 * update; rows another batch created meanwhile are re-read and merged.
 */
export async function mergeWindowProfiles(
  db: Executor,
  rowLocks: boolean,
  versionId: string,
  deltas: Iterable<ProfileDelta>,
  now: string,
): Promise<void> {
  const byWindow = new Map<string, ProfileDelta[]>();
  for (const d of deltas) {
    const list = byWindow.get(d.windowStart) ?? [];
    list.push(d);
    byWindow.set(d.windowStart, list);
  }
  // Windows and segments in key order: concurrent batches lock profile rows in the same order.
  for (const windowStart of [...byWindow.keys()].sort()) {
    const list = byWindow
      .get(windowStart)!
      .sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0));
    const segments = list.map((d) => d.segment);
    const select = () => {
      const q = db
        .selectFrom('monitoring_windows')
        .select(['segment', 'profile'])
        .where('version_id', '=', versionId)
        .where('window_start', '=', windowStart)
        .where('segment', 'in', segments);
      return rowLocks ? q.forUpdate() : q;
    };
    const existing = new Map((await select().execute()).map((r) => [r.segment, r.profile]));
    const fresh = list.filter((d) => !existing.has(d.segment));
    let raced: ProfileDelta[] = [];
    if (fresh.length > 0) {
      const inserted = new Set(
        (
          await db
            .insertInto('monitoring_windows')
            .values(
              fresh.map((d) => ({
                version_id: versionId,
                window_start: windowStart,
                segment: d.segment,
                records: d.profile.records,
                profile: JSON.stringify(d.profile.toJSON()),
                updated_at: now,
              })),
            )
            .onConflict((oc) => oc.columns(['version_id', 'window_start', 'segment']).doNothing())
            .returning('segment')
            .execute()
        ).map((r) => r.segment),
      );
      raced = fresh.filter((d) => !inserted.has(d.segment));
      if (raced.length > 0) {
        for (const r of await select().execute()) existing.set(r.segment, r.profile);
      }
    }
    for (const d of [...list.filter((x) => !fresh.includes(x)), ...raced]) {
      const key = `${versionId}\u0000${windowStart}\u0000${d.segment}`;
      const stored = takeProfile(key, existing.get(d.segment)!);
      stored.merge(d.profile);
      const text = JSON.stringify(stored.toJSON());
      await db
        .updateTable('monitoring_windows')
        .set({ records: stored.records, profile: text, updated_at: now })
        .where('version_id', '=', versionId)
        .where('window_start', '=', windowStart)
        .where('segment', '=', d.segment)
        .execute();
      keepProfile(key, text, stored);
    }
  }
}

/**
 * Profiles this process wrote last, by (version, window, segment), with the exact text written.
 * A batch that reads back that same text takes the object instead of parsing it again (the hot
 * window of a stream is rewritten by every batch). The text is the check: after a rollback,
 * or a write by another server, the stored text differs and is parsed as usual.
 */
const profileCache = new Map<string, { text: string; profile: WindowProfile }>();
const PROFILE_CACHE_SIZE = 64;

/** The stored profile `text` as an object to merge into; the cached entry is taken out while in use. */
function takeProfile(key: string, text: string): WindowProfile {
  const cached = profileCache.get(key);
  profileCache.delete(key);
  return cached !== undefined && cached.text === text ? cached.profile : WindowProfile.parse(text);
}

function keepProfile(key: string, text: string, profile: WindowProfile): void {
  if (profileCache.size >= PROFILE_CACHE_SIZE) profileCache.delete(profileCache.keys().next().value!);
  profileCache.set(key, { text, profile });
}

/** Stored window profiles of some versions between two instants (window starts in [from, to)). */
export async function findWindowRows(
  db: Executor,
  versionIds: readonly string[],
  from: string,
  to: string,
): Promise<Selectable<MonitoringWindowTable>[]> {
  if (versionIds.length === 0) return [];
  return db
    .selectFrom('monitoring_windows')
    .selectAll()
    .where('version_id', 'in', versionIds)
    .where('window_start', '>=', from)
    .where('window_start', '<', to)
    .execute();
}

import { sql, type Insertable, type Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
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
 * Inserts inference records, skipping ids the version already has; returns the ids actually
 * inserted (a retried batch inserts nothing and so counts nothing twice).
 */
export async function insertInferenceRecords(
  db: Executor,
  rows: Insertable<InferenceRecordTable>[],
): Promise<Set<string>> {
  const inserted = new Set<string>();
  // One key order for every batch, so concurrent batches with shared ids wait instead of deadlocking.
  const ordered = [...rows].sort((a, b) =>
    a.record_id < b.record_id ? -1 : a.record_id > b.record_id ? 1 : 0,
  );
  for (const chunk of chunks(ordered, INSERT_CHUNK)) {
    const result = await db
      .insertInto('inference_records')
      .values(chunk)
      .onConflict((oc) => oc.columns(['version_id', 'record_id']).doNothing())
      .returning('record_id')
      .execute();
    for (const r of result) inserted.add(r.record_id);
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
 * Sets the labels (or feedback) of many records in one statement per chunk, only where the
 * record has none yet; returns the ids this call set. The condition is re-checked under the
 * row lock, so two concurrent batches never both count the same record.
 */
export async function setJoinedValues(
  db: Executor,
  column: 'label' | 'feedback',
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
        return column === 'label' ? { label: expression, labelled_at: at } : { feedback: expression };
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

/** Keeps labels or feedback whose record has not arrived yet; returns the ids newly kept. */
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

/** Takes (reads and deletes) the pending labels and feedback of newly arrived records. */
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
      const stored = WindowProfile.parse(existing.get(d.segment)!);
      stored.merge(d.profile);
      await db
        .updateTable('monitoring_windows')
        .set({ records: stored.records, profile: JSON.stringify(stored.toJSON()), updated_at: now })
        .where('version_id', '=', versionId)
        .where('window_start', '=', windowStart)
        .where('segment', '=', d.segment)
        .execute();
    }
  }
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

import { PostgresAdapter } from 'kysely';
import type { Executor } from './database.js';

/** The most keys one statement answers; more waiting reads are split over several statements. */
const MAX_BATCH = 64;

interface Waiting<Key, Row> {
  key: Key;
  resolve: (rows: Row[]) => void;
  reject: (error: unknown) => void;
}

/**
 * A hot lookup by key whose concurrent calls on PostgreSQL share one statement: the reads that
 * arrive in the same turn of the event loop are answered by one query over arrays of their keys,
 * one round trip and one implicit transaction instead of one per read. Each statement starts
 * after every read it answers arrived, so no read is answered from before it was asked (nothing is
 * kept between statements). A lone read, a read inside a transaction (which must see the
 * transaction's own writes) and every read on SQLite (no round trip to save) run `one` directly.
 *
 * `many` receives the waiting keys and answers rows tagged with the index of the key they answer.
 */
export function batchedQuery<Key, Row>(
  one: (db: Executor, key: Key) => Promise<Row[]>,
  many: (db: Executor, keys: Key[]) => Promise<{ index: number; row: Row }[]>,
): (db: Executor, key: Key) => Promise<Row[]> {
  const waiting = new WeakMap<Executor, Waiting<Key, Row>[]>();

  const answer = async (db: Executor, batch: Waiting<Key, Row>[]) => {
    try {
      if (batch.length === 1) {
        batch[0]!.resolve(await one(db, batch[0]!.key));
        return;
      }
      const rows: Row[][] = batch.map(() => []);
      for (const { index, row } of await many(
        db,
        batch.map((w) => w.key),
      ))
        rows[index]!.push(row);
      batch.forEach((w, i) => w.resolve(rows[i]!));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };

  const flush = (db: Executor) => {
    const all = waiting.get(db) ?? [];
    waiting.delete(db);
    for (let start = 0; start < all.length; start += MAX_BATCH)
      void answer(db, all.slice(start, start + MAX_BATCH));
  };

  return (db, key) => {
    if (db.isTransaction || !(db.getExecutor().adapter instanceof PostgresAdapter)) return one(db, key);
    return new Promise<Row[]>((resolve, reject) => {
      let queue = waiting.get(db);
      if (!queue) {
        queue = [];
        waiting.set(db, queue);
        setImmediate(flush, db);
      }
      queue.push({ key, resolve, reject });
    });
  };
}

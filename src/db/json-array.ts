import { PostgresAdapter } from 'kysely';
import { jsonArrayFrom as postgresJsonArrayFrom } from 'kysely/helpers/postgres';
import { jsonArrayFrom as sqliteJsonArrayFrom } from 'kysely/helpers/sqlite';
import type { Executor } from './database.js';

/**
 * A correlated subquery's rows as one JSON array column, in the dialect of `db`, so that a row and
 * its children come back from one query (one round trip on PostgreSQL). The column arrives parsed
 * on PostgreSQL and as JSON text on SQLite: read it with {@link parseJsonArray}.
 */
export function jsonArrayFrom<O>(
  db: Executor,
  subquery: Parameters<typeof sqliteJsonArrayFrom<O>>[0],
): ReturnType<typeof sqliteJsonArrayFrom<O>> {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? postgresJsonArrayFrom(subquery)
    : sqliteJsonArrayFrom(subquery);
}

/** A column built by {@link jsonArrayFrom}, whichever store answered. */
export function parseJsonArray<O>(value: O[] | string): O[] {
  return typeof value === 'string' ? (JSON.parse(value) as O[]) : value;
}

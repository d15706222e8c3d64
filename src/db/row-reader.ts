import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import SqliteDatabase from './sqlite-driver.js';
import { notFound } from '../core/errors.js';

/**
 * Read-only access to a store's rows as arrays, without the query builder. Offline scans that
 * read every row (audit verification, on the command line and on worker threads) use it: it opens
 * an existing store read-only (a SQLite file opened read-only, a PostgreSQL session whose
 * transactions are read-only) and never creates, migrates or writes one. A {@link Store} is one as well.
 */
export interface RowReader {
  /** Runs a query written with `?` placeholders; rows come back as arrays in column order. */
  queryArrays(sql: string, params: ReadonlyArray<string | number>): Promise<unknown[][]>;
  close(): Promise<void>;
}

/** Opens the store named by a data folder (embedded SQLite) or a PostgreSQL URL, for reading. */
export async function openRowReader(options: {
  dataDir: string;
  databaseUrl?: string | undefined;
}): Promise<RowReader> {
  if (options.databaseUrl) return openPostgresReader(options.databaseUrl);
  const file = path.join(options.dataDir, 'warden.db');
  if (!fs.existsSync(file))
    throw notFound(`no Warden store in ${options.dataDir} (give --data-dir or --database-url)`);
  const sqlite = new SqliteDatabase(file, { fileMustExist: true, readonly: true });
  sqlite.pragma('busy_timeout = 10000');
  return {
    queryArrays: sqliteArrayQuery(sqlite),
    close() {
      sqlite.close();
      return Promise.resolve();
    },
  };
}

async function openPostgresReader(url: string): Promise<RowReader> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Every statement of this session runs in a read-only transaction, so no query can change the store.
  await client.query('set session characteristics as transaction read only');
  return {
    queryArrays: postgresArrayQuery(client),
    close: () => client.end(),
  };
}

/** `queryArrays` on a SQLite connection: each SQL text prepared once, rows as arrays. */
export function sqliteArrayQuery(sqlite: BetterSqlite3.Database): RowReader['queryArrays'] {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return (sql, params) => {
    try {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql).raw(true);
        statements.set(sql, statement);
      }
      return Promise.resolve(statement.all(...params) as unknown[][]);
    } catch (error) {
      // A statement SQLite refuses rejects the promise, as on PostgreSQL, rather than throwing at the call.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/** `queryArrays` on a PostgreSQL pool or client: `?` placeholders become `$1`, `$2`, …. */
export function postgresArrayQuery(client: Pick<pg.ClientBase, 'query'>): RowReader['queryArrays'] {
  return async (sql, params) => {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    const result = await client.query({ text, values: [...params], rowMode: 'array' });
    return result.rows as unknown[][];
  };
}

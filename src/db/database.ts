import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import SqliteDatabase from './sqlite-driver.js';
import { Kysely, PostgresDialect, SqliteDialect, type PostgresPool, type Transaction } from 'kysely';
import pg from 'pg';
import { postgresArrayQuery, sqliteArrayQuery, type RowReader } from './row-reader.js';
import type { Database } from './schema.js';
import { statementName } from './statement-names.js';
import { EventLoopSlices } from './event-loop-slices.js';

/**
 * What differs between the two engines, declared once. Services ask these questions instead
 * of testing which engine they run on.
 */
export interface StoreCapabilities {
  readonly engine: 'sqlite' | 'postgres';
  /** Row locks (`FOR UPDATE`, `SKIP LOCKED`) exist; on SQLite a write transaction already excludes others. */
  readonly rowLocks: boolean;
  /** Several server processes may share this store. */
  readonly multiNode: boolean;
}

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either the database or an open transaction: repositories take this first. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Store extends RowReader {
  readonly db: Db;
  readonly capabilities: StoreCapabilities;
  readonly location: string;
  /**
   * Runs `fn` while holding the store's schema lock across processes. PostgreSQL's migrator
   * already takes an advisory lock; for SQLite this holds an IMMEDIATE transaction on the
   * connection, which also makes the schema change atomic.
   */
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
}

// PostgreSQL returns int8 and numeric as strings; Warden's counters and sizes fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const STATEMENT_CACHE_SIZE = 512;

/**
 * Reuses prepared statements by SQL text (Kysely prepares every query afresh; on the hot read
 * paths preparing costs more than running) and begins transactions IMMEDIATE. Statements are
 * reused only one at a time because the SQLite driver serialises queries on its single connection.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') return Reflect.get(target, prop, receiver) as unknown;
      return (text: string) => {
        // Transactions take the write lock when they begin: a deferred transaction that later
        // writes can fail at once with SQLITE_BUSY when another process (`warden init` beside a
        // running server) writes too, whereas an IMMEDIATE one waits its turn (busy_timeout).
        const source = text === 'begin' ? 'begin immediate' : text;
        let statement = cache.get(source);
        if (!statement) {
          if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
          statement = target.prepare(source);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}

/**
 * Runs `step`, again after a short pause while SQLite answers SQLITE_BUSY. Two processes switching a
 * new database file to WAL at the same moment both hold a shared lock and want an exclusive one;
 * SQLite then refuses one of them at once, without waiting (waiting could deadlock), however long
 * the busy timeout. Trying again from scratch lets it wait its turn like any other writer.
 */
export function retryWhileBusy<T>(step: () => T, attempts = 50, pauseMs = 20): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return step();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= attempts) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs * Math.min(attempt, 5));
    }
  }
}

/**
 * How SQLite makes a commit durable: `full` (the default) syncs the write-ahead log at every commit,
 * so an acknowledged write survives power loss; `normal` syncs only at checkpoints, faster, but the
 * last commits can be lost if the machine (not only the process) stops.
 */
export type SqliteSynchronous = 'full' | 'normal';

/**
 * The data folder holds the database, artifacts and keys: only its owner may enter it (0700), and
 * the database and its write-ahead log are created readable by the owner alone (0600; SQLite gives
 * the log and shared-memory files the database file's mode).
 */
function restrictToOwner(dataDir: string, file: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.chmodSync(f, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** Opens the embedded SQLite file under `dataDir`, in WAL mode with foreign keys enforced. */
export function openSqliteStore(
  dataDir: string,
  fileName = 'warden.db',
  options: { synchronous?: SqliteSynchronous } = {},
): Store {
  const file = path.join(dataDir, fileName);
  restrictToOwner(dataDir, file);
  const sqlite = retryWhileBusy(() => {
    const opened = new SqliteDatabase(file);
    try {
      // Wait for another process's write lock instead of failing at once; set before anything that locks.
      opened.pragma('busy_timeout = 10000');
      opened.pragma('journal_mode = WAL');
      return opened;
    } catch (error) {
      opened.close();
      throw error;
    }
  });
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'full'}`);
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    plugins: [new EventLoopSlices(() => sqlite.inTransaction)],
  });
  return {
    db,
    capabilities: { engine: 'sqlite', rowLocks: false, multiNode: false },
    location: file,
    async runExclusive(fn) {
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn();
        sqlite.exec('COMMIT');
        return result;
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw error;
      }
    },
    queryArrays: sqliteArrayQuery(sqlite),
    close: () => db.destroy(),
  };
}

/**
 * The pool as Kysely sees it, with the texts marked by `nameStatement` sent as named statements:
 * PostgreSQL parses and plans them once per connection, and each later call is bind and execute.
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((text: unknown, values?: unknown[]) => {
          const name = typeof text === 'string' ? statementName(text) : undefined;
          return name
            ? client.query({ name, text: text as string, values: values ?? [] })
            : client.query(text as string, values);
        }) as typeof client.query,
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}

/** Opens a PostgreSQL store; any number of servers may share it. */
export function openPostgresStore(url: string, poolSize = 10): Store {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection can be closed by the server (restart, failover, an administrator). The pool
  // drops it and opens another on demand; without this listener the error would end the process.
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') console.error(`PostgreSQL: idle connection lost: ${error.message}`);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
  return {
    db,
    capabilities: { engine: 'postgres', rowLocks: true, multiNode: true },
    location: url.replace(/:[^:@/]*@/, ':***@'),
    runExclusive: (fn) => fn(),
    queryArrays: postgresArrayQuery(pool),
    close: () => db.destroy(),
  };
}

export function openStore(options: {
  dataDir: string;
  databaseUrl?: string | undefined;
  sqliteSynchronous?: SqliteSynchronous;
}): Store {
  return options.databaseUrl
    ? openPostgresStore(options.databaseUrl)
    : openSqliteStore(options.dataDir, 'warden.db', {
        ...(options.sqliteSynchronous ? { synchronous: options.sqliteSynchronous } : {}),
      });
}

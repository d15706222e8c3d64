import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);

/**
 * The SQLite driver (better-sqlite3) that works on the running Node.js. Release 13 is built on
 * Node-API and is the one for Node 22 and later: release 12 wraps its objects in the old
 * `node::ObjectWrap`, whose destructor aborts the process on Node 24.19 and later when a statement
 * is collected after its environment has gone (at exit, or when a worker thread ends). Release 13
 * does not run on Node 20, so there release 12 is loaded, installed under the name
 * `better-sqlite3-node20`.
 */
const SqliteDatabase = require(
  nodeMajor >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20',
) as typeof BetterSqlite3;

export default SqliteDatabase;

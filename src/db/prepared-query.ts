import { CompiledQuery, PostgresAdapter, type Compilable } from 'kysely';
import type { Executor } from './database.js';
import { nameStatement } from './statement-names.js';

/**
 * A query on a hot path, built and compiled once per SQL dialect and then run with new
 * parameters. Building a Kysely query costs more than running it on the embedded store, so a
 * read that answers thousands of times a second compiles its SQL only the first time.
 *
 * On PostgreSQL the compiled text is also a named statement, prepared once per connection.
 *
 * `build` receives placeholder values in place of the parameters; each placeholder must reach
 * the SQL as a bound parameter (not as an identifier or a list), which the first compile checks.
 */
export function preparedQuery<Row, Params extends unknown[]>(
  arity: Params['length'],
  build: (db: Executor, ...params: Params) => Compilable<Row>,
): (db: Executor, ...params: Params) => Promise<Row[]> {
  const compiled = new WeakMap<object, { sql: string; order: number[] }>();
  const placeholders = Array.from({ length: arity }, (_, i) => `\u0000prepared-param-${i}\u0000`);

  const compile = (db: Executor) => {
    const query = build(db, ...(placeholders as Params)).compile();
    const order = query.parameters.map((p) => {
      const index = placeholders.indexOf(p as string);
      if (index < 0) throw new Error(`prepared query has a constant parameter: ${query.sql}`);
      return index;
    });
    if (new Set(order).size !== arity)
      throw new Error(`prepared query does not bind every parameter: ${query.sql}`);
    return { sql: query.sql, order };
  };

  return async (db, ...params) => {
    const adapter = db.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (!entry) {
      entry = compile(db);
      if (adapter instanceof PostgresAdapter) nameStatement(entry.sql);
      compiled.set(adapter, entry);
    }
    const values = entry.order.map((i) => params[i]);
    const result = await db.executeQuery<Row>(CompiledQuery.raw(entry.sql, values));
    return result.rows;
  };
}

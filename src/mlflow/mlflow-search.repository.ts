import { sql, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../db/database.js';
import type { Database } from '../db/schema.js';
import {
  compareStrings,
  matchesFilter,
  PROMPT_TAG,
  type FilterClause,
  type FilterEntity,
  type FilterSubject,
  type OrderKey,
} from './mlflow-filter.js';
import {
  hydrateModels,
  selectModels,
  selectVersions,
  toVersionRecord,
  type MlflowModelRecord,
  type MlflowVersionRecord,
} from './mlflow.repository.js';

/** Where a page ends: the order keys' values of its last row (the row's id last). */
export type SearchCursor = Array<string | number>;

/** One page of a search: what matched, in order, and the cursor of the next page if there is one. */
export interface SearchPage<T> {
  items: T[];
  next: SearchCursor | undefined;
}

/** What a search reads per query; a filter checked only after reading may need several. */
const CHUNK = 1000;

/** The SQL of each sortable or filterable attribute, as MLflow names it. */
const EXPRESSIONS: Record<FilterEntity, Record<string, RawBuilder<string | number>>> = {
  models: {
    name: sql`coalesce(${sql.ref('mlflow_models.name')}, ${sql.ref('models.name')})`,
    creation_timestamp: sql`${sql.ref('models.created_at')}`,
    last_updated_timestamp: sql`${sql.ref('models.updated_at')}`,
    id: sql`${sql.ref('models.id')}`,
  },
  versions: {
    name: sql`coalesce(${sql.ref('mlflow_models.name')}, ${sql.ref('models.name')})`,
    version_number: sql`${sql.ref('mlflow_versions.number')}`,
    creation_timestamp: sql`${sql.ref('mlflow_versions.created_at')}`,
    // The later of the MLflow view's change and the Warden version's (a stage move, a tag).
    last_updated_timestamp: sql`(case when ${sql.ref('mlflow_versions.updated_at')} > ${sql.ref(
      'model_versions.updated_at',
    )} then ${sql.ref('mlflow_versions.updated_at')} else ${sql.ref('model_versions.updated_at')} end)`,
    run_id: sql`${sql.ref('mlflow_versions.run_id')}`,
    source_path: sql`${sql.ref('mlflow_versions.source')}`,
    id: sql`${sql.ref('mlflow_versions.version_id')}`,
  },
};

const TIMESTAMPS = new Set(['creation_timestamp', 'last_updated_timestamp']);

/** The order keys with the row id as the final tie-break, so every row has one place. */
export function cursorKeys(order: readonly OrderKey[]): OrderKey[] {
  return [...order, { key: 'id', descending: false }];
}

/** Milliseconds as the stored ISO-8601 text, or undefined outside the dates JavaScript can write. */
function isoOf(millis: number): string | undefined {
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 || date.getUTCFullYear() < 0
    ? undefined
    : date.toISOString();
}

/**
 * A string comparison in SQL that keeps every row the exact comparison keeps (the exact check
 * runs after reading). PostgreSQL's LIKE and ILIKE are exact with the escape character switched
 * off; SQLite's LIKE ignores ASCII case, so it narrows LIKE, and ILIKE only for an ASCII pattern.
 */
function stringCondition(
  expr: RawBuilder<unknown>,
  comparator: string,
  value: string,
  engine: 'sqlite' | 'postgres',
): RawBuilder<SqlBool> | undefined {
  switch (comparator) {
    case '=':
      return sql<SqlBool>`${expr} = ${value}`;
    case '!=':
      return sql<SqlBool>`${expr} <> ${value}`;
    case 'LIKE':
      return engine === 'postgres'
        ? sql<SqlBool>`${expr} like ${value} escape ''`
        : sql<SqlBool>`${expr} like ${value}`;
    case 'ILIKE':
      if (engine === 'postgres') return sql<SqlBool>`${expr} ilike ${value} escape ''`;
      // eslint-disable-next-line no-control-regex -- ASCII is what SQLite's LIKE folds
      return /^[\u0000-\u007f]*$/.test(value) ? sql<SqlBool>`${expr} like ${value}` : undefined;
    default:
      return undefined;
  }
}

const NUMERIC_OPERATORS: Record<string, string> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/** The SQL a clause narrows the read by (undefined when it is checked only after reading). */
function clauseCondition(
  clause: FilterClause,
  entity: FilterEntity,
  engine: 'sqlite' | 'postgres',
): RawBuilder<SqlBool> | undefined {
  if (clause.kind === 'tag') {
    // Version tags live in the version's JSON; they are checked after reading.
    if (entity === 'versions') return undefined;
    const value = stringCondition(sql.ref('t.value'), clause.comparator, clause.value, engine);
    const having = sql<SqlBool>`exists (select 1 from model_tags t where t.model_id = ${sql.ref(
      'models.id',
    )} and t.key = ${clause.key}${value ? sql` and ${value}` : sql``})`;
    // A model without the prompt tag counts as `'false'`.
    if (clause.key === PROMPT_TAG && compareStrings('false', clause.comparator, clause.value))
      return sql<SqlBool>`(${having} or not exists (select 1 from model_tags t where t.model_id = ${sql.ref(
        'models.id',
      )} and t.key = ${clause.key}))`;
    return having;
  }
  const expr = EXPRESSIONS[entity][clause.key];
  if (!expr) return undefined;
  if (clause.comparator === 'IN') {
    const values = clause.value as string[];
    return sql<SqlBool>`${expr} in (${sql.join(values)})`;
  }
  if (typeof clause.value === 'number') {
    const operator = NUMERIC_OPERATORS[clause.comparator];
    if (!operator) return undefined;
    const value = TIMESTAMPS.has(clause.key) ? isoOf(clause.value) : clause.value;
    if (value === undefined) return undefined;
    return sql<SqlBool>`${expr} ${sql.raw(operator)} ${value}`;
  }
  return stringCondition(expr, clause.comparator, clause.value as string, engine);
}

/** Rows strictly after the cursor in the order of `keys`. */
function afterCursor(
  entity: FilterEntity,
  keys: readonly OrderKey[],
  cursor: SearchCursor,
): RawBuilder<SqlBool> {
  const alternatives = keys.map((key, i) => {
    const equal = keys
      .slice(0, i)
      .map((k, j) => sql<SqlBool>`${EXPRESSIONS[entity][k.key]!} = ${cursor[j]!}`);
    const beyond = sql<SqlBool>`${EXPRESSIONS[entity][key.key]!} ${sql.raw(key.descending ? '<' : '>')} ${
      cursor[i]!
    }`;
    return sql<SqlBool>`(${sql.join([...equal, beyond], sql` and `)})`;
  });
  return sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`;
}

interface Scanned<T> {
  record: T;
  subject: FilterSubject;
  cursor: SearchCursor;
}

/**
 * Reads in the order of `keys` from `start`, a chunk per query, keeps the rows that meet every
 * clause, and stops once it has `max` of them and knows whether one more exists.
 */
async function scan<T>(
  read: (cursor: SearchCursor | undefined, limit: number) => Promise<Array<Scanned<T>>>,
  clauses: readonly FilterClause[],
  start: SearchCursor | undefined,
  max: number,
): Promise<SearchPage<T>> {
  const items: Array<Scanned<T>> = [];
  const chunk = Math.min(max + 1, CHUNK);
  let cursor = start;
  for (;;) {
    const rows = await read(cursor, chunk);
    for (const row of rows) {
      cursor = row.cursor;
      if (!matchesFilter(clauses, row.subject)) continue;
      if (items.length === max) return { items: items.map((i) => i.record), next: items[max - 1]!.cursor };
      items.push(row);
    }
    if (rows.length < chunk) return { items: items.map((i) => i.record), next: undefined };
  }
}

function keyColumns(entity: FilterEntity, keys: readonly OrderKey[]) {
  return keys.map((k, i) => EXPRESSIONS[entity][k.key]!.as(`k${i}`));
}

function cursorOf(row: Record<string, unknown>, keys: readonly OrderKey[]): SearchCursor {
  return keys.map((_, i) => {
    const value = row[`k${i}`];
    return typeof value === 'number' ? value : String(value);
  });
}

function sqlConditions(
  clauses: readonly FilterClause[],
  entity: FilterEntity,
  engine: 'sqlite' | 'postgres',
): RawBuilder<SqlBool>[] {
  return clauses
    .map((c) => clauseCondition(c, entity, engine))
    .filter((c): c is RawBuilder<SqlBool> => c !== undefined);
}

/** Rows visible through MLflow, meeting the SQL part of the filter, after the cursor, in key order. */
function pageQuery<O>(
  base: SelectQueryBuilder<Database, 'mlflow_models', O>,
  entity: FilterEntity,
  keys: readonly OrderKey[],
  conditions: readonly RawBuilder<SqlBool>[],
  cursor: SearchCursor | undefined,
  limit: number,
) {
  let query = base
    .select(keyColumns(entity, keys))
    .where((eb) =>
      eb.or([eb('mlflow_models.name', 'is not', null), eb('mlflow_models.model_id', 'is', null)]),
    );
  for (const condition of conditions) query = query.where(condition);
  if (cursor) query = query.where(afterCursor(entity, keys, cursor));
  for (const [i, k] of keys.entries()) query = query.orderBy(sql.ref(`k${i}`), k.descending ? 'desc' : 'asc');
  return query.limit(limit);
}

/** Registered models visible through MLflow that meet the filter, a page in the given order. */
export async function searchModelPage(
  db: Executor,
  engine: 'sqlite' | 'postgres',
  clauses: readonly FilterClause[],
  order: readonly OrderKey[],
  start: SearchCursor | undefined,
  max: number,
): Promise<SearchPage<MlflowModelRecord>> {
  const keys = cursorKeys(order);
  const conditions = sqlConditions(clauses, 'models', engine);
  return scan(
    async (cursor, limit) => {
      const rows = await pageQuery(selectModels(db), 'models', keys, conditions, cursor, limit).execute();
      const records = await hydrateModels(db, rows);
      return records.map((m, i) => ({
        record: m,
        cursor: cursorOf(rows[i] as unknown as Record<string, unknown>, keys),
        subject: {
          name: m.name,
          tags: m.tags,
          creation_timestamp: Date.parse(m.createdAt),
          last_updated_timestamp: Date.parse(m.updatedAt),
        },
      }));
    },
    clauses,
    start,
    max,
  );
}

/** Live model versions visible through MLflow that meet the filter, a page in the given order. */
export async function searchVersionPage(
  db: Executor,
  engine: 'sqlite' | 'postgres',
  clauses: readonly FilterClause[],
  order: readonly OrderKey[],
  start: SearchCursor | undefined,
  max: number,
): Promise<SearchPage<MlflowVersionRecord>> {
  const keys = cursorKeys(order);
  const conditions = sqlConditions(clauses, 'versions', engine);
  return scan(
    async (cursor, limit) => {
      const rows = await pageQuery(selectVersions(db), 'versions', keys, conditions, cursor, limit).execute();
      return rows.map((row) => {
        const v = toVersionRecord(row);
        return {
          record: v,
          cursor: cursorOf(row, keys),
          subject: {
            name: v.name,
            tags: v.tags,
            run_id: v.runId,
            source_path: v.source,
            version_number: v.number,
            creation_timestamp: Date.parse(v.createdAt),
            last_updated_timestamp: Date.parse(v.updatedAt),
          },
        };
      });
    },
    clauses,
    start,
    max,
  );
}

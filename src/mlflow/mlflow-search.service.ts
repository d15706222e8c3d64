import type { Executor } from '../db/database.js';
import { invalidParameter } from './mlflow.errors.js';
import { FilterError, parseFilter, parseOrderBy, type FilterEntity, type OrderKey } from './mlflow-filter.js';
import { registeredModelView, versionViews } from './mlflow-models.service.js';
import {
  cursorKeys,
  searchModelPage,
  searchVersionPage,
  type SearchCursor,
} from './mlflow-search.repository.js';

export interface SearchInput {
  filter?: string | undefined;
  maxResults?: number | undefined;
  orderBy: string[];
  pageToken?: string | undefined;
}

/** Result limits: MLflow's defaults and ceilings (SearchRegisteredModels 100 / 1000; SearchModelVersions 10000 / 200000). */
const LIMITS: Record<FilterEntity, { default: number; max: number }> = {
  models: { default: 100, max: 1000 },
  versions: { default: 10_000, max: 200_000 },
};

/** The order a cursor belongs to, written into its token so a token is not used with another order. */
function orderSignature(keys: readonly OrderKey[]): string {
  return keys.map((k) => `${k.key} ${k.descending ? 'desc' : 'asc'}`).join(',');
}

/**
 * The opaque page token: base64 of JSON holding where the previous page ended (the order keys'
 * values of its last row) and the order it was read in. The next page is read after that row in
 * SQL, so rows registered or deleted between pages neither repeat nor shift the pages.
 */
export function encodePageToken(keys: readonly OrderKey[], cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify({ after: cursor, order: orderSignature(keys) }), 'utf8').toString(
    'base64',
  );
}

export function decodePageToken(
  token: string | undefined,
  keys: readonly OrderKey[],
): SearchCursor | undefined {
  if (token === undefined || token === '') return undefined;
  let parsed: { after?: unknown; order?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      after?: unknown;
      order?: unknown;
    };
  } catch {
    parsed = undefined;
  }
  const after = parsed?.after;
  if (
    Array.isArray(after) &&
    after.length === keys.length &&
    after.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
  ) {
    if (parsed?.order !== orderSignature(keys))
      throw invalidParameter(
        `Invalid page token: it continues a search in another order (${String(parsed?.order)}); pass the same order_by`,
      );
    return after as SearchCursor;
  }
  throw invalidParameter(`Invalid page token: "${token.slice(0, 100)}"`);
}

function plan(entity: FilterEntity, input: SearchInput) {
  const limits = LIMITS[entity];
  const max = input.maxResults ?? limits.default;
  if (max < 1 || max > limits.max)
    throw invalidParameter(
      `Invalid value for request parameter max_results. It must be at most ${limits.max}, but got value ${max}`,
    );
  let clauses, order;
  try {
    clauses = parseFilter(input.filter, entity);
    order = parseOrderBy(input.orderBy, entity);
  } catch (error) {
    if (error instanceof FilterError)
      throw invalidParameter(`Invalid filter or order_by "${input.filter ?? ''}": ${error.message}`);
    throw error;
  }
  return { clauses, order, start: decodePageToken(input.pageToken, cursorKeys(order)), max };
}

/** SearchRegisteredModels: filtered, ordered and paged in SQL. */
export async function searchRegisteredModels(
  db: Executor,
  engine: 'sqlite' | 'postgres',
  input: SearchInput,
): Promise<Record<string, unknown>> {
  const p = plan('models', input);
  const page = await searchModelPage(db, engine, p.clauses, p.order, p.start, p.max);
  const views: Record<string, unknown>[] = [];
  for (const model of page.items) views.push(await registeredModelView(db, model));
  return {
    ...(views.length > 0 ? { registered_models: views } : {}),
    ...(page.next ? { next_page_token: encodePageToken(cursorKeys(p.order), page.next) } : {}),
  };
}

/** SearchModelVersions: filtered, ordered and paged in SQL. */
export async function searchModelVersions(
  db: Executor,
  engine: 'sqlite' | 'postgres',
  input: SearchInput,
): Promise<Record<string, unknown>> {
  const p = plan('versions', input);
  const page = await searchVersionPage(db, engine, p.clauses, p.order, p.start, p.max);
  const views = await versionViews(db, page.items);
  return {
    ...(views.length > 0 ? { model_versions: views } : {}),
    ...(page.next ? { next_page_token: encodePageToken(cursorKeys(p.order), page.next) } : {}),
  };
}

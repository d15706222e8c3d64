import type { ExpressionBuilder, Insertable, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Executor } from '../db/database.js';
import { jsonArrayFrom, parseJsonArray } from '../db/json-array.js';
import { preparedQuery } from '../db/prepared-query.js';
import type { PiiFinding } from '../pii/index.js';
import type { Consumer, Model } from './model.schema.js';
import type { ModelTable } from './registry.table.js';

type ModelRow = Selectable<ModelTable> & {
  champion_version: string | null;
  previous_champion_version: string | null;
  tag_rows: { key: string; value: string }[] | string;
};

export function toModel(row: ModelRow): Model {
  const tags: Record<string, string> = {};
  for (const t of parseJsonArray(row.tag_rows)) tags[t.key] = t.value;
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    owner: row.owner,
    team: row.team,
    riskTier: Number(row.risk_tier),
    useCase: row.use_case,
    intendedUse: row.intended_use,
    tags,
    consumers: JSON.parse(row.consumers) as Consumer[],
    championVersion: row.champion_version,
    previousChampionVersion: row.previous_champion_version,
    piiFindings: JSON.parse(row.pii_findings) as PiiFinding[],
    legalHold:
      row.legal_hold_at === null
        ? null
        : {
            reason: row.legal_hold_reason ?? '',
            placedAt: row.legal_hold_at,
            placedBy: row.legal_hold_by ?? '',
          },
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}

/**
 * Models with their champion versions and tags, in one query (one round trip on PostgreSQL).
 * Columns are named rather than `models.*` so that a column added later cannot change the shape of
 * a statement PostgreSQL keeps prepared.
 */
function selectModels(db: Executor) {
  return db
    .selectFrom('models')
    .select([
      'models.id',
      'models.name',
      'models.display_name',
      'models.description',
      'models.owner',
      'models.team',
      'models.risk_tier',
      'models.use_case',
      'models.intended_use',
      'models.consumers',
      'models.pii_findings',
      'models.champion_version_id',
      'models.previous_champion_version_id',
      'models.legal_hold_reason',
      'models.legal_hold_at',
      'models.legal_hold_by',
      'models.created_at',
      'models.created_by',
      'models.updated_at',
    ])
    .select((eb) => [
      eb
        .selectFrom('model_versions as cv')
        .select('cv.version')
        .whereRef('cv.id', '=', 'models.champion_version_id')
        .as('champion_version'),
      eb
        .selectFrom('model_versions as pv')
        .select('pv.version')
        .whereRef('pv.id', '=', 'models.previous_champion_version_id')
        .as('previous_champion_version'),
      jsonArrayFrom(
        db,
        eb
          .selectFrom('model_tags')
          .select(['model_tags.key', 'model_tags.value'])
          .whereRef('model_tags.model_id', '=', 'models.id')
          .orderBy('model_tags.key'),
      ).as('tag_rows'),
    ]);
}

// Every model read and every version write looks a model up by name: compiled once.
const modelByName = preparedQuery(1, (db, name: string) => selectModels(db).where('models.name', '=', name));

export async function findModelByName(db: Executor, name: string): Promise<Model | undefined> {
  const [row] = await modelByName(db, name);
  return row ? toModel(row) : undefined;
}

export interface ModelFilter {
  tier?: number | undefined;
  owner?: string | undefined;
  team?: string | undefined;
  /** `key` or `key=value` */
  tag?: string | undefined;
  stage?: string | undefined;
  q?: string | undefined;
  afterName?: string | undefined;
  limit: number;
}

/** Models ordered by name; returns up to `limit` rows (callers ask for one more to detect a next page). */
export async function findModels(db: Executor, f: ModelFilter): Promise<Model[]> {
  let q = selectModels(db);
  if (f.tier !== undefined) q = q.where('models.risk_tier', '=', f.tier);
  if (f.owner) q = q.where('models.owner', '=', f.owner);
  if (f.team) q = q.where('models.team', '=', f.team);
  if (f.tag) {
    const [key, ...rest] = f.tag.split('=');
    const value = rest.length ? rest.join('=') : undefined;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('model_tags as t')
          .select('t.key')
          .whereRef('t.model_id', '=', 'models.id')
          .where('t.key', '=', key!)
          .$if(value !== undefined, (qb) => qb.where('t.value', '=', value!)),
      ),
    );
  }
  if (f.stage) {
    const stage = f.stage;
    q = q.where((eb) => hasVersionInStage(eb, stage));
  }
  if (f.q) {
    const text = f.q;
    q = q.where((eb) => matchesModelText(eb, text));
  }
  if (f.afterName !== undefined) q = q.where('models.name', '>', f.afterName);
  const rows = await q.orderBy('models.name').limit(f.limit).execute();
  return rows.map(toModel);
}

export async function insertModel(
  db: Executor,
  row: Insertable<ModelTable>,
  tags: Record<string, string>,
): Promise<void> {
  await db.insertInto('models').values(row).execute();
  const rows = Object.entries(tags).map(([key, value]) => ({ model_id: row.id, key, value }));
  if (rows.length) await db.insertInto('model_tags').values(rows).execute();
}

export async function updateModel(
  db: Executor,
  id: string,
  changes: Partial<Omit<Insertable<ModelTable>, 'id' | 'name'>>,
): Promise<void> {
  await db.updateTable('models').set(changes).where('id', '=', id).execute();
}

export async function replaceTags(
  db: Executor,
  modelId: string,
  tags: Record<string, string>,
): Promise<void> {
  await db.deleteFrom('model_tags').where('model_id', '=', modelId).execute();
  const rows = Object.entries(tags).map(([key, value]) => ({ model_id: modelId, key, value }));
  if (rows.length) await db.insertInto('model_tags').values(rows).execute();
}

/** Models having at least one version in `stage`. */
export function hasVersionInStage(eb: ExpressionBuilder<Database, 'models'>, stage: string) {
  return eb.exists(
    eb
      .selectFrom('model_versions as v')
      .select('v.id')
      .whereRef('v.model_id', '=', 'models.id')
      .where('v.stage', '=', stage),
  );
}

/** Text in the name, display name, description or use case, case-insensitive. */
export function matchesModelText(eb: ExpressionBuilder<Database, 'models'>, text: string) {
  const needle = `%${text.toLowerCase().replace(/[%_]/g, '')}%`;
  return eb.or([
    eb(eb.fn('lower', ['models.name']), 'like', needle),
    eb(eb.fn('lower', ['models.display_name']), 'like', needle),
    eb(eb.fn('lower', ['models.description']), 'like', needle),
    eb(eb.fn('lower', ['models.use_case']), 'like', needle),
  ]);
}

import { sql } from 'kysely';
import type { Executor } from '../db/database.js';

/** A registered model as MLflow sees it: a Warden model under its MLflow name. */
export interface MlflowModelRecord {
  id: string;
  /** The Warden model's own name (its identity in the audit trail). */
  wardenName: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  tags: Record<string, string>;
  legalHold: { at: string; reason: string } | null;
  championVersionId: string | null;
  /** Null for a model registered through /api/v1 that MLflow has not numbered a version of. */
  lastVersion: number | null;
}

/** A model version as MLflow sees it: an MLflow number mapped onto a Warden version. */
export interface MlflowVersionRecord {
  versionId: string;
  modelId: string;
  name: string;
  number: number;
  /** The Warden semantic version. */
  semver: string;
  stage: string;
  tags: Record<string, string>;
  source: string;
  runId: string | null;
  runLink: string | null;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
}

const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export function selectModels(db: Executor) {
  return db
    .selectFrom('models')
    .leftJoin('mlflow_models', 'mlflow_models.model_id', 'models.id')
    .select([
      'models.id',
      'models.name as warden_name',
      'models.description',
      'models.created_at',
      'models.updated_at',
      'models.created_by',
      'models.legal_hold_at',
      'models.legal_hold_reason',
      'models.champion_version_id',
      'mlflow_models.model_id as mapped',
      'mlflow_models.name as mlflow_name',
      'mlflow_models.last_version',
    ]);
}
export type ModelRow = Awaited<ReturnType<ReturnType<typeof selectModels>['execute']>>[number];

export async function hydrateModels(db: Executor, rows: ModelRow[]): Promise<MlflowModelRecord[]> {
  const tags = new Map<string, Record<string, string>>(rows.map((r) => [r.id, {}]));
  for (const part of chunks(rows.map((r) => r.id))) {
    const found = await db.selectFrom('model_tags').selectAll().where('model_id', 'in', part).execute();
    for (const t of found) tags.get(t.model_id)![t.key] = t.value;
  }
  return rows.map((r) => ({
    id: r.id,
    wardenName: r.warden_name,
    name: r.mlflow_name ?? r.warden_name,
    description: r.description,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    createdBy: r.created_by,
    tags: tags.get(r.id)!,
    legalHold: r.legal_hold_at ? { at: r.legal_hold_at, reason: r.legal_hold_reason ?? '' } : null,
    championVersionId: r.champion_version_id,
    lastVersion: r.mapped === null ? null : Number(r.last_version),
  }));
}

/**
 * The model MLflow knows by `name`: its mapped MLflow name, or the Warden name of a model never
 * renamed or deleted through MLflow. A model deleted through MLflow has no name there.
 */
export async function findMlflowModel(db: Executor, name: string): Promise<MlflowModelRecord | undefined> {
  const rows = await selectModels(db)
    .where((eb) =>
      eb.or([
        eb('mlflow_models.name', '=', name),
        eb.and([eb('mlflow_models.model_id', 'is', null), eb('models.name', '=', name)]),
      ]),
    )
    .execute();
  // A mapped name wins over another model's unmapped Warden name.
  const row = rows.find((r) => r.mlflow_name === name) ?? rows[0];
  return row ? (await hydrateModels(db, [row]))[0] : undefined;
}

/** True when `name` is taken in MLflow's namespace (by a mapped name or an unmapped Warden name). */
export async function mlflowNameTaken(db: Executor, name: string): Promise<boolean> {
  return (await findMlflowModel(db, name)) !== undefined;
}

export function selectVersions(db: Executor) {
  return db
    .selectFrom('mlflow_versions')
    .innerJoin('model_versions', 'model_versions.id', 'mlflow_versions.version_id')
    .innerJoin('models', 'models.id', 'mlflow_versions.model_id')
    .leftJoin('mlflow_models', 'mlflow_models.model_id', 'models.id')
    .select([
      'mlflow_versions.version_id',
      'mlflow_versions.model_id',
      'mlflow_versions.number',
      'mlflow_versions.source',
      'mlflow_versions.run_id',
      'mlflow_versions.run_link',
      'mlflow_versions.description',
      'mlflow_versions.created_at',
      'mlflow_versions.updated_at as mlflow_updated_at',
      'model_versions.version as semver',
      'model_versions.stage',
      'model_versions.tags',
      'model_versions.updated_at as warden_updated_at',
      'model_versions.created_by',
      'models.name as warden_name',
      'mlflow_models.name as mlflow_name',
    ])
    .where('mlflow_versions.deleted_at', 'is', null);
}
export type VersionRow = Awaited<ReturnType<ReturnType<typeof selectVersions>['execute']>>[number];

export function toVersionRecord(r: VersionRow): MlflowVersionRecord {
  return {
    versionId: r.version_id,
    modelId: r.model_id,
    name: r.mlflow_name ?? r.warden_name,
    number: Number(r.number),
    semver: r.semver,
    stage: r.stage,
    tags: JSON.parse(r.tags) as Record<string, string>,
    source: r.source,
    runId: r.run_id,
    runLink: r.run_link,
    description: r.description,
    createdAt: r.created_at,
    updatedAt: r.mlflow_updated_at > r.warden_updated_at ? r.mlflow_updated_at : r.warden_updated_at,
    createdBy: r.created_by,
  };
}

/** The live (not deleted) MLflow versions of one model, highest number first. */
export async function listModelVersions(db: Executor, modelId: string): Promise<MlflowVersionRecord[]> {
  const rows = await selectVersions(db)
    .where('mlflow_versions.model_id', '=', modelId)
    .orderBy('mlflow_versions.number', 'desc')
    .execute();
  return rows.map(toVersionRecord);
}

export async function findModelVersion(
  db: Executor,
  modelId: string,
  number: number,
): Promise<MlflowVersionRecord | undefined> {
  const row = await selectVersions(db)
    .where('mlflow_versions.model_id', '=', modelId)
    .where('mlflow_versions.number', '=', number)
    .executeTakeFirst();
  return row ? toVersionRecord(row) : undefined;
}

export async function findVersionById(
  db: Executor,
  versionId: string,
): Promise<MlflowVersionRecord | undefined> {
  const row = await selectVersions(db).where('mlflow_versions.version_id', '=', versionId).executeTakeFirst();
  return row ? toVersionRecord(row) : undefined;
}

/** Aliases that name a version now, by version id. */
export async function aliasesByVersion(
  db: Executor,
  modelIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const part of chunks([...new Set(modelIds)])) {
    const rows = await db
      .selectFrom('mlflow_aliases')
      .select(['alias', 'version_id'])
      .where('model_id', 'in', part)
      .where('version_id', 'is not', null)
      .orderBy('alias')
      .execute();
    for (const r of rows) {
      const list = out.get(r.version_id!) ?? [];
      list.push(r.alias);
      out.set(r.version_id!, list);
    }
  }
  return out;
}

/** The latest change request of each version, by version id. */
export async function latestChangeRequests(
  db: Executor,
  versionIds: readonly string[],
): Promise<Map<string, { id: string; status: string }>> {
  const out = new Map<string, { id: string; status: string }>();
  for (const part of chunks(versionIds)) {
    const rows = await db
      .selectFrom('change_requests')
      .select(['id', 'status', 'version_id'])
      .where('version_id', 'in', part)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const r of rows) out.set(r.version_id!, { id: r.id, status: r.status });
  }
  return out;
}

/**
 * The highest MLflow number a model has given out: its mapping row's counter, or — for a model
 * registered through /api/v1 without one — the highest number of its versions (deleted included,
 * so numbers are never reused).
 */
export async function lastMlflowNumber(db: Executor, modelId: string): Promise<number> {
  const mapped = await db
    .selectFrom('mlflow_models')
    .select('last_version')
    .where('model_id', '=', modelId)
    .executeTakeFirst();
  const highest = await db
    .selectFrom('mlflow_versions')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('model_id', '=', modelId)
    .executeTakeFirst();
  return Math.max(Number(mapped?.last_version ?? 0), Number(highest?.n ?? 0));
}

/** A version to number: the `mlflow_versions` row apart from its number. */
export interface UnnumberedMlflowVersion {
  version_id: string;
  model_id: string;
  source: string;
  run_id: string | null;
  description: string | null;
  created_at: string;
}

/**
 * PostgreSQL only (data-modifying WITH). In one statement: maps the version onto its model's next
 * MLflow number (as {@link lastMlflowNumber} + 1) and moves the model's last number to it. The
 * caller has locked the model's row in an earlier statement, so this one's snapshot already sees
 * the number the previous holder of that lock gave out.
 */
export async function insertNextMlflowVersion(db: Executor, v: UnnumberedMlflowVersion): Promise<number> {
  const { rows } = await sql<{ number: number }>`
    with next as (
      select greatest(
        coalesce((select last_version from mlflow_models where model_id = ${v.model_id}), 0),
        coalesce((select max(number) from mlflow_versions where model_id = ${v.model_id}), 0)
      ) + 1 as number
    ), stored as (
      insert into mlflow_versions
        (version_id, model_id, number, source, run_id, run_link, description, created_at, updated_at, deleted_at, deleted_by)
      select ${v.version_id}, ${v.model_id}, number, ${v.source}, ${v.run_id}, null, ${v.description},
        ${v.created_at}, ${v.created_at}, null, null
      from next
      returning number
    ), moved as (
      update mlflow_models set last_version = stored.number from stored where model_id = ${v.model_id}
    )
    select number from stored`.execute(db);
  return Number(rows[0]!.number);
}

/** Makes sure a model has its MLflow mapping row (a model registered through /api/v1 may lack one). */
export async function ensureModelMapping(db: Executor, model: MlflowModelRecord): Promise<number> {
  if (model.lastVersion !== null) return model.lastVersion;
  const last = await lastMlflowNumber(db, model.id);
  await db
    .insertInto('mlflow_models')
    .values({ model_id: model.id, name: model.name, last_version: last, deleted_at: null, deleted_by: null })
    .execute();
  return last;
}

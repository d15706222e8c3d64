import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { PiiFinding } from '../pii/index.js';
import type { FeatureTable } from '../registry/registry.table.js';
import type { Feature, FeatureStatus, FeatureType } from './feature.schema.js';

export function toFeature(row: Selectable<FeatureTable>): Feature {
  const sla: Feature['sla'] = {};
  if (row.freshness_sla !== null) sla.freshness = row.freshness_sla;
  if (row.completeness_sla !== null) sla.completeness = Number(row.completeness_sla);
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    type: row.type as FeatureType,
    description: row.description,
    source: row.source,
    refreshCadence: row.refresh_cadence,
    sla,
    version: row.semver,
    status: row.status as FeatureStatus,
    deprecatedAt: row.deprecated_at,
    graceEndsAt: row.grace_ends_at,
    removedAt: row.removed_at,
    removedBy: row.removed_by,
    piiFindings: JSON.parse(row.pii_findings) as PiiFinding[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}

export async function findFeatureByName(db: Executor, name: string): Promise<Feature | undefined> {
  const row = await db.selectFrom('features').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toFeature(row) : undefined;
}

export interface FeatureFilter {
  owner?: string | undefined;
  status?: string | undefined;
  type?: string | undefined;
  q?: string | undefined;
  afterName?: string | undefined;
  limit: number;
}

export async function findFeatures(db: Executor, f: FeatureFilter): Promise<Feature[]> {
  let q = db.selectFrom('features').selectAll();
  if (f.owner) q = q.where('owner', '=', f.owner);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.type) q = q.where('type', '=', f.type);
  if (f.q) {
    const needle = `%${f.q.toLowerCase().replace(/[%_\\]/g, '')}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['name']), 'like', needle),
        eb(eb.fn('lower', ['description']), 'like', needle),
        eb(eb.fn('lower', ['source']), 'like', needle),
      ]),
    );
  }
  if (f.afterName !== undefined) q = q.where('name', '>', f.afterName);
  const rows = await q.orderBy('name').limit(f.limit).execute();
  return rows.map(toFeature);
}

export async function insertFeature(db: Executor, row: Insertable<FeatureTable>): Promise<void> {
  await db.insertInto('features').values(row).execute();
}

export async function updateFeature(
  db: Executor,
  id: string,
  changes: Omit<Updateable<FeatureTable>, 'id' | 'name'>,
): Promise<void> {
  await db.updateTable('features').set(changes).where('id', '=', id).execute();
}

/** Models whose versions declare the feature, each with those versions (oldest first). */
export async function findFeatureConsumers(
  db: Executor,
  featureId: string,
): Promise<Array<{ model: string; versions: Array<{ version: string; stage: string }> }>> {
  const rows = await db
    .selectFrom('version_features')
    .innerJoin('model_versions', 'model_versions.id', 'version_features.version_id')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select(['models.name as model', 'model_versions.version', 'model_versions.stage'])
    .where('version_features.feature_id', '=', featureId)
    .orderBy('models.name')
    .orderBy('model_versions.id')
    .execute();
  const byModel = new Map<string, Array<{ version: string; stage: string }>>();
  for (const r of rows) {
    const list = byModel.get(r.model) ?? [];
    list.push({ version: r.version, stage: r.stage });
    byModel.set(r.model, list);
  }
  return [...byModel].map(([model, versions]) => ({ model, versions }));
}

/** Features declared by any version of a model, each with the versions that declare it. */
export async function findModelFeatures(
  db: Executor,
  modelId: string,
): Promise<Array<Feature & { usedByVersions: string[] }>> {
  const rows = await db
    .selectFrom('version_features')
    .innerJoin('model_versions', 'model_versions.id', 'version_features.version_id')
    .innerJoin('features', 'features.id', 'version_features.feature_id')
    .selectAll('features')
    .select('model_versions.version as used_by_version')
    .where('model_versions.model_id', '=', modelId)
    .orderBy('features.name')
    .orderBy('model_versions.id')
    .execute();
  const byName = new Map<string, Feature & { usedByVersions: string[] }>();
  for (const { used_by_version, ...row } of rows) {
    const entry = byName.get(row.name) ?? { ...toFeature(row), usedByVersions: [] };
    entry.usedByVersions.push(used_by_version);
    byName.set(row.name, entry);
  }
  return [...byName.values()];
}

/** The versions consuming a feature with their model's owner, production versions first. */
export async function findConsumerVersions(
  db: Executor,
  featureId: string,
): Promise<Array<{ model: string; owner: string; version: string; stage: string }>> {
  const rows = await db
    .selectFrom('version_features')
    .innerJoin('model_versions', 'model_versions.id', 'version_features.version_id')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select(['models.name as model', 'models.owner', 'model_versions.version', 'model_versions.stage'])
    .where('version_features.feature_id', '=', featureId)
    .orderBy('models.name')
    .orderBy('model_versions.id')
    .execute();
  return rows.sort((a, b) => Number(b.stage === 'production') - Number(a.stage === 'production'));
}

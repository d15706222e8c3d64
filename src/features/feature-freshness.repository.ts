import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { FeatureFreshnessTable } from './feature-freshness.table.js';

export type FeatureFreshnessRow = Selectable<FeatureFreshnessTable>;

export async function findFreshnessRow(
  db: Executor,
  featureId: string,
  lock: boolean,
): Promise<FeatureFreshnessRow | undefined> {
  let q = db.selectFrom('feature_freshness').selectAll().where('feature_id', '=', featureId);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function saveFreshnessRow(
  db: Executor,
  row: FeatureFreshnessRow,
  exists: boolean,
): Promise<void> {
  if (exists) {
    const { feature_id, ...changes } = row;
    await db.updateTable('feature_freshness').set(changes).where('feature_id', '=', feature_id).execute();
  } else await db.insertInto('feature_freshness').values(row).execute();
}

/** Features with a freshness SLA that have sent a heartbeat and are not yet marked late. */
export async function findWatchedFreshFeatures(
  db: Executor,
): Promise<Array<{ id: string; name: string; owner: string; sla: string; last_refresh_at: string }>> {
  const rows = await db
    .selectFrom('feature_freshness')
    .innerJoin('features', 'features.id', 'feature_freshness.feature_id')
    .select([
      'features.id',
      'features.name',
      'features.owner',
      'features.freshness_sla',
      'feature_freshness.last_refresh_at',
    ])
    .where('feature_freshness.late_since', 'is', null)
    .where('features.freshness_sla', 'is not', null)
    .where('features.removed_at', 'is', null)
    .orderBy('features.name')
    .execute();
  return rows.map((r) => ({ ...r, sla: r.freshness_sla! }));
}

/**
 * Marks a feature late when it still is what the caller saw (not late, same last refresh): the
 * conditional update lets exactly one server act on it. True when this call marked it.
 */
export async function markLate(
  db: Executor,
  featureId: string,
  seenRefreshAt: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('feature_freshness')
    .set({ late_since: at, updated_at: at })
    .where('feature_id', '=', featureId)
    .where('late_since', 'is', null)
    .where('last_refresh_at', '=', seenRefreshAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Models with a production version that consumes the feature, with that version and the model's owner. */
export async function findProductionConsumers(
  db: Executor,
  featureId: string,
): Promise<Array<{ modelId: string; model: string; owner: string; riskTier: number; version: string }>> {
  const rows = await db
    .selectFrom('version_features')
    .innerJoin('model_versions', 'model_versions.id', 'version_features.version_id')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select([
      'models.id as modelId',
      'models.name as model',
      'models.owner',
      'models.risk_tier',
      'model_versions.version',
    ])
    .where('version_features.feature_id', '=', featureId)
    .where('model_versions.stage', '=', 'production')
    .orderBy('models.name')
    .orderBy('model_versions.id')
    .execute();
  return rows.map(({ risk_tier, ...r }) => ({ ...r, riskTier: Number(risk_tier) }));
}

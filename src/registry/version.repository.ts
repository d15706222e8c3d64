import { sql, type Compilable, type Insertable, type Selectable } from 'kysely';
import { batchedQuery } from '../db/batched-query.js';
import type { Executor } from '../db/database.js';
import { jsonArrayFrom, parseJsonArray } from '../db/json-array.js';
import { preparedQuery } from '../db/prepared-query.js';
import type { PiiFinding } from '../pii/index.js';
import type { ModelVersionTable } from './registry.table.js';
import type { BumpLevel } from './version-bump.js';
import type { ModelVersion, Stage } from './version.schema.js';

interface SignatureRow {
  id: string;
  key_id: string;
  verified: number;
  created_at: string;
  key_name: string;
  key_revoked_at: string | null;
}

/**
 * A version row as the version view reads it: the model's name, the feature names and signatures
 * inline (JSON arrays), and whether an SBOM or model card is attached rather than their text.
 */
type VersionRow = Omit<Selectable<ModelVersionTable>, 'sbom' | 'model_card'> & {
  model_name: string;
  has_sbom: boolean | number;
  has_model_card: boolean | number;
  feature_names: { name: string }[] | string;
  signature_rows: SignatureRow[] | string;
};

interface SignatureView {
  id: string;
  keyId: string;
  keyName: string;
  verified: boolean;
  keyRevoked: boolean;
  createdAt: string;
}

function toSignatureView(s: SignatureRow): SignatureView {
  return {
    id: s.id,
    keyId: s.key_id,
    keyName: s.key_name,
    verified: Number(s.verified) === 1,
    keyRevoked: s.key_revoked_at !== null,
    createdAt: s.created_at,
  };
}

export function toModelVersion(row: VersionRow): ModelVersion {
  const signatures = parseJsonArray(row.signature_rows).map(toSignatureView);
  return {
    id: row.id,
    model: row.model_name,
    version: row.version,
    stage: row.stage as Stage,
    framework: row.framework,
    description: row.description,
    lineage: JSON.parse(row.lineage) as ModelVersion['lineage'],
    metrics: JSON.parse(row.metrics) as ModelVersion['metrics'],
    segmentMetrics: JSON.parse(row.segment_metrics) as ModelVersion['segmentMetrics'],
    inputSchema: JSON.parse(row.input_schema) as ModelVersion['inputSchema'],
    outputSchema:
      row.output_schema === null ? null : (JSON.parse(row.output_schema) as ModelVersion['inputSchema']),
    features: parseJsonArray(row.feature_names).map((f) => f.name),
    tags: JSON.parse(row.tags) as Record<string, string>,
    artifact: row.artifact_sha256 ? { sha256: row.artifact_sha256, size: Number(row.artifact_size) } : null,
    signatures,
    // A revoked key's signatures stay on record but no longer vouch for the artifact, and a
    // signature vouches for a digest, not for bytes that no longer hash to it.
    verified:
      row.artifact_sha256 !== null &&
      row.integrity_failed_at === null &&
      signatures.some((s) => s.verified && !s.keyRevoked),
    integrity: { checkedAt: row.integrity_checked_at, failedAt: row.integrity_failed_at },
    declaredBump: row.declared_bump as BumpLevel | null,
    requiredBump: row.required_bump as BumpLevel | null,
    bumpReasons: row.bump_reasons === null ? [] : (JSON.parse(row.bump_reasons) as string[]),
    previousVersion: row.bump_base,
    hasSbom: Boolean(row.has_sbom),
    hasModelCard: Boolean(row.has_model_card),
    piiFindings: JSON.parse(row.pii_findings) as PiiFinding[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}

/**
 * Versions with everything their view shows, in one query: on PostgreSQL a read is one round
 * trip, with no transaction, whatever the number of features and signatures.
 */
function selectVersions(db: Executor) {
  return db
    .selectFrom('model_versions')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select([
      'model_versions.id',
      'model_versions.model_id',
      'model_versions.version',
      'model_versions.framework',
      'model_versions.description',
      'model_versions.lineage',
      'model_versions.metrics',
      'model_versions.segment_metrics',
      'model_versions.input_schema',
      'model_versions.output_schema',
      'model_versions.tags',
      'model_versions.stage',
      'model_versions.artifact_sha256',
      'model_versions.artifact_size',
      'model_versions.pii_findings',
      'model_versions.bump_base',
      'model_versions.declared_bump',
      'model_versions.required_bump',
      'model_versions.bump_reasons',
      'model_versions.integrity_checked_at',
      'model_versions.integrity_failed_at',
      'model_versions.created_at',
      'model_versions.created_by',
      'model_versions.updated_at',
      'models.name as model_name',
    ])
    .select((eb) => [
      eb('model_versions.sbom', 'is not', null).as('has_sbom'),
      eb('model_versions.model_card', 'is not', null).as('has_model_card'),
      jsonArrayFrom(
        db,
        eb
          .selectFrom('version_features')
          .innerJoin('features', 'features.id', 'version_features.feature_id')
          .select('features.name')
          .whereRef('version_features.version_id', '=', 'model_versions.id')
          .orderBy('features.name'),
      ).as('feature_names'),
      jsonArrayFrom(
        db,
        eb
          .selectFrom('artifact_signatures')
          .innerJoin('signing_keys', 'signing_keys.id', 'artifact_signatures.key_id')
          .select([
            'artifact_signatures.id',
            'artifact_signatures.key_id',
            'artifact_signatures.verified',
            'artifact_signatures.created_at',
            'signing_keys.name as key_name',
            'signing_keys.revoked_at as key_revoked_at',
          ])
          .whereRef('artifact_signatures.version_id', '=', 'model_versions.id')
          .orderBy('artifact_signatures.created_at')
          .orderBy('artifact_signatures.id'),
      ).as('signature_rows'),
    ]);
}

// The single-version read answers most GETs, so its query is compiled once.
const versionByName = preparedQuery(2, (db, model: string, version: string) =>
  selectVersions(db).where('models.name', '=', model).where('model_versions.version', '=', version),
);

// Concurrent single-version reads on PostgreSQL, answered by one statement: the keys arrive as two
// arrays, and each key is looked up through the same indexes as a lone read (the lateral subquery
// with `offset 0` is run once per key, never turned into a join over whole tables).
const versionsByNames = preparedQuery(
  2,
  (db, models: string[], versions: string[]) =>
    db
      .selectFrom(
        sql<{
          model: string;
          version: string;
          i: string;
        }>`unnest(${models}::text[], ${versions}::text[]) with ordinality`.as(
          sql`k(model, version, i)` as never,
        ),
      )
      .innerJoinLateral(
        selectVersions(db)
          .where('models.name', '=', sql.ref<string>('k.model'))
          .where('model_versions.version', '=', sql.ref<string>('k.version'))
          .modifyEnd(sql`offset 0`)
          .as('v'),
        (join) => join.onTrue(),
      )
      .selectAll('v')
      .select(sql<string>`k.i`.as('batch_index')) as unknown as Compilable<
      VersionRow & { batch_index: string }
    >,
);

const versionRowsByName = batchedQuery<{ model: string; version: string }, VersionRow>(
  (db, key) => versionByName(db, key.model, key.version),
  async (db, keys) => {
    const rows = await versionsByNames(
      db,
      keys.map((k) => k.model),
      keys.map((k) => k.version),
    );
    return rows.map((row) => ({ index: Number(row.batch_index) - 1, row }));
  },
);

export async function findVersion(
  db: Executor,
  modelName: string,
  version: string,
): Promise<ModelVersion | undefined> {
  const [row] = await versionRowsByName(db, { model: modelName, version });
  return row ? toModelVersion(row) : undefined;
}

export async function findVersionById(db: Executor, id: string): Promise<ModelVersion | undefined> {
  const row = await selectVersions(db).where('model_versions.id', '=', id).executeTakeFirst();
  return row ? toModelVersion(row) : undefined;
}

export async function findVersions(
  db: Executor,
  f: { modelId: string; stage?: string | undefined; afterId?: string | undefined; limit: number },
): Promise<ModelVersion[]> {
  let q = selectVersions(db).where('model_versions.model_id', '=', f.modelId);
  if (f.stage) q = q.where('model_versions.stage', '=', f.stage);
  if (f.afterId) q = q.where('model_versions.id', '>', f.afterId);
  const rows = await q.orderBy('model_versions.id').limit(f.limit).execute();
  return rows.map(toModelVersion);
}

/**
 * A model's id and the versions it already has, by the model's name, in one statement: what
 * registering a version needs to know about its model. Undefined when there is no such model.
 */
export async function findModelVersionStrings(
  db: Executor,
  modelName: string,
): Promise<{ modelId: string; versions: string[] } | undefined> {
  const rows = await db
    .selectFrom('models')
    .leftJoin('model_versions', 'model_versions.model_id', 'models.id')
    .select(['models.id', 'model_versions.version'])
    .where('models.name', '=', modelName)
    .execute();
  if (rows.length === 0) return undefined;
  return { modelId: rows[0]!.id, versions: rows.flatMap((r) => (r.version === null ? [] : [r.version])) };
}

export async function insertVersion(db: Executor, row: Insertable<ModelVersionTable>): Promise<void> {
  await db.insertInto('model_versions').values(row).execute();
}

export async function updateVersion(
  db: Executor,
  id: string,
  changes: Partial<Omit<Insertable<ModelVersionTable>, 'id' | 'model_id' | 'version'>>,
): Promise<void> {
  await db.updateTable('model_versions').set(changes).where('id', '=', id).execute();
}

/** Artifact digest, SBOM and model card of a version, which the version view does not carry. */
export async function findVersionBlobs(
  db: Executor,
  id: string,
): Promise<{ artifactSha256: string | null; sbom: string | null; modelCard: string | null } | undefined> {
  const row = await db
    .selectFrom('model_versions')
    .select(['artifact_sha256', 'sbom', 'model_card'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? { artifactSha256: row.artifact_sha256, sbom: row.sbom, modelCard: row.model_card } : undefined;
}

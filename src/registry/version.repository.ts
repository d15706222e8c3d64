import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import { preparedQuery } from '../db/prepared-query.js';
import type { PiiFinding } from '../pii/index.js';
import type { ModelVersionTable } from './registry.table.js';
import type { BumpLevel } from './version-bump.js';
import type { ModelVersion, Stage } from './version.schema.js';

type VersionRow = Selectable<ModelVersionTable> & { model_name: string };

interface SignatureView {
  id: string;
  keyId: string;
  keyName: string;
  verified: boolean;
  keyRevoked: boolean;
  createdAt: string;
}

export function toModelVersion(
  row: VersionRow,
  features: string[],
  signatures: SignatureView[],
): ModelVersion {
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
    features,
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
    hasSbom: row.sbom !== null,
    hasModelCard: row.model_card !== null,
    piiFindings: JSON.parse(row.pii_findings) as PiiFinding[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}

function selectVersions(db: Executor) {
  return db
    .selectFrom('model_versions')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .selectAll('model_versions')
    .select('models.name as model_name');
}

function selectFeatureNames(db: Executor) {
  return db
    .selectFrom('version_features')
    .innerJoin('features', 'features.id', 'version_features.feature_id')
    .select(['version_features.version_id', 'features.name'])
    .orderBy('features.name');
}

function selectSignatures(db: Executor) {
  return db
    .selectFrom('artifact_signatures')
    .innerJoin('signing_keys', 'signing_keys.id', 'artifact_signatures.key_id')
    .select([
      'artifact_signatures.id',
      'artifact_signatures.version_id',
      'artifact_signatures.key_id',
      'artifact_signatures.verified',
      'artifact_signatures.created_at',
      'signing_keys.name as key_name',
      'signing_keys.revoked_at as key_revoked_at',
    ])
    .orderBy('artifact_signatures.created_at');
}

type FeatureRow = Awaited<ReturnType<ReturnType<typeof selectFeatureNames>['execute']>>[number];
type SignatureRow = Awaited<ReturnType<ReturnType<typeof selectSignatures>['execute']>>[number];

// The single-version read answers most GETs, so its three queries are compiled once.
const versionByName = preparedQuery(2, (db, model: string, version: string) =>
  selectVersions(db).where('models.name', '=', model).where('model_versions.version', '=', version),
);
const featuresOfVersion = preparedQuery(1, (db, id: string) =>
  selectFeatureNames(db).where('version_features.version_id', '=', id),
);
const signaturesOfVersion = preparedQuery(1, (db, id: string) =>
  selectSignatures(db).where('artifact_signatures.version_id', '=', id),
);

async function hydrate(db: Executor, rows: VersionRow[]): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [featureRows, signatureRows] =
    ids.length === 1
      ? await Promise.all([featuresOfVersion(db, ids[0]!), signaturesOfVersion(db, ids[0]!)])
      : await Promise.all([
          selectFeatureNames(db).where('version_features.version_id', 'in', ids).execute(),
          selectSignatures(db).where('artifact_signatures.version_id', 'in', ids).execute(),
        ]);
  return assemble(rows, featureRows, signatureRows);
}

function assemble(
  rows: VersionRow[],
  featureRows: FeatureRow[],
  signatureRows: SignatureRow[],
): ModelVersion[] {
  const features = new Map<string, string[]>();
  for (const f of featureRows) features.set(f.version_id, [...(features.get(f.version_id) ?? []), f.name]);
  const signatures = new Map<string, SignatureView[]>();
  for (const s of signatureRows) {
    const view: SignatureView = {
      id: s.id,
      keyId: s.key_id,
      keyName: s.key_name,
      verified: Number(s.verified) === 1,
      keyRevoked: s.key_revoked_at !== null,
      createdAt: s.created_at,
    };
    signatures.set(s.version_id, [...(signatures.get(s.version_id) ?? []), view]);
  }
  return rows.map((row) => toModelVersion(row, features.get(row.id) ?? [], signatures.get(row.id) ?? []));
}

export async function findVersion(
  db: Executor,
  modelName: string,
  version: string,
): Promise<ModelVersion | undefined> {
  const [row] = await versionByName(db, modelName, version);
  return row ? (await hydrate(db, [row]))[0] : undefined;
}

export async function findVersionById(db: Executor, id: string): Promise<ModelVersion | undefined> {
  const row = await selectVersions(db).where('model_versions.id', '=', id).executeTakeFirst();
  return row ? (await hydrate(db, [row]))[0] : undefined;
}

export async function findVersions(
  db: Executor,
  f: { modelId: string; stage?: string | undefined; afterId?: string | undefined; limit: number },
): Promise<ModelVersion[]> {
  let q = selectVersions(db).where('model_versions.model_id', '=', f.modelId);
  if (f.stage) q = q.where('model_versions.stage', '=', f.stage);
  if (f.afterId) q = q.where('model_versions.id', '>', f.afterId);
  const rows = await q.orderBy('model_versions.id').limit(f.limit).execute();
  return hydrate(db, rows);
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

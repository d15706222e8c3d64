import { assertNotHeld } from '../registry/legal-hold.service.js';
import type { Executor } from '../db/database.js';
import { invalidInput, notFound } from '../core/errors.js';
import type { AppContext } from '../http/context.js';
import type { Actor } from '../registry/registry.service.js';
import { digestOf, segmentKeys, type IngestResult, type IngestTarget } from './ingestion.service.js';
import {
  compileInputSchema,
  validateReference,
  type RawRecord,
  type ReferenceInput,
} from './record.validate.js';
import { WindowProfile, type FieldProfile, type WindowProfileJSON } from './window-profile.js';

/** Reference rows kept verbatim per version; the profile covers every row sent. */
const REFERENCE_ROW_CAP = 100_000;

/** A version's reference baseline as profiles: the whole sample and each segment. */
export interface ReferenceProfiles {
  overall: WindowProfile;
  segments: Map<string, WindowProfile>;
}

interface StoredReference {
  overall: WindowProfileJSON;
  segments: Record<string, WindowProfileJSON>;
}

function parseReference(text: string): ReferenceProfiles {
  const json = JSON.parse(text) as StoredReference;
  return {
    overall: WindowProfile.fromJSON(json.overall),
    segments: new Map(Object.entries(json.segments).map(([k, v]) => [k, WindowProfile.fromJSON(v)])),
  };
}

function serializeReference(ref: ReferenceProfiles): string {
  const segments: Record<string, WindowProfileJSON> = {};
  for (const [k, v] of [...ref.segments].sort(([a], [b]) => (a < b ? -1 : 1))) segments[k] = v.toJSON();
  return JSON.stringify({ overall: ref.overall.toJSON(), segments });
}

/** The reference profiles of a version, or null when none was uploaded. */
export async function loadReference(db: Executor, versionId: string): Promise<ReferenceProfiles | null> {
  const row = await db
    .selectFrom('monitoring_references')
    .select('profile')
    .where('version_id', '=', versionId)
    .executeTakeFirst();
  return row ? parseReference(row.profile) : null;
}

/** Columns of a reference sample that identify or time a row rather than describe it. */
export interface ReferenceColumns {
  /** The feature holding the row id: left out of the features. */
  idColumn?: string;
  /** The feature holding the row's time: left out of the features. */
  timestampColumn?: string;
}

/** A note about the batch that did not stop it. */
export interface IngestWarning {
  field: string;
  message: string;
}

/** Names of id columns: `id`, `uuid`, `row_id`, `customer-id`, and camel case `customerId`. */
const ID_NAME = /^(id|uuid|guid|row_?id|record_?id)$|[_-](id|uuid|guid)$/i;
const CAMEL_ID_NAME = /[a-z](Id|ID|Uuid|UUID)$/;
/** Rows a column must fill before its values alone (increasing integers) mark it as an id. */
const MIN_ROWS_FOR_SEQUENCE = 10;

/**
 * Features of a batch that look like row ids: a value in every row, all distinct, and either a
 * name like `id`, `uuid` or `*_id`, or integers increasing row by row. Such a column makes every
 * production window look drifted; the caller names it (`idColumn`) to leave it out.
 */
export function detectIdColumns(records: readonly ReferenceInput[]): string[] {
  if (records.length < 2) return [];
  const names = new Set<string>();
  for (const r of records) for (const name of Object.keys(r.features)) names.add(name);
  const found: string[] = [];
  for (const name of [...names].sort()) {
    const values = records.map((r) => r.features[name]);
    if (values.some((v) => v === null || v === undefined || typeof v === 'boolean')) continue;
    if (new Set(values).size !== values.length) continue;
    const increasing =
      values.length >= MIN_ROWS_FOR_SEQUENCE &&
      values.every((v, i) => Number.isInteger(v) && (i === 0 || (v as number) > (values[i - 1] as number)));
    if (ID_NAME.test(name) || CAMEL_ID_NAME.test(name) || increasing) found.push(name);
  }
  return found;
}

/** Leaves the named id and timestamp columns out of every record's features; a name no record has is refused. */
function excludeColumns(records: ReferenceInput[], columns: ReferenceColumns): string[] {
  const excluded: string[] = [];
  for (const [field, name] of [
    ['idColumn', columns.idColumn],
    ['timestampColumn', columns.timestampColumn],
  ] as const) {
    if (name === undefined) continue;
    if (!records.some((r) => name in r.features))
      throw invalidInput(`${field}: no record has a feature "${name}"`, field);
    for (const r of records) delete r.features[name];
    excluded.push(name);
  }
  return excluded;
}

/**
 * Adds a batch of reference records (training or validation sample) to a version's baseline:
 * the profile takes every row, the first {@link REFERENCE_ROW_CAP} rows are also kept verbatim.
 * The id and timestamp columns named in `columns` are left out of the features; other features
 * that look like row ids are reported in `warnings`. A batch whose digest was already folded in
 * is accepted again and changes nothing.
 */
export async function ingestReference(
  ctx: AppContext,
  actor: Actor,
  target: IngestTarget,
  raws: RawRecord[],
  columns: ReferenceColumns = {},
): Promise<IngestResult & { excluded?: string[]; warnings?: IngestWarning[] }> {
  const records = validateReference(raws, compileInputSchema(target.version.inputSchema), target.task);
  const excluded = excludeColumns(records, columns);
  const warnings: IngestWarning[] = detectIdColumns(records).map((name) => ({
    field: `features.${name}`,
    message: `"${name}" looks like a row id (a distinct value in every row): it is kept as a feature and will look drifted in every window; send idColumn=${name} (warden ingest --id-column ${name}) to leave it out`,
  }));
  const notes = {
    ...(excluded.length > 0 ? { excluded } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  // Leaving columns out changes what is stored, so it is part of what the digest covers.
  const digest = digestOf(
    excluded.length > 0 ? { records: raws.map((r) => r.value), excluded } : raws.map((r) => r.value),
  );
  const versionId = target.version.id;
  const nowIso = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    let q = trx.selectFrom('monitoring_references').selectAll().where('version_id', '=', versionId);
    if (ctx.store.capabilities.rowLocks) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    const digests = row ? (JSON.parse(row.batch_digests) as string[]) : [];
    if (digests.includes(digest))
      return { records: records.length, accepted: 0, duplicates: records.length, digest, ...notes };
    const ref: ReferenceProfiles = row
      ? parseReference(row.profile)
      : { overall: new WindowProfile(), segments: new Map<string, WindowProfile>() };
    const positive = target.config.positiveClass;
    for (const r of records) {
      for (const key of segmentKeys(r.segment)) {
        let profile = key === '' ? ref.overall : ref.segments.get(key);
        if (!profile) {
          profile = new WindowProfile();
          ref.segments.set(key, profile);
        }
        profile.addRecord(r);
        if (r.label !== undefined) {
          profile.addLabel(
            { prediction: r.prediction ?? null, score: r.score ?? null, label: r.label },
            positive,
          );
        }
      }
    }
    const stored = row ? Number(row.stored_rows) : 0;
    const keep = records.slice(0, Math.max(0, REFERENCE_ROW_CAP - stored));
    for (let i = 0; i < keep.length; i += 400) {
      await trx
        .insertInto('monitoring_reference_rows')
        .values(
          keep
            .slice(i, i + 400)
            .map((r, j) => ({ version_id: versionId, seq: stored + i + j, record: JSON.stringify(r) })),
        )
        .execute();
    }
    const values = {
      records: (row ? Number(row.records) : 0) + records.length,
      stored_rows: stored + keep.length,
      profile: serializeReference(ref),
      batch_digests: JSON.stringify([...digests, digest]),
      updated_at: nowIso,
    };
    if (row)
      await trx
        .updateTable('monitoring_references')
        .set(values)
        .where('version_id', '=', versionId)
        .execute();
    else
      await trx
        .insertInto('monitoring_references')
        .values({ version_id: versionId, ...values })
        .execute();
    const result: IngestResult = { records: records.length, accepted: records.length, duplicates: 0, digest };
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'monitoring.reference_ingested',
      subject: `model:${target.model.name}@${target.version.version}`,
      requestId: actor.requestId,
      change: {
        ...result,
        storedRows: values.stored_rows,
        totalRecords: values.records,
        ...(excluded.length > 0 ? { excluded } : {}),
      },
    });
    return { ...result, ...notes };
  });
}

/** Removes a version's reference baseline (rows and profile), so it can be uploaded again. */
export async function deleteReference(ctx: AppContext, actor: Actor, target: IngestTarget): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await assertNotHeld(trx, target.model.id, 'deleting its reference baseline');
    const deleted = await trx
      .deleteFrom('monitoring_references')
      .where('version_id', '=', target.version.id)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) {
      throw notFound(`${target.model.name}@${target.version.version} has no reference baseline`);
    }
    await trx.deleteFrom('monitoring_reference_rows').where('version_id', '=', target.version.id).execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'monitoring.reference_deleted',
      subject: `model:${target.model.name}@${target.version.version}`,
      requestId: actor.requestId,
      change: null,
    });
  });
}

/** A column's summary for people: presence, type and a few quantiles or top categories. */
export interface ColumnSummary {
  name: string;
  type: string | null;
  present: number;
  missingRate: number;
  quantiles?: { p05: number; p50: number; p95: number };
  topCategories?: { value: string; count: number }[];
}

function summarizeColumn(name: string, column: FieldProfile, records: number): ColumnSummary {
  return {
    name,
    type: column.dominantType() ?? null,
    present: column.present,
    missingRate: records > 0 ? (records - column.present) / records : 0,
    ...(column.quantiles
      ? {
          quantiles: {
            p05: column.quantiles.quantile(0.05),
            p50: column.quantiles.quantile(0.5),
            p95: column.quantiles.quantile(0.95),
          },
        }
      : {}),
    ...(column.items
      ? {
          topCategories: column.items
            .items()
            .slice(0, 10)
            .map(([value, count]) => ({ value, count })),
        }
      : {}),
  };
}

/** The summary `GET …/reference` answers. */
export async function referenceSummary(db: Executor, target: IngestTarget) {
  const row = await db
    .selectFrom('monitoring_references')
    .selectAll()
    .where('version_id', '=', target.version.id)
    .executeTakeFirst();
  if (!row) throw notFound(`${target.model.name}@${target.version.version} has no reference baseline`);
  const ref = parseReference(row.profile);
  const o = ref.overall;
  return {
    model: target.model.name,
    version: target.version.version,
    records: Number(row.records),
    storedRows: Number(row.stored_rows),
    batches: (JSON.parse(row.batch_digests) as string[]).length,
    features: [...o.features]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([n, c]) => summarizeColumn(n, c, o.records)),
    prediction: summarizeColumn('prediction', o.prediction, o.records),
    score: summarizeColumn('score', o.score, o.records),
    labels: { ...o.labels },
    segments: [...ref.segments]
      .map(([key, p]) => ({ segment: key, records: p.records }))
      .sort((a, b) => (a.segment < b.segment ? -1 : 1)),
    updatedAt: row.updated_at,
  };
}

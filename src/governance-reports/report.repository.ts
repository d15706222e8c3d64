import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { ReportContent } from './periodic-report.build.js';
import type { GovernanceReportTable } from './report.table.js';

/** A stored report: its immutable content and the facts of its generation. */
export interface StoredReport {
  id: string;
  kind: ReportContent['kind'];
  model: string;
  version: string | null;
  deploymentId: string | null;
  period: { from: string; to: string };
  trigger: 'schedule' | 'manual';
  auditHead: { seq: number; hash: string };
  contentSha256: string;
  generatedAt: string;
  generatedBy: string;
}

export function toStoredReport(row: Selectable<GovernanceReportTable>): StoredReport {
  return {
    id: row.id,
    kind: row.kind as StoredReport['kind'],
    model: row.model_name,
    version: row.version,
    deploymentId: row.deployment_id,
    period: { from: row.period_from, to: row.period_to },
    trigger: row.trigger as StoredReport['trigger'],
    auditHead: { seq: Number(row.audit_seq), hash: row.audit_hash },
    contentSha256: row.content_sha256,
    generatedAt: row.generated_at,
    generatedBy: row.generated_by,
  };
}

/** Inserts a report; false when a scheduled report of the same key exists already (another server made it). */
export async function insertReport(db: Executor, row: Insertable<GovernanceReportTable>): Promise<boolean> {
  const result = await db
    .insertInto('governance_reports')
    .values(row)
    .onConflict((oc) => oc.column('schedule_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findReportRow(
  db: Executor,
  id: string,
): Promise<Selectable<GovernanceReportTable> | undefined> {
  return db.selectFrom('governance_reports').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ReportFilter {
  model?: string | undefined;
  kind?: string | undefined;
  beforeId?: string | undefined;
  limit: number;
}

/** Newest first, without their content. */
export async function findReports(db: Executor, f: ReportFilter): Promise<StoredReport[]> {
  let q = db
    .selectFrom('governance_reports')
    .select([
      'id',
      'kind',
      'model_id',
      'model_name',
      'version',
      'deployment_id',
      'period_from',
      'period_to',
      'trigger',
      'schedule_key',
      'audit_seq',
      'audit_hash',
      'content_sha256',
      'generated_at',
      'generated_by',
    ]);
  if (f.model) q = q.where('model_name', '=', f.model);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.beforeId) q = q.where('id', '<', f.beforeId);
  const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map((r) => toStoredReport({ ...r, content: '' }));
}

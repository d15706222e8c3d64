import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type {
  AuditArea,
  AuditFinding,
  AuditProgram,
  DecisionKind,
  FindingSeverity,
  FindingStatus,
  ProgramSelection,
  QuarterSample,
} from './audit-program.schema.js';
import type { AuditFindingTable, AuditProgramTable } from './audit-program.table.js';

type ProgramRow = Selectable<AuditProgramTable>;
export type FindingRow = Selectable<AuditFindingTable>;

/** What the `scope` column holds: the areas and the per-quarter decision sample size. */
interface StoredScope {
  areas: AuditArea[];
  decisionsPerQuarter: number;
}

export function toProgram(row: ProgramRow): AuditProgram {
  const scope = JSON.parse(row.scope) as StoredScope;
  return {
    id: row.id,
    year: Number(row.year),
    scope: scope.areas,
    seed: row.seed,
    tier2SamplePct: Number(row.tier2_sample_pct),
    decisionsPerQuarter: scope.decisionsPerQuarter,
    selection: JSON.parse(row.selection) as ProgramSelection,
    decisionSamples: JSON.parse(row.decision_samples) as QuarterSample[],
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export function programRow(p: AuditProgram): ProgramRow {
  return {
    id: p.id,
    year: p.year,
    scope: JSON.stringify({
      areas: p.scope,
      decisionsPerQuarter: p.decisionsPerQuarter,
    } satisfies StoredScope),
    seed: p.seed,
    tier2_sample_pct: p.tier2SamplePct,
    selection: JSON.stringify(p.selection),
    decision_samples: JSON.stringify(p.decisionSamples),
    created_by: p.createdBy,
    created_at: p.createdAt,
  };
}

export function toFinding(row: FindingRow): AuditFinding {
  return {
    id: row.id,
    programId: row.program_id,
    area: row.area as AuditArea,
    model: row.model_name,
    title: row.title,
    detail: row.detail,
    severity: row.severity as FindingSeverity,
    owner: row.owner,
    dueDate: row.due_date,
    status: row.status as FindingStatus,
    evidence: JSON.parse(row.evidence) as string[],
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
    response: row.response,
    respondedBy: row.responded_by,
    respondedAt: row.responded_at,
    closedBy: row.closed_by,
    closedAt: row.closed_at,
    closingNote: row.closing_note,
    overdueNotifiedAt: row.overdue_notified_at,
  };
}

export async function insertProgram(db: Executor, p: AuditProgram): Promise<void> {
  await db.insertInto('audit_programs').values(programRow(p)).execute();
}

export async function findProgram(db: Executor, id: string): Promise<AuditProgram | null> {
  const row = await db.selectFrom('audit_programs').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toProgram(row) : null;
}

export async function findPrograms(
  db: Executor,
  filter: { year?: number | undefined },
): Promise<AuditProgram[]> {
  let q = db.selectFrom('audit_programs').selectAll();
  if (filter.year !== undefined) q = q.where('year', '=', filter.year);
  return (await q.orderBy('id', 'desc').execute()).map(toProgram);
}

export async function insertFinding(db: Executor, row: FindingRow): Promise<void> {
  await db.insertInto('audit_findings').values(row).execute();
}

export async function findFindingRow(db: Executor, id: string): Promise<FindingRow | undefined> {
  return db.selectFrom('audit_findings').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findFindings(
  db: Executor,
  filter: { programId?: string | undefined; status?: string | undefined; area?: string | undefined },
): Promise<AuditFinding[]> {
  let q = db.selectFrom('audit_findings').selectAll();
  if (filter.programId !== undefined) q = q.where('program_id', '=', filter.programId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.area !== undefined) q = q.where('area', '=', filter.area);
  return (await q.orderBy('id').execute()).map(toFinding);
}

/**
 * Updates a finding only while it is in one of `from` statuses; false when another request moved
 * it first (nothing is changed then).
 */
export async function updateFindingFrom(
  db: Executor,
  id: string,
  from: readonly FindingStatus[],
  changes: Partial<FindingRow>,
): Promise<boolean> {
  const r = await db
    .updateTable('audit_findings')
    .set(changes)
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Findings still open or in progress whose overdue alert has not been raised, oldest first. */
export async function findUnnotifiedOpenFindings(db: Executor): Promise<FindingRow[]> {
  return db
    .selectFrom('audit_findings')
    .selectAll()
    .where('status', 'in', ['open', 'in-progress'])
    .where('overdue_notified_at', 'is', null)
    .orderBy('id')
    .execute();
}

/** Marks a finding's overdue alert raised; false when another server marked it first. */
export async function markOverdueNotified(db: Executor, id: string, at: string): Promise<boolean> {
  const r = await db
    .updateTable('audit_findings')
    .set({ overdue_notified_at: at })
    .where('id', '=', id)
    .where('overdue_notified_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The models of a tier, by name. */
export async function findModelsOfTier(
  db: Executor,
  tier: number,
): Promise<Array<{ name: string; owner: string }>> {
  return db
    .selectFrom('models')
    .select(['name', 'owner'])
    .where('risk_tier', '=', tier)
    .orderBy('name')
    .execute();
}

/** A model by name with the version an alert about it names (champion, else the newest). */
export async function findModelForAlert(
  db: Executor,
  name: string,
): Promise<{ id: string; name: string; riskTier: number; version: string | null } | null> {
  const m = await db
    .selectFrom('models')
    .select(['id', 'name', 'risk_tier', 'champion_version_id'])
    .where('name', '=', name)
    .executeTakeFirst();
  if (!m) return null;
  let q = db.selectFrom('model_versions').select('version').where('model_id', '=', m.id);
  q = m.champion_version_id ? q.where('id', '=', m.champion_version_id) : q.orderBy('id', 'desc');
  const v = await q.executeTakeFirst();
  return { id: m.id, name: m.name, riskTier: Number(m.risk_tier), version: v?.version ?? null };
}

/** One decision made in a period: what the quarterly samples draw from. */
export interface DecisionRecord {
  kind: DecisionKind;
  id: string;
  model: string | null;
  at: string;
  summary: string;
}

/**
 * Decisions made in [from, to): change requests closed (approved, rejected or executed), waivers
 * approved, alerts resolved.
 */
export async function findDecisions(db: Executor, from: string, to: string): Promise<DecisionRecord[]> {
  const requests = await db
    .selectFrom('change_requests')
    .select(['id', 'kind', 'model_name', 'version', 'from_stage', 'to_stage', 'status', 'closed_at'])
    .where('status', 'in', ['approved', 'rejected', 'executed'])
    .where('closed_at', '>=', from)
    .where('closed_at', '<', to)
    .execute();
  const waivers = await db
    .selectFrom('validation_waivers')
    .innerJoin('validation_runs', 'validation_runs.id', 'validation_waivers.run_id')
    .select([
      'validation_waivers.id',
      'validation_waivers.check_name',
      'validation_waivers.until',
      'validation_waivers.approved_by',
      'validation_waivers.approved_at',
      'validation_runs.model_name',
      'validation_runs.version',
    ])
    .where('validation_waivers.status', '=', 'approved')
    .where('validation_waivers.approved_at', '>=', from)
    .where('validation_waivers.approved_at', '<', to)
    .execute();
  const alerts = await db
    .selectFrom('alerts')
    .select(['id', 'model_name', 'version', 'rule', 'severity', 'resolved_by', 'resolved_at'])
    .where('status', '=', 'resolved')
    .where('resolved_at', '>=', from)
    .where('resolved_at', '<', to)
    .execute();
  return [
    ...requests.map((r) => ({
      kind: 'change-request' as const,
      id: r.id,
      model: r.model_name,
      at: r.closed_at!,
      summary:
        `${r.kind}${r.model_name ? ` ${r.model_name}${r.version ? `@${r.version}` : ''}` : ''}` +
        `${r.from_stage && r.to_stage ? ` ${r.from_stage}->${r.to_stage}` : ''}: ${r.status}`,
    })),
    ...waivers.map((w) => ({
      kind: 'waiver' as const,
      id: w.id,
      model: w.model_name,
      at: w.approved_at!,
      summary: `waiver of ${w.check_name} for ${w.model_name}@${w.version} until ${w.until}, approved by ${w.approved_by ?? '?'}`,
    })),
    ...alerts.map((a) => ({
      kind: 'alert-resolution' as const,
      id: a.id,
      model: a.model_name,
      at: a.resolved_at!,
      summary: `${a.rule} (${a.severity}) on ${a.model_name}@${a.version} resolved by ${a.resolved_by ?? '?'}`,
    })),
  ];
}

import { randomBytes } from 'node:crypto';
import { openSystemAlert, resolveSystemAlert } from '../alerts/index.js';
import { conflict, forbidden, invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import { enqueueEvent } from '../webhooks/index.js';
import {
  AUDIT_AREA_LABELS,
  DECISION_KINDS,
  DEFAULT_DECISIONS_PER_QUARTER,
  DEFAULT_TIER2_SAMPLE_PCT,
  NOT_INDEPENDENT_ROLES,
  type AuditArea,
  type AuditFinding,
  type AuditProgram,
  type CreateProgramInput,
  type DecisionKind,
  type FindingSeverity,
  type QuarterSample,
  type RecordFindingInput,
  type RespondFindingInput,
} from './audit-program.schema.js';
import { drawSample, quartersOf, sampleSize } from './audit-program.sample.js';
import {
  findDecisions,
  findFindingRow,
  findFindings,
  findModelForAlert,
  findModelsOfTier,
  findProgram,
  findPrograms,
  findUnnotifiedOpenFindings,
  insertFinding,
  insertProgram,
  markOverdueNotified,
  toFinding,
  updateFindingFrom,
  type FindingRow,
} from './audit-program.repository.js';

/** Who acts, and the request it came in. */
export interface ProgramActor {
  principal: Principal;
  requestId: string | null;
}

/**
 * Only the auditor role records and closes findings (an admin token is no auditor), and the
 * auditor is independent of what is audited: a principal that also holds a role which builds,
 * ships or runs models may not.
 */
export function assertIndependent(principal: Principal, what: string): void {
  if (!principal.roles.includes('auditor'))
    throw forbidden(`${principal.name} does not hold the auditor role: only an auditor may ${what}`);
  const held = principal.roles.filter((r) => NOT_INDEPENDENT_ROLES.includes(r));
  if (held.length > 0)
    throw forbidden(
      `${principal.name} holds ${held.join(', ')}: an auditor independent of model development and operations must ${what}`,
    );
}

/**
 * Opens the annual audit program of a year: every tier-1 model, a seeded random sample of tier-2
 * models, and for each quarter of the year that has begun a seeded sample of the decisions made
 * in it (closed change requests, approved waivers, resolved alerts). The seed is recorded, so the
 * samples can be redrawn by anyone.
 */
export async function createProgram(
  ctx: AppContext,
  actor: ProgramActor,
  input: CreateProgramInput,
): Promise<AuditProgram> {
  const now = ctx.now();
  const thisYear = now.getUTCFullYear();
  if (input.year > thisYear + 1)
    throw invalidInput(
      `${input.year} is too far ahead: a program may be planned for this year (${thisYear}) or the next at most`,
      'year',
    );
  const seed = input.seed ?? randomBytes(16).toString('hex');
  const pct = input.tier2SamplePct ?? DEFAULT_TIER2_SAMPLE_PCT;
  const perQuarter = input.decisionsPerQuarter ?? DEFAULT_DECISIONS_PER_QUARTER;
  return ctx.db.transaction().execute(async (trx) => {
    const tier1 = await findModelsOfTier(trx, 1);
    const tier2 = await findModelsOfTier(trx, 2);
    const k = sampleSize(tier2.length, pct);
    const sample = drawSample(seed, tier2, (m) => m.name, k);
    const decisionSamples: QuarterSample[] = [];
    for (const q of quartersOf(input.year)) {
      const begun = Date.parse(q.from) <= now.getTime();
      const decisions = begun ? await findDecisions(trx, q.from, q.to) : [];
      const population = Object.fromEntries(
        DECISION_KINDS.map((kind) => [kind, decisions.filter((d) => d.kind === kind).length]),
      ) as Record<DecisionKind, number>;
      decisionSamples.push({
        ...q,
        complete: Date.parse(q.to) <= now.getTime(),
        population,
        decisions: DECISION_KINDS.flatMap((kind) =>
          drawSample(
            seed,
            decisions.filter((d) => d.kind === kind),
            (d) => `${d.kind}:${d.id}`,
            perQuarter,
          ).map(({ item, key }) => ({ ...item, sampleKey: key })),
        ),
      });
    }
    const program: AuditProgram = {
      id: newId('aup', now.getTime()),
      year: input.year,
      scope: input.scope as AuditArea[],
      seed,
      tier2SamplePct: pct,
      decisionsPerQuarter: perQuarter,
      selection: {
        tier1: tier1.map((m) => ({
          model: m.name,
          tier: 1,
          owner: m.owner,
          reason: 'tier-1',
          sampleKey: null,
        })),
        tier2: {
          population: tier2.length,
          sampleSize: k,
          pct,
          sample: sample.map(({ item, key }) => ({
            model: item.name,
            tier: 2,
            owner: item.owner,
            reason: 'tier-2-sample',
            sampleKey: key,
          })),
        },
      },
      decisionSamples,
      createdBy: actor.principal.name,
      createdAt: now.toISOString(),
    };
    await insertProgram(trx, program);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'audit_program.created',
      subject: `audit-program:${program.id}`,
      requestId: actor.requestId,
      change: {
        year: program.year,
        scope: program.scope,
        seed,
        tier2SamplePct: pct,
        decisionsPerQuarter: perQuarter,
        tier1: program.selection.tier1.map((m) => m.model),
        tier2Sample: program.selection.tier2.sample.map((m) => m.model),
        tier2Population: tier2.length,
        decisions: decisionSamples.map((q) => ({
          quarter: q.quarter,
          sampled: q.decisions.map((d) => `${d.kind}:${d.id}`),
        })),
      },
    });
    return program;
  });
}

export async function getProgram(ctx: AppContext, id: string): Promise<AuditProgram> {
  const p = await findProgram(ctx.db, id);
  if (!p) throw notFound(`audit program "${id}" does not exist`);
  return p;
}

export async function listPrograms(ctx: AppContext, filter: { year?: number | undefined }) {
  return findPrograms(ctx.db, filter);
}

export async function listFindings(
  ctx: AppContext,
  filter: { programId?: string | undefined; status?: string | undefined; area?: string | undefined },
): Promise<AuditFinding[]> {
  if (filter.programId !== undefined) await getProgram(ctx, filter.programId);
  return findFindings(ctx.db, filter);
}

export async function getFinding(ctx: AppContext, id: string): Promise<AuditFinding> {
  const row = await findFindingRow(ctx.db, id);
  if (!row) throw notFound(`audit finding "${id}" does not exist`);
  return toFinding(row);
}

/** When a due date falls due: a date-time as given, a date at the end of that day (UTC). */
export function dueAt(dueDate: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(dueDate)
    ? Date.parse(`${dueDate}T00:00:00Z`) + 86_400_000
    : Date.parse(dueDate);
}

/** Records a finding of the program: by an independent auditor, in one of the program's areas. */
export async function recordFinding(
  ctx: AppContext,
  actor: ProgramActor,
  programId: string,
  input: RecordFindingInput,
): Promise<AuditFinding> {
  assertIndependent(actor.principal, 'record findings');
  const program = await getProgram(ctx, programId);
  if (!program.scope.includes(input.area as AuditArea))
    throw invalidInput(`"${input.area}" is not in the program's scope (${program.scope.join(', ')})`, 'area');
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    if (input.model !== undefined && !(await findModelForAlert(trx, input.model)))
      throw invalidInput(`no model is named "${input.model}"`, 'model');
    const row = {
      id: newId('fnd', now.getTime()),
      program_id: program.id,
      area: input.area,
      model_name: input.model ?? null,
      title: input.title,
      detail: input.detail,
      severity: input.severity,
      owner: input.owner,
      due_date: input.dueDate,
      status: 'open',
      evidence: JSON.stringify(input.evidence),
      recorded_by: actor.principal.name,
      recorded_at: now.toISOString(),
      response: null,
      responded_by: null,
      responded_at: null,
      closed_by: null,
      closed_at: null,
      closing_note: null,
      overdue_notified_at: null,
    };
    await insertFinding(trx, row);
    const finding = toFinding(row);
    await auditFinding(trx, ctx, actor, 'audit_finding.recorded', finding.id, {
      program: program.id,
      area: finding.area,
      model: finding.model,
      title: finding.title,
      severity: finding.severity,
      owner: finding.owner,
      dueDate: finding.dueDate,
      evidence: finding.evidence,
    });
    return finding;
  });
}

/** The owner's answer: what was done, `in-progress` or `remediated`, with more evidence links. */
export async function respondToFinding(
  ctx: AppContext,
  actor: ProgramActor,
  id: string,
  input: RespondFindingInput,
): Promise<AuditFinding> {
  const current = await getFinding(ctx, id);
  if (current.owner !== actor.principal.name)
    throw forbidden(`only the finding's owner (${current.owner}) answers it; ${actor.principal.name} is not`);
  if (current.status === 'closed') throw conflict(`finding ${id} is closed`, 'status');
  const evidence = [...current.evidence, ...input.evidence.filter((e) => !current.evidence.includes(e))];
  const changes = {
    status: input.status,
    response: input.response,
    responded_by: actor.principal.name,
    responded_at: ctx.now().toISOString(),
    evidence: JSON.stringify(evidence),
  };
  return changeOpenFinding(ctx, actor, id, 'audit_finding.responded', changes, () => ({
    from: current.status,
    to: input.status,
    response: input.response,
    evidenceAdded: input.evidence,
  }));
}

/** Closes a finding: by an independent auditor only; resolves the overdue alert it raised, if any. */
export async function closeFinding(
  ctx: AppContext,
  actor: ProgramActor,
  id: string,
  note: string,
): Promise<AuditFinding> {
  assertIndependent(actor.principal, 'close findings');
  const current = await getFinding(ctx, id);
  if (current.status === 'closed') throw conflict(`finding ${id} is already closed`, 'status');
  const now = ctx.now();
  const changes = {
    status: 'closed',
    closed_by: actor.principal.name,
    closed_at: now.toISOString(),
    closing_note: note,
  };
  return changeOpenFinding(ctx, actor, id, 'audit_finding.closed', changes, async (trx) => {
    let alertResolved: string | null = null;
    if (current.model !== null && current.overdueNotifiedAt !== null) {
      const m = await findModelForAlert(trx, current.model);
      if (m)
        alertResolved = await resolveSystemAlert(trx, ctx, {
          model: { id: m.id, name: m.name, riskTier: m.riskTier },
          rule: findingRule(id),
          comment: `audit finding ${id} closed by ${actor.principal.name}`,
          now,
        });
    }
    return { from: current.status, note, alertResolved };
  });
}

/** The audit entry of a change to a finding, written in the transaction of that change. */
async function auditFinding(
  trx: Executor,
  ctx: AppContext,
  actor: ProgramActor,
  action: string,
  id: string,
  change: Record<string, unknown>,
): Promise<void> {
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action,
    subject: `audit-finding:${id}`,
    requestId: actor.requestId,
    change,
  });
}

/**
 * Writes `changes` to a finding that is not closed, then the audit entry `auditChange` returns
 * (it may act in the same transaction first), and answers the finding as stored. 409 when the
 * finding was closed since the caller loaded it.
 */
async function changeOpenFinding(
  ctx: AppContext,
  actor: ProgramActor,
  id: string,
  action: string,
  changes: Partial<FindingRow>,
  auditChange: (trx: Executor) => Record<string, unknown> | Promise<Record<string, unknown>>,
): Promise<AuditFinding> {
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await updateFindingFrom(trx, id, ['open', 'in-progress', 'remediated'], changes)))
      throw conflict(`finding ${id} was closed meanwhile`, 'status');
    await auditFinding(trx, ctx, actor, action, id, await auditChange(trx));
    return toFinding((await findFindingRow(trx, id))!);
  });
}

/** The alert rule an overdue finding raises. */
export const findingRule = (id: string) => `audit-finding:${id}`;

const ALERT_SEVERITY: Record<FindingSeverity, 'critical' | 'high' | 'medium' | 'low'> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  informational: 'low',
};

/**
 * Raises, once per finding, the overdue alert of each finding whose remediation is past its due
 * date and not yet remediated: an audit entry, the `audit_finding.overdue` webhook and, for a
 * finding about a model, an alert on that model told to the finding's owner. A conditional update
 * makes a second server's attempt a no-op. Returns how many were raised.
 */
export async function raiseOverdueFindings(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  let raised = 0;
  for (const row of await findUnnotifiedOpenFindings(ctx.db)) {
    const due = dueAt(row.due_date);
    if (!(due <= now.getTime())) continue;
    const f = toFinding(row);
    raised += await ctx.db.transaction().execute(async (trx) => {
      if (!(await markOverdueNotified(trx, f.id, now.toISOString()))) return 0;
      let alert: string | null = null;
      const m = f.model === null ? null : await findModelForAlert(trx, f.model);
      if (m && m.version !== null)
        alert = await openSystemAlert(trx, ctx, {
          model: { id: m.id, name: m.name, riskTier: m.riskTier },
          version: m.version,
          rule: findingRule(f.id),
          policyRule: 'audit-program.remediation.due',
          severity: ALERT_SEVERITY[f.severity],
          value: null,
          threshold: null,
          detail: `audit finding ${f.id} (${AUDIT_AREA_LABELS[f.area]}: ${f.title}) was due for remediation on ${f.dueDate}; status ${f.status}, owner ${f.owner}`,
          from: new Date(due).toISOString(),
          now,
          notify: f.owner,
        });
      const payload = {
        finding: f.id,
        program: f.programId,
        area: f.area,
        model: f.model,
        title: f.title,
        severity: f.severity,
        owner: f.owner,
        dueDate: f.dueDate,
        status: f.status,
        alert,
      };
      await ctx.audit.append(trx, {
        actor: 'warden',
        action: 'audit_finding.overdue',
        subject: `audit-finding:${f.id}`,
        change: payload,
      });
      await enqueueEvent(trx, ctx, {
        type: 'audit_finding.overdue',
        subject: `audit-finding:${f.id}`,
        payload,
      });
      return 1;
    });
  }
  return raised;
}

export const auditFindingOverdueTask = {
  name: 'audit-finding-overdue',
  intervalMs: 3_600_000,
  runOnce: async (ctx: AppContext) => {
    await raiseOverdueFindings(ctx);
  },
};

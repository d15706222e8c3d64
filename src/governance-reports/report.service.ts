import { createHash } from 'node:crypto';
import { readHead } from '../audit/audit.repository.js';
import { GENESIS_HASH } from '../audit/audit-chain.js';
import { canonicalJson } from '../core/canonical-json.js';
import { invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AppContext } from '../http/context.js';
import { documentationPolicy } from '../policy/index.js';
import { enqueueEvent } from '../webhooks/index.js';
import { buildPeriodicReport, type ReportContent } from './periodic-report.build.js';
import { buildPostImplementationReview } from './pir.build.js';
import { loadReportFacts } from './report.facts.js';
import {
  findReportRow,
  findReports,
  insertReport,
  toStoredReport,
  type ReportFilter,
  type StoredReport,
} from './report.repository.js';

/** Who asked: a principal's name, or `warden` for the schedule. */
export interface ReportActor {
  name: string;
  requestId: string | null;
}

/** A period must be a closed interval in the past: `from` before `to`, `to` not after now. */
export function checkPeriod(from: string, to: string, now: Date): void {
  if (Number.isNaN(Date.parse(from))) throw invalidInput('must be an ISO-8601 date-time', 'from');
  if (Number.isNaN(Date.parse(to))) throw invalidInput('must be an ISO-8601 date-time', 'to');
  if (Date.parse(to) > now.getTime())
    throw invalidInput(
      `the period ends in the future (${to} is after ${now.toISOString()}): a report covers what happened`,
      'to',
    );
  if (Date.parse(from) >= Date.parse(to)) throw invalidInput('must be before "to"', 'from');
}

/**
 * Stores a generated report with the audit head it was generated at, its audit entry and the
 * `report.ready` webhook, in one transaction. A scheduled report carries a key, so when two
 * servers generate the same one only the first is stored (the second returns null).
 */
async function storeReport(
  ctx: AppContext,
  actor: ReportActor,
  content: ReportContent,
  modelId: string,
  trigger: 'schedule' | 'manual',
  scheduleKey: string | null = null,
): Promise<StoredReport | null> {
  const text = canonicalJson(content);
  const sha256 = createHash('sha256').update(text).digest('hex');
  return ctx.db.transaction().execute(async (trx) => {
    const head = (await readHead(trx, false)) ?? { seq: 0, hash: GENESIS_HASH };
    const id = newId('rpt', ctx.now().getTime());
    const row = {
      id,
      kind: content.kind,
      model_id: modelId,
      model_name: content.model,
      version: content.version,
      deployment_id: content.deploymentId,
      period_from: content.period.from,
      period_to: content.period.to,
      trigger,
      schedule_key: scheduleKey,
      audit_seq: head.seq,
      audit_hash: head.hash,
      content_sha256: sha256,
      content: text,
      generated_at: ctx.now().toISOString(),
      generated_by: actor.name,
    };
    if (!(await insertReport(trx, row))) return null;
    const stored = toStoredReport(row);
    const summary = {
      id,
      kind: content.kind,
      model: content.model,
      version: content.version,
      period: content.period,
      verdict: content.verdict,
      contentSha256: sha256,
      auditHead: stored.auditHead,
    };
    await ctx.audit.append(trx, {
      actor: actor.name,
      action: 'report.generated',
      subject: `report:${id}`,
      requestId: actor.requestId,
      change: summary,
    });
    await enqueueEvent(trx, ctx, {
      type: 'report.ready',
      subject: `model:${content.model}`,
      payload: summary,
    });
    return stored;
  });
}

/** Generates and stores the periodic report (SOP-1013 6.2/6.7) of a model for a period. */
export async function generatePeriodicReport(
  ctx: AppContext,
  actor: ReportActor,
  input: { model: string; from: string; to: string },
  trigger: 'schedule' | 'manual' = 'manual',
  scheduleKey: string | null = null,
): Promise<StoredReport | null> {
  checkPeriod(input.from, input.to, ctx.now());
  const period = { from: new Date(input.from).toISOString(), to: new Date(input.to).toISOString() };
  const facts = await loadReportFacts(ctx.db, input.model, period);
  return storeReport(ctx, actor, buildPeriodicReport(facts), facts.model.id, trigger, scheduleKey);
}

/**
 * Generates and stores the post-implementation review (SOP-1013 6.8) of a deployment: its first
 * `days` days (the tier's default when absent), up to now when fewer have elapsed.
 */
export async function generatePostImplementationReview(
  ctx: AppContext,
  actor: ReportActor,
  input: { deploymentId: string; days?: number | undefined },
): Promise<StoredReport> {
  const d = await ctx.db
    .selectFrom('deployments')
    .selectAll()
    .where('id', '=', input.deploymentId)
    .executeTakeFirst();
  if (!d) throw notFound(`deployment "${input.deploymentId}" does not exist`);
  const now = ctx.now();
  const model = await ctx.db
    .selectFrom('models')
    .select(['risk_tier'])
    .where('id', '=', d.model_id)
    .executeTakeFirstOrThrow();
  const policyFacts = await loadReportFacts(
    ctx.db,
    d.model_name,
    { from: d.deployed_at, to: d.deployed_at },
    d.version,
  );
  const days =
    input.days ??
    documentationPolicy(policyFacts.policy, Number(model.risk_tier)).postImplementationReviewDays;
  const start = Date.parse(d.deployed_at);
  const end = Math.min(start + days * 86_400_000, now.getTime());
  if (end <= start) throw invalidInput('the deployment has not run yet: nothing to review', 'deploymentId');
  const period = { from: d.deployed_at, to: new Date(end).toISOString() };
  const facts = await loadReportFacts(ctx.db, d.model_name, period, d.version);
  const content = buildPostImplementationReview(facts, {
    id: d.id,
    version: d.version,
    environment: d.environment,
    target: d.target,
    deployedAt: d.deployed_at,
    days,
    elapsedDays: Math.floor((end - start) / 86_400_000),
  });
  return (await storeReport(ctx, actor, content, d.model_id, 'manual'))!;
}

/** A stored report with its content. */
export async function getReport(
  ctx: AppContext,
  id: string,
): Promise<{ meta: StoredReport; content: ReportContent; text: string }> {
  const row = await findReportRow(ctx.db, id);
  if (!row) throw notFound(`report "${id}" does not exist`);
  return { meta: toStoredReport(row), content: JSON.parse(row.content) as ReportContent, text: row.content };
}

export async function listReports(ctx: AppContext, filter: ReportFilter): Promise<StoredReport[]> {
  return findReports(ctx.db, filter);
}

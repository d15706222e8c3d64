import { loadExplainabilityEvidence } from '../explanations/explanation-evidence.service.js';
import { generateModelCard } from '../modelcards/model-card.service.js';
import { conflict, forbidden, invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import {
  getActivePolicy,
  requiredValidationLevel,
  tierPolicy,
  validationChecksFor,
  type ValidationLevel,
} from '../policy/index.js';
import { requireModel, requireVersion, type Actor } from '../registry/registry.service.js';
import type { ModelVersion } from '../registry/version.schema.js';
import { gateBump } from '../registry/version-bump.js';
import {
  metricsOn,
  round,
  type ArtifactDigest,
  type ChampionInfo,
  type SuiteInput,
} from './check-context.js';
import { prepareValidationData, type FeatureValue } from './validation-input.js';
import { runValidationSuite } from './validation-suite.js';
import {
  findReferenceRows,
  findRunRow,
  findRunRows,
  findWaiverRow,
  findStandingWaivers,
  findWaiverRows,
  insertRun,
  insertWaiver,
  lockRunRow,
  markWaiverApproved,
  type ValidationRunRow,
  type ValidationWaiverRow,
} from './validation.repository.js';
import type {
  RunLevel,
  CheckResult,
  CreateWaiverInput,
  RunValidationInput,
  ValidationRun,
  Waiver,
} from './validation.schema.js';

/** Stored reference rows read for drift; PSI needs no more. */
const REFERENCE_SAMPLE = 50_000;

function toRun(row: ValidationRunRow): ValidationRun {
  const summary = JSON.parse(row.summary) as Record<string, unknown>;
  return {
    id: row.id,
    model: row.model_name,
    version: row.version,
    passed: Number(row.passed) === 1,
    level: row.level as RunLevel,
    requiredLevel: (summary.requiredLevel as ValidationLevel | null | undefined) ?? null,
    policyVersion: Number(row.policy_version),
    checks: JSON.parse(row.checks) as CheckResult[],
    summary,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function toWaiver(row: ValidationWaiverRow): Waiver {
  return {
    id: row.id,
    runId: row.run_id,
    check: row.check_name,
    reason: row.reason,
    until: row.until,
    status: row.status as Waiver['status'],
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
  };
}

async function artifactDigest(ctx: AppContext, version: ModelVersion): Promise<ArtifactDigest> {
  if (!version.artifact) return { status: 'absent' };
  const expected = version.artifact.sha256;
  const blob = await ctx.artifacts.digest(expected);
  if (!blob) return { status: 'missing', expected };
  return blob.sha256 === expected
    ? { status: 'match', sha256: expected }
    : { status: 'mismatch', expected, actual: blob.sha256 };
}

async function storedReference(
  db: Executor,
  versionId: string,
): Promise<Array<Record<string, FeatureValue>> | null> {
  const rows = await findReferenceRows(db, versionId, REFERENCE_SAMPLE);
  const out: Array<Record<string, FeatureValue>> = [];
  for (const text of rows) {
    const record = JSON.parse(text) as { features?: unknown };
    if (record.features && typeof record.features === 'object')
      out.push(record.features as Record<string, FeatureValue>);
  }
  return out.length > 0 ? out : null;
}

/**
 * Runs the validation suite on a version and stores the report with its audit entry. The level
 * defaults to what the policy requires for the bump over the production champion. Bad input is
 * refused before anything is read or written.
 */
export async function runValidation(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  versionName: string,
  input: RunValidationInput,
): Promise<ValidationRun> {
  const data = prepareValidationData(input);
  const model = await requireModel(ctx.db, modelName);
  const version = await requireVersion(ctx.db, modelName, versionName);
  const policy = await getActivePolicy(ctx.db);
  const tier = model.riskTier;

  let champion: ChampionInfo | null = null;
  let championVersion: ModelVersion | null = null;
  const championName = model.championVersion;
  if (championName !== null && championName !== version.version) {
    championVersion = await requireVersion(ctx.db, modelName, championName);
    const v = championVersion;
    champion = { version: v.version, metrics: v.metrics, segmentMetrics: v.segmentMetrics };
  }
  // The stricter of the bump the version string declares and the one its changes require.
  const gate = gateBump(championVersion, version);
  const bump = gate.bump;
  const requiredLevel = requiredValidationLevel(policy.document, tier, bump);
  const level: ValidationLevel = input.level ?? requiredLevel ?? 'smoke';

  let reference: SuiteInput['reference'] = null;
  if (input.reference)
    reference = {
      rows: input.reference.features,
      source: `reference sample submitted with the request (${input.reference.features.length} rows)`,
    };
  else {
    const rows = await storedReference(ctx.db, version.id);
    if (rows)
      reference = { rows, source: `stored training reference of ${version.version} (${rows.length} rows)` };
  }

  const requirements = validationChecksFor(policy.document, tier, level);
  const suiteInput: SuiteInput = {
    tier,
    level,
    requirements,
    policy: tierPolicy(policy.document, tier).validation,
    data,
    champion,
    version,
    artifact: await artifactDigest(ctx, version),
    reference,
    evidence: input.evidence ?? {},
    modelCardGaps: requirements.some((r) => r.name === 'model-card.complete')
      ? (await generateModelCard(ctx.db, modelName, versionName, ctx.now())).gateGaps
      : undefined,
    explainability: requirements.some((r) => r.name === 'explainability.evidence')
      ? await loadExplainabilityEvidence(ctx.db, version.id)
      : undefined,
  };
  const outcome = runValidationSuite(suiteInput);
  const candidate = metricsOn(data.labels, data.predictions, data.scores, data.threshold);
  const summary = {
    records: data.n,
    threshold: data.threshold,
    bump,
    declaredBump: gate.declared,
    requiredBump: gate.required,
    bumpReasons: gate.reasons,
    requiredLevel,
    tier,
    metrics: Object.fromEntries(Object.entries(candidate).map(([k, v]) => [k, v === null ? null : round(v)])),
    champion: champion
      ? {
          version: champion.version,
          source: data.championPredictions ? 'predictions submitted on the same rows' : 'recorded metrics',
        }
      : null,
    reference: reference?.source ?? null,
    missingInputs: outcome.checks.flatMap((c) => (c.missing ? [{ check: c.name, input: c.missing }] : [])),
    evidence: input.evidence ? { ...input.evidence, provenance: 'submitted, not measured' } : null,
  };

  const id = newId('val');
  const now = ctx.now().toISOString();
  const run: ValidationRun = {
    id,
    model: model.name,
    version: version.version,
    passed: outcome.passed,
    level,
    requiredLevel,
    policyVersion: policy.version,
    checks: outcome.checks,
    summary,
    createdAt: now,
    createdBy: actor.principal.name,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await insertRun(trx, {
      id,
      model_id: model.id,
      model_name: model.name,
      version_id: version.id,
      version: version.version,
      passed: outcome.passed ? 1 : 0,
      level,
      policy_version: policy.version,
      checks: JSON.stringify(outcome.checks),
      summary: JSON.stringify(summary),
      created_at: now,
      created_by: actor.principal.name,
    });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'validation.run_recorded',
      subject: `model:${model.name}@${version.version}`,
      requestId: actor.requestId,
      change: {
        id,
        passed: outcome.passed,
        level,
        policyVersion: policy.version,
        checks: outcome.checks.map((c) => ({ name: c.name, status: c.status })),
      },
    });
  });
  return run;
}

export async function requireRun(db: Executor, id: string): Promise<ValidationRun> {
  const row = await findRunRow(db, id);
  if (!row) throw notFound(`validation run "${id}" does not exist`);
  return toRun(row);
}

/** What the lifecycle workflow reads as evidence. */
export interface ValidationEvidence {
  id: string;
  modelName: string;
  version: string;
  versionId: string;
  passed: boolean;
  level: RunLevel;
  checks: CheckResult[];
  createdAt: string;
  /** Who filed the run (separation of duties keeps them from approving a request relying on it). */
  createdBy: string;
}

/** A stored validation run by id, or undefined. */
export async function findValidationRun(db: Executor, id: string): Promise<ValidationEvidence | undefined> {
  const row = await findRunRow(db, id);
  if (!row) return undefined;
  const run = toRun(row);
  return {
    id: run.id,
    modelName: run.model,
    version: run.version,
    versionId: row.version_id,
    passed: run.passed,
    level: run.level,
    checks: run.checks,
    createdAt: run.createdAt,
    createdBy: row.created_by,
  };
}

export async function listRuns(
  db: Executor,
  modelName: string,
  versionName: string,
  page: { before?: { at: string; id: string } | undefined; limit: number },
): Promise<ValidationRun[]> {
  const version = await requireVersion(db, modelName, versionName);
  return (await findRunRows(db, { versionId: version.id, ...page })).map(toRun);
}

/**
 * The run as evidence at `now`: each failed check covered by an approved waiver that has not
 * expired reads `waived`. The stored report itself never changes.
 */
export async function effectiveValidationStatus(
  db: Executor,
  runId: string,
  now: Date,
): Promise<{ passed: boolean; checks: CheckResult[] }> {
  const run = await requireRun(db, runId);
  const nowIso = now.toISOString();
  const waivers = (await findWaiverRows(db, runId)).filter(
    (w) => w.status === 'approved' && w.until > nowIso,
  );
  const checks = run.checks.map((check) => {
    const waiver = check.status === 'fail' ? waivers.find((w) => w.check_name === check.name) : undefined;
    if (!waiver) return check;
    return {
      ...check,
      status: 'waived' as const,
      waiver: {
        id: waiver.id,
        reason: waiver.reason,
        until: waiver.until,
        approvedBy: waiver.approved_by ?? '',
      },
    };
  });
  return { passed: checks.every((c) => c.status !== 'fail'), checks };
}

/**
 * Asks for a waiver of one failed check; compliance approves it separately. Refused while another
 * waiver of the same check of the run is pending or approved and not expired.
 */
export async function requestWaiver(
  ctx: AppContext,
  actor: Actor,
  runId: string,
  input: CreateWaiverInput,
): Promise<Waiver> {
  const now = ctx.now();
  const until = new Date(input.until);
  if (until.getTime() <= now.getTime()) throw invalidInput('until: must be in the future', 'until');
  return ctx.db.transaction().execute(async (trx) => {
    const run = await requireRun(trx, runId);
    const check = run.checks.find((c) => c.name === input.check);
    if (!check)
      throw invalidInput(
        `check: run ${runId} has no check "${input.check}" (it has ${run.checks.map((c) => c.name).join(', ')})`,
        'check',
      );
    if (check.status !== 'fail')
      throw conflict(
        `check "${input.check}" did not fail (${check.status}); there is nothing to waive`,
        'check',
      );
    if (ctx.store.capabilities.rowLocks) await lockRunRow(trx, runId);
    const standing = (await findStandingWaivers(trx, runId, input.check, now.toISOString()))[0];
    if (standing)
      throw conflict(
        `check "${input.check}" of run ${runId} already has a ${standing.status} waiver ${standing.id} (until ${standing.until}); one waiver per check at a time`,
        'check',
        { waiverId: standing.id, status: standing.status },
      );
    const row: ValidationWaiverRow = {
      id: newId('wvr'),
      run_id: runId,
      check_name: input.check,
      reason: input.reason,
      until: until.toISOString(),
      status: 'pending',
      requested_by: actor.principal.name,
      requested_at: now.toISOString(),
      approved_by: null,
      approved_at: null,
    };
    await insertWaiver(trx, row);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'validation.waiver_requested',
      subject: `validation:${runId}`,
      requestId: actor.requestId,
      change: { id: row.id, check: row.check_name, reason: row.reason, until: row.until },
    });
    return toWaiver(row);
  });
}

/**
 * Called in the approval's transaction once a waiver is approved, so whatever holds the run as
 * evidence (change requests) is judged again atomically with the approval. Given at composition.
 */
export type WaiverApprovedHook = (
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  waiver: { id: string; runId: string; check: string },
) => Promise<void>;

/** Approves a pending waiver: compliance only, never the person who asked for it, never once expired. */
export async function approveWaiver(
  ctx: AppContext,
  actor: Actor,
  waiverId: string,
  onApproved?: WaiverApprovedHook,
): Promise<Waiver> {
  if (!actor.principal.roles.includes('compliance'))
    throw forbidden('only the compliance role approves waivers');
  const now = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findWaiverRow(trx, waiverId);
    if (!row) throw notFound(`waiver "${waiverId}" does not exist`);
    if (row.requested_by === actor.principal.name)
      throw forbidden(`${actor.principal.name} requested this waiver and cannot approve it`);
    if (row.status !== 'pending') throw conflict(`waiver "${waiverId}" is already ${row.status}`);
    if (row.until <= now) throw conflict(`waiver "${waiverId}" expired at ${row.until}`);
    if (ctx.store.capabilities.rowLocks) await lockRunRow(trx, row.run_id);
    const approved = (await findStandingWaivers(trx, row.run_id, row.check_name, now)).find(
      (w) => w.status === 'approved',
    );
    if (approved)
      throw conflict(
        `check "${row.check_name}" of run ${row.run_id} is already waived by ${approved.id} (until ${approved.until})`,
        'id',
        { waiverId: approved.id },
      );
    if (!(await markWaiverApproved(trx, waiverId, actor.principal.name, now)))
      throw conflict(`waiver "${waiverId}" was approved by someone else meanwhile`);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'validation.waiver_approved',
      subject: `validation:${row.run_id}`,
      requestId: actor.requestId,
      change: { id: waiverId, check: row.check_name, until: row.until },
    });
    await onApproved?.(trx, ctx, actor, { id: waiverId, runId: row.run_id, check: row.check_name });
    return toWaiver((await findWaiverRow(trx, waiverId))!);
  });
}

export async function listWaivers(db: Executor, runId: string): Promise<Waiver[]> {
  await requireRun(db, runId);
  return (await findWaiverRows(db, runId)).map(toWaiver);
}

/**
 * Stores the result of an experiment on a version (a rollout's A/B test) as a validation run of
 * level `experiment`, inside the caller's transaction: immutable and audited like any run, listed
 * with the version's evidence, and never counted towards a required validation level.
 */
export async function recordExperimentRun(
  trx: Executor,
  ctx: AppContext,
  input: {
    versionId: string;
    passed: boolean;
    checks: CheckResult[];
    summary: Record<string, unknown>;
    actor: string;
    requestId: string | null;
  },
): Promise<string> {
  const v = await trx
    .selectFrom('model_versions')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select(['models.id as modelId', 'models.name as modelName', 'model_versions.version as version'])
    .where('model_versions.id', '=', input.versionId)
    .executeTakeFirstOrThrow();
  const policy = await getActivePolicy(trx);
  const id = newId('val');
  const level: RunLevel = 'experiment';
  await insertRun(trx, {
    id,
    model_id: v.modelId,
    model_name: v.modelName,
    version_id: input.versionId,
    version: v.version,
    passed: input.passed ? 1 : 0,
    level,
    policy_version: policy.version,
    checks: JSON.stringify(input.checks),
    summary: JSON.stringify({ ...input.summary, requiredLevel: null }),
    created_at: ctx.now().toISOString(),
    created_by: input.actor,
  });
  await ctx.audit.append(trx, {
    actor: input.actor,
    action: 'validation.run_recorded',
    subject: `model:${v.modelName}@${v.version}`,
    requestId: input.requestId,
    change: {
      id,
      passed: input.passed,
      level,
      policyVersion: policy.version,
      checks: input.checks.map((c) => ({ name: c.name, status: c.status })),
    },
  });
  return id;
}

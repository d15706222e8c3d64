import { openSystemAlert } from '../alerts/index.js';
import { handOverDeployments } from '../deployments/index.js';
import { conflict, invalidInput, notFound, WardenError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { lockModelForOutcome } from '../monitoring/index.js';
import { getActivePolicy, rolloutPolicy } from '../policy/index.js';
import { requireModel, type Actor } from '../registry/registry.service.js';
import { recordExperimentRun } from '../validation/index.js';
import { enqueueEvent } from '../webhooks/index.js';
import {
  executeAfterRollout,
  getChangeRequest,
  openRolloutPlanChange,
  pendingRolloutPlanChange,
  type ChangeRequest,
  type ExecutedChangeRequest,
  type GovernancePayload,
} from '../workflow/index.js';
import {
  abMeanTest,
  abProportionTest,
  meanSampleSize,
  proportionSampleSize,
  type AbResult,
} from './rollout-ab.rules.js';
import { aboveP, analyseStep, countFailures, type MetricResult } from './rollout-analysis.rules.js';
import { rolloutLoosenings, type RolloutLoosening } from './rollout-governance.rules.js';
import { invalidateRoutingTable } from './rollout-routing.service.js';
import { loadVariant, shadowPairs, type LoadedVariant } from './rollout-samples.js';
import { compareShadow, type ShadowReport } from './rollout-shadow.rules.js';
import {
  findActiveRolloutRow,
  findLatestRolloutRow,
  findRolloutRow,
  findRolloutRows,
  insertRollout,
  planOf,
  toRollout,
  updateRolloutIf,
  type RolloutRow,
} from './rollout.repository.js';
import {
  ACTIVE_STATUSES,
  applyControl,
  blueGreenSwitched,
  decideStep,
  resolvePlan,
  weightsAt,
  type RolloutControl,
  type RolloutPlan,
  type RolloutStatus,
  type StepDecision,
} from './rollout.rules.js';
import type { Rollout, StartRolloutInput } from './rollout.schema.js';

/** The name automatic rollout actions are audited under. */
const SYSTEM_ACTOR = 'warden';

const iso = (ms: number) => new Date(ms).toISOString();

function subjectOf(row: Pick<RolloutRow, 'id'>): string {
  return `rollout:${row.id}`;
}

/** What a rollout starts from, checked inside the transaction that starts it. */
interface RolloutStart {
  model: { id: string; name: string; riskTier: number };
  candidate: { id: string; version: string };
  champion: { id: string; version: string };
  /** The candidate's approved production change request, which the rollout's success executes. */
  changeRequestId: string;
}

/**
 * Locks the model's row and checks that a rollout of `candidate` may start: a known candidate
 * with an approved production change request, a champion that is not the candidate, no other
 * active rollout. 409 (400 for an unknown candidate) naming what is missing.
 */
async function checkRolloutStart(
  trx: Executor,
  ctx: AppContext,
  modelName: string,
  candidateVersion: string,
): Promise<RolloutStart> {
  const model = await requireModel(trx, modelName);
  await lockModelForOutcome(trx, ctx, model.id);
  const candidate = await trx
    .selectFrom('model_versions')
    .select(['id', 'version', 'stage'])
    .where('model_id', '=', model.id)
    .where('version', '=', candidateVersion)
    .executeTakeFirst();
  if (!candidate) throw invalidInput(`${modelName} has no version ${candidateVersion}`, 'candidate');
  const modelRow = await trx
    .selectFrom('models')
    .select(['champion_version_id', 'risk_tier'])
    .where('id', '=', model.id)
    .executeTakeFirstOrThrow();
  if (!modelRow.champion_version_id)
    throw conflict(
      `${modelName} has no champion to roll out against; promote ${candidateVersion} directly`,
      'candidate',
    );
  if (modelRow.champion_version_id === candidate.id)
    throw conflict(`${modelName}@${candidateVersion} is already the champion`, 'candidate');
  const champion = await trx
    .selectFrom('model_versions')
    .select(['id', 'version'])
    .where('id', '=', modelRow.champion_version_id)
    .executeTakeFirstOrThrow();
  const request = await trx
    .selectFrom('change_requests')
    .select(['id', 'status'])
    .where('version_id', '=', candidate.id)
    .where('kind', '=', 'transition')
    .where('to_stage', '=', 'production')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (!request || request.status !== 'approved')
    throw conflict(
      request
        ? `${modelName}@${candidateVersion}: its production change request ${request.id} is ${request.status}, not approved`
        : `${modelName}@${candidateVersion} has no approved production change request; open one (approved → production) and have it approved first`,
      'candidate',
      { changeRequestId: request?.id ?? null },
    );
  const active = await findActiveRolloutRow(trx, model.id);
  if (active)
    throw conflict(`${modelName} already has an active rollout ${active.id} (${active.status})`, 'name', {
      rolloutId: active.id,
    });
  return {
    model: { id: model.id, name: model.name, riskTier: Number(modelRow.risk_tier) },
    candidate: { id: candidate.id, version: candidate.version },
    champion,
    changeRequestId: request.id,
  };
}

/**
 * Inserts a checked rollout with its resolved plan at its first step, audited `rollout.started`
 * (with the loosened fields, empty when none, and the governance change request that approved
 * them) and announced as a webhook.
 */
async function beginRollout(
  trx: Executor,
  ctx: AppContext,
  who: { createdBy: string; actor: string; requestId: string | null },
  start: RolloutStart,
  plan: RolloutPlan,
  governance: { loosenings: RolloutLoosening[]; changeRequestId?: string },
): Promise<Rollout> {
  const now = ctx.now();
  const { model, candidate, champion } = start;
  const id = newId('rol', now.getTime());
  const weight = weightsAt(plan, 0).candidate;
  const row = {
    id,
    model_id: model.id,
    model_name: model.name,
    strategy: plan.strategy,
    status: 'progressing',
    active: 1,
    candidate_version_id: candidate.id,
    candidate_version: candidate.version,
    champion_version_id: champion.id,
    champion_version: champion.version,
    change_request_id: start.changeRequestId,
    plan: JSON.stringify(plan),
    step: 0,
    candidate_weight: weight,
    step_started_at: now.toISOString(),
    next_analysis_at: iso(now.getTime() + plan.analysis.intervalSeconds * 1000),
    analysis: '[]',
    shadow: null,
    result: null,
    reason: null,
    waiting_notified_at: null,
    lease_owner: null,
    lease_until: null,
    created_by: who.createdBy,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    ended_at: null,
  };
  await insertRollout(trx, row);
  const rollout = toRollout(row);
  const payload = {
    id,
    model: model.name,
    strategy: plan.strategy,
    candidate: candidate.version,
    champion: champion.version,
    weights: rollout.weights,
  };
  await ctx.audit.append(trx, {
    actor: who.actor,
    action: 'rollout.started',
    subject: subjectOf(row),
    requestId: who.requestId,
    change: {
      ...payload,
      plan,
      changeRequestId: start.changeRequestId,
      loosened: governance.loosenings.map(looseningEntry),
      ...(governance.changeRequestId ? { governanceChangeRequestId: governance.changeRequestId } : {}),
    },
  });
  await enqueueEvent(trx, ctx, { type: 'rollout.started', subject: subjectOf(row), payload });
  return rollout;
}

const looseningEntry = (l: RolloutLoosening) => ({
  field: l.field,
  requested: l.requested,
  policy: l.policy,
  policyPath: l.policyPath,
});

/** The outcome of a rollout request: started at once, or held in a governance change request. */
export type StartRolloutResult =
  | { started: true; rollout: Rollout }
  | { started: false; changeRequest: ChangeRequest; loosenings: RolloutLoosening[] };

/**
 * Starts a rollout of an approved candidate against the model's champion. Refuses (409, naming
 * what is missing) a candidate without an approved production change request, a model without a
 * champion, a second active rollout, and a rollout while another one is held for approval. A plan
 * whose analysis is as strict as the tier's policy or stricter starts at once, audited
 * `rollout.started`, announced as a webhook. A plan looser than the policy in any respect
 * ({@link rolloutLoosenings}) does not start: it opens a `governance_change` request needing the
 * policy's `governanceChanges` approvals (audited `rollout.held_for_approval` with each loosened
 * field), and the rollout starts with the plan held when that request executes.
 */
export async function startRollout(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  input: StartRolloutInput,
): Promise<StartRolloutResult> {
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const start = await checkRolloutStart(trx, ctx, modelName, input.candidate);
    const held = await pendingRolloutPlanChange(trx, start.model.id);
    if (held)
      throw conflict(
        `${modelName} has a rollout held for approval in change request ${held.id}; it must be decided or withdrawn before another rollout starts`,
        'name',
        { changeRequestId: held.id },
      );
    const policy = await getActivePolicy(trx);
    const tier = rolloutPolicy(policy.document, start.model.riskTier);
    const plan: RolloutPlan = { ...resolvePlan(input, tier, sampleSizeOf), policyVersion: policy.version };
    const loosenings = rolloutLoosenings(plan, input, tier, start.model.riskTier);
    const who = { createdBy: actor.principal.name, actor: actor.principal.name, requestId: actor.requestId };
    if (loosenings.length === 0)
      return { rollout: await beginRollout(trx, ctx, who, start, plan, { loosenings }) };
    const id = await openRolloutPlanChange(trx, ctx, actor, {
      model: start.model,
      version: start.candidate,
      payload: {
        fact: 'rollout',
        candidate: start.candidate.version,
        strategy: plan.strategy,
        request: input,
        plan: plan as unknown as Record<string, unknown>,
        loosenings: loosenings.map((l) => l.message),
        fields: loosenings.map(looseningEntry),
      },
    });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'rollout.held_for_approval',
      subject: `model:${modelName}`,
      requestId: actor.requestId,
      change: {
        model: modelName,
        candidate: start.candidate.version,
        strategy: plan.strategy,
        governanceChangeRequestId: id,
        loosened: loosenings.map(looseningEntry),
        plan,
      },
    });
    // A policy naming no approvals for governance changes executes the request at once: the
    // reaction has started the rollout.
    const started = await findActiveRolloutRow(trx, start.model.id);
    return started ? { rollout: toRollout(started) } : { rollout: null, held: id, loosenings };
  });
  if (outcome.rollout) {
    invalidateRoutingTable(ctx);
    return { started: true, rollout: outcome.rollout };
  }
  return {
    started: false,
    changeRequest: await getChangeRequest(ctx, outcome.held),
    loosenings: outcome.loosenings,
  };
}

const sampleSizeOf = (ab: Omit<NonNullable<RolloutPlan['ab']>, 'samplesPerVariant'>) =>
  ab.metric === 'latency_ms'
    ? meanSampleSize(ab.sd!, ab.mde, ab.alpha, ab.power)
    : proportionSampleSize(ab.baseline!, ab.mde, ab.alpha, ab.power);

/**
 * Starts the rollout a `governance_change` request held, when the request executes (inside its
 * transaction): the same checks as at the request (an approved production change request, a
 * champion, no other active rollout), then the plan held, unchanged. Created by the requester,
 * audited under the approver who executed it with the loosened fields and the request's id. A
 * check that no longer holds refuses the executing approval (409), leaving the request open.
 */
export async function startHeldRollout(
  trx: Executor,
  ctx: AppContext,
  request: ExecutedChangeRequest,
  payload: Extract<GovernancePayload, { fact: 'rollout' }>,
): Promise<void> {
  let start: RolloutStart;
  try {
    start = await checkRolloutStart(trx, ctx, request.modelName!, payload.candidate);
  } catch (e) {
    if (e instanceof WardenError && e.code === 'conflict')
      throw conflict(
        `the rollout held in change request ${request.id} cannot start: ${e.message}`,
        e.field ?? 'candidate',
      );
    throw e;
  }
  await beginRollout(
    trx,
    ctx,
    { createdBy: request.requestedBy, actor: request.actor, requestId: request.requestId },
    start,
    payload.plan as unknown as RolloutPlan,
    {
      loosenings: payload.fields.map((f) => ({ ...f, message: '' })),
      changeRequestId: request.id,
    },
  );
  invalidateRoutingTable(ctx);
}

export async function getRollout(ctx: AppContext, modelName: string, id: string): Promise<Rollout> {
  const row = await findRolloutRow(ctx.db, id);
  if (!row || row.model_name !== modelName) throw notFound(`rollout ${id} of ${modelName} does not exist`);
  return toRollout(row);
}

/** The model's active rollout, or else its latest; 404 when it never had one. */
export async function currentRollout(ctx: AppContext, modelName: string): Promise<Rollout> {
  const model = await requireModel(ctx.db, modelName);
  const row =
    (await findActiveRolloutRow(ctx.db, model.id)) ?? (await findLatestRolloutRow(ctx.db, model.id));
  if (!row) throw notFound(`${modelName} has no rollout`);
  return toRollout(row);
}

export async function listRollouts(
  ctx: AppContext,
  query: { status?: RolloutStatus; model?: string; limit: number },
): Promise<Rollout[]> {
  const modelId = query.model ? (await requireModel(ctx.db, query.model)).id : undefined;
  const rows = await findRolloutRows(ctx.db, {
    ...(query.status ? { status: query.status } : {}),
    ...(modelId ? { modelId } : {}),
    limit: query.limit,
  });
  return rows.map(toRollout);
}

/**
 * The variants' records over the step so far. After a blue-green switch the champion serves
 * nobody: its baseline is its records over as long a span just before the switch.
 */
async function loadStep(db: Executor, row: RolloutRow, plan: RolloutPlan, now: Date) {
  const from = row.step_started_at;
  const to = iso(now.getTime() + 1);
  const custom = plan.analysis.custom ?? [];
  const candidate = await loadVariant(db, row.candidate_version_id, from, to, custom);
  let champion: LoadedVariant;
  if (blueGreenSwitched(plan, Number(row.step))) {
    const switchedAt = Date.parse(row.step_started_at);
    const span = now.getTime() - switchedAt;
    champion = await loadVariant(
      db,
      row.champion_version_id,
      iso(switchedAt - span),
      row.step_started_at,
      custom,
    );
  } else champion = await loadVariant(db, row.champion_version_id, from, to, custom);
  return { candidate, champion };
}

/** Analyses the rollout's current step: every metric, the shadow report, and what the step should do. */
export async function analyseRollout(
  db: Executor,
  row: RolloutRow,
  now: Date,
): Promise<{
  results: MetricResult[];
  shadow: ShadowReport | null;
  ab: AbResult | null;
  decision: StepDecision;
}> {
  const plan = planOf(row);
  const { candidate, champion } = await loadStep(db, row, plan, now);
  const a = plan.analysis;
  const results = analyseStep(
    candidate.sample,
    champion.sample,
    {
      thresholds: a.thresholds,
      minSamplesPerVariant: a.minSamplesPerVariant,
      alpha: a.alpha,
      requireLabels: a.requireLabels,
      // At 100 % (a canary's last step, a blue-green after its switch) the champion serves nobody:
      // judge against thresholds.
      championServes: Number(row.candidate_weight) < 100,
    },
    a.custom ?? [],
  );
  if (plan.strategy === 'blue-green' && !blueGreenSwitched(plan, Number(row.step)) && plan.steps[0] === 0) {
    // Smoke requests are chosen, not a sample of live traffic: their predictions are not compared.
    results.splice(
      results.findIndex((r) => r.metric === 'prediction_psi'),
      1,
    );
  }
  let shadow: ShadowReport | null = null;
  let ab: AbResult | null = null;
  if (plan.strategy === 'shadow') {
    // The candidate serves nobody: its predictions are judged by agreement, not by drift from the champion.
    results.splice(
      results.findIndex((r) => r.metric === 'prediction_psi'),
      1,
    );
    shadow = compareShadow(shadowPairs(champion, candidate));
    results.push(judgeShadow(shadow, a.thresholds.shadowAgreement, a.minSamplesPerVariant, a.alpha));
  }
  if (plan.ab) {
    const abPlan = plan.ab;
    const c = candidate.sample;
    const k = champion.sample;
    const counts =
      abPlan.metric === 'latency_ms'
        ? { candidate: c.latencies.length, champion: k.latencies.length }
        : abPlan.metric === 'accuracy'
          ? { candidate: c.labelled, champion: k.labelled }
          : { candidate: c.n, champion: k.n };
    const ready = counts.candidate >= abPlan.samplesPerVariant && counts.champion >= abPlan.samplesPerVariant;
    if (ready)
      ab =
        abPlan.metric === 'latency_ms'
          ? abMeanTest(c.latencies, k.latencies, abPlan.alpha)
          : abPlan.metric === 'accuracy'
            ? abProportionTest(c.correct, c.labelled, k.correct, k.labelled, abPlan.alpha)
            : abProportionTest(c.errors, c.n, k.errors, k.n, abPlan.alpha);
    // Significantly worse than the champion ends the test as a failure (a rollback), not a promotion.
    const worse = ab !== null && abWorse(abPlan, ab);
    if (ab)
      results.push({
        metric: `ab_${abPlan.metric}`,
        counts,
        value: { champion: ab.champion.value, candidate: ab.candidate.value },
        threshold: abPlan.alpha,
        verdict: worse ? 'fail' : 'pass',
        blocking: true,
        pValue: ab.pValue,
      });
    results.push({
      metric: `ab_samples_${abPlan.metric}`,
      counts,
      value: { champion: counts.champion, candidate: counts.candidate },
      threshold: abPlan.samplesPerVariant,
      verdict: ready ? 'pass' : 'insufficient_data',
      blocking: true,
    });
  }
  const holdSeconds = plan.durationHours !== null ? plan.durationHours * 3600 : a.stepSeconds;
  const counted = countFailures(results, JSON.parse(row.analysis) as MetricResult[], a.failureLimit ?? 0, {
    ...Object.fromEntries(
      (a.custom ?? []).flatMap((m) =>
        m.failureLimit !== undefined ? [[`custom:${m.name}`, m.failureLimit]] : [],
      ),
    ),
    ...(a.failureLimits ?? {}),
  });
  const decision = decideStep({
    now: now.getTime(),
    stepStartedAt: Date.parse(row.step_started_at),
    holdSeconds,
    maxWaitSeconds: a.maxWaitSeconds,
    results: counted,
    lastStep: Number(row.step) >= plan.steps.length - 1,
    automaticRollback: plan.automaticRollback,
  });
  return { results: counted, shadow, ab, decision };
}

/** Whether an A/B result shows the candidate significantly worse (lower accuracy; more errors or latency). */
function abWorse(plan: NonNullable<RolloutPlan['ab']>, ab: AbResult): boolean {
  return ab.significant && (plan.metric === 'accuracy' ? ab.difference < 0 : ab.difference > 0);
}

/**
 * Stores a finished A/B test as validation evidence of the candidate (a run of level
 * `experiment`): the test, difference, interval, effect size and p-value against the plan's
 * α, MDE and power. Nothing when the rollout is not an A/B test or the test never ran.
 */
async function recordAbEvidence(
  trx: Executor,
  ctx: AppContext,
  row: RolloutRow,
  ab: AbResult | null,
  who: { name: string; requestId: string | null },
): Promise<string | null> {
  const plan = planOf(row).ab;
  const result = ab ?? (row.result ? (JSON.parse(row.result) as AbResult) : null);
  if (!plan || !result) return null;
  const worse = abWorse(plan, result);
  const f = (x: number) => Number(x.toPrecision(6));
  return recordExperimentRun(trx, ctx, {
    versionId: row.candidate_version_id,
    passed: !worse,
    checks: [
      {
        name: `ab.${plan.metric}`,
        status: worse ? 'fail' : 'pass',
        value: {
          test: result.test,
          candidate: result.candidate.value,
          champion: result.champion.value,
          difference: result.difference,
          ciLow: result.ci[0],
          ciHigh: result.ci[1],
          effectSize: result.effectSize,
          statistic: result.statistic,
          pValue: result.pValue,
        },
        threshold: {
          alpha: plan.alpha,
          mde: plan.mde,
          power: plan.power,
          samplesPerVariant: plan.samplesPerVariant,
        },
        rule: `rollout.ab.${plan.metric}`,
        detail:
          `${plan.metric}: candidate ${f(result.candidate.value)} (n ${result.candidate.n}) against champion ${f(result.champion.value)} (n ${result.champion.n}); ` +
          `difference ${f(result.difference)}, ${Math.round(result.confidence * 100)} % interval [${f(result.ci[0])}, ${f(result.ci[1])}], ` +
          `p ${f(result.pValue)} (${result.test}) — ${worse ? 'significantly worse than the champion' : result.significant ? 'significantly better than the champion' : 'no significant difference'}`,
      },
    ],
    summary: { rollout: row.id, champion: row.champion_version, plan, result },
    actor: who.name,
    requestId: who.requestId,
  });
}

/** Shadow agreement: passes at or above the threshold with enough pairs; fails when significantly below. */
function judgeShadow(
  report: ShadowReport,
  threshold: number,
  minSamples: number,
  alpha: number,
): MetricResult {
  const n = report.n;
  const rate = report.task === 'classification' ? (report.agreementRate ?? 0) : null;
  let verdict: MetricResult['verdict'] = 'insufficient_data';
  let pValue = 1;
  if (rate !== null && n > 0) {
    const disagreements = Math.round((1 - rate) * n);
    pValue = aboveP(disagreements, n, 1 - threshold);
    if (rate < threshold && pValue < alpha) verdict = 'fail';
    else if (n >= minSamples) verdict = rate >= threshold ? 'pass' : 'fail';
  } else if (report.task === 'regression' && n >= minSamples) verdict = 'pass';
  return {
    metric: report.task === 'classification' ? 'shadow_agreement' : 'shadow_mean_abs_difference',
    counts: { champion: n, candidate: n },
    value: { champion: null, candidate: rate ?? report.meanAbsDifference ?? null },
    threshold: report.task === 'classification' ? threshold : null,
    verdict,
    blocking: true,
    pValue,
  };
}

async function announce(
  trx: Executor,
  ctx: AppContext,
  row: RolloutRow,
  action: 'rollout.advanced' | 'rollout.paused' | 'rollout.resumed' | 'rollout.aborted' | 'rollout.succeeded',
  actor: { name: string; requestId: string | null },
  change: Record<string, unknown>,
): Promise<void> {
  const payload = {
    id: row.id,
    model: row.model_name,
    candidate: row.candidate_version,
    champion: row.champion_version,
    ...change,
  };
  await ctx.audit.append(trx, {
    actor: actor.name,
    action,
    subject: subjectOf(row),
    requestId: actor.requestId,
    change: payload,
  });
  await enqueueEvent(trx, ctx, { type: action, subject: subjectOf(row), payload });
}

/**
 * Carries out a step decision (or a control) on a locked, current row inside `trx`: advance the
 * step, complete (execute the approved production change request), pause, or abort (candidate
 * weight 0 at once, an alert naming the rollout, audited and announced).
 */
async function applyDecision(
  trx: Executor,
  ctx: AppContext,
  row: RolloutRow,
  decision: StepDecision,
  extra: { results?: MetricResult[]; shadow?: ShadowReport | null; ab?: AbResult | null },
  actor: Actor | null,
  expect: { leaseOwner?: string },
): Promise<void> {
  const now = ctx.now();
  const at = now.toISOString();
  const plan = planOf(row);
  const who = actor
    ? { name: actor.principal.name, requestId: actor.requestId }
    : { name: SYSTEM_ACTOR, requestId: null };
  const stored = {
    ...(extra.results ? { analysis: JSON.stringify(extra.results) } : {}),
    ...(extra.shadow ? { shadow: JSON.stringify(extra.shadow) } : {}),
    ...(extra.ab ? { result: JSON.stringify(extra.ab) } : {}),
    lease_owner: null,
    lease_until: null,
    updated_at: at,
  };
  const status = row.status as RolloutStatus;
  const update = async (changes: Parameters<typeof updateRolloutIf>[3]) => {
    if (!(await updateRolloutIf(trx, row.id, { status, ...expect }, { ...stored, ...changes })))
      throw conflict(`rollout ${row.id} changed while it was being updated; read it again`, 'status');
  };
  const nextAnalysis = iso(now.getTime() + plan.analysis.intervalSeconds * 1000);
  switch (decision.kind) {
    case 'hold':
      await update({ next_analysis_at: nextAnalysis });
      return;
    case 'advance': {
      const step = Number(row.step) + 1;
      const weights = weightsAt(plan, step);
      await update({
        step,
        candidate_weight: weights.candidate,
        step_started_at: at,
        next_analysis_at: nextAnalysis,
        status: 'progressing',
      });
      await announce(trx, ctx, row, 'rollout.advanced', who, {
        step,
        weights,
        ...(blueGreenSwitched(plan, step) ? { phase: 'switched' } : {}),
      });
      return;
    }
    case 'pause':
      await update({
        status: 'paused',
        reason: decision.reason,
        waiting_notified_at: at,
        next_analysis_at: nextAnalysis,
      });
      await announce(trx, ctx, row, 'rollout.paused', who, {
        reason: decision.reason,
        step: Number(row.step),
      });
      return;
    case 'abort': {
      await update({
        status: 'aborted',
        active: null,
        candidate_weight: 0,
        reason: decision.reason,
        ended_at: at,
      });
      const failed = (extra.results ?? (JSON.parse(row.analysis) as MetricResult[])).filter(
        (r) => r.verdict === 'fail',
      );
      const model = await trx
        .selectFrom('models')
        .select(['id', 'name', 'risk_tier'])
        .where('id', '=', row.model_id)
        .executeTakeFirstOrThrow();
      const alertId = await openSystemAlert(trx, ctx, {
        model: { id: model.id, name: model.name, riskTier: Number(model.risk_tier) },
        version: row.candidate_version,
        rule: `rollout:${row.id}`,
        policyRule: `tiers.${model.risk_tier}.rollout.automaticRollback`,
        severity: 'high',
        value: failed[0]?.value.candidate ?? null,
        threshold: failed[0]?.threshold ?? null,
        detail: `rollout ${row.id} of ${row.model_name}@${row.candidate_version} aborted and rolled back: ${decision.reason}`,
        from: row.step_started_at,
        now,
      });
      const evidence = await recordAbEvidence(trx, ctx, row, extra.ab ?? null, who);
      await announce(trx, ctx, row, 'rollout.aborted', who, {
        reason: decision.reason,
        step: Number(row.step),
        weights: { champion: 100, candidate: 0 },
        failed,
        alertId,
        ...(evidence ? { validationRunId: evidence } : {}),
      });
      return;
    }
    case 'complete': {
      await update({ status: 'succeeded', active: null, candidate_weight: 100, ended_at: at, reason: null });
      await executeAfterRollout(
        trx,
        ctx,
        actor ?? {
          principal: { tokenId: 'system', name: SYSTEM_ACTOR, roles: ['admin'] },
          requestId: `rollout:${row.id}`,
        },
        row.change_request_id,
        row.id,
      );
      // The champion's places now run the candidate: deployments show the final shares.
      const deployments = await handOverDeployments(trx, ctx, {
        fromVersionId: row.champion_version_id,
        to: { id: row.candidate_version_id, version: row.candidate_version, stage: 'production' },
        actor: who.name,
        requestId: who.requestId,
        reason: `rollout ${row.id} succeeded: ${row.candidate_version} replaces ${row.champion_version}`,
      });
      const evidence = await recordAbEvidence(trx, ctx, row, extra.ab ?? null, who);
      await announce(trx, ctx, row, 'rollout.succeeded', who, {
        steps: plan.steps,
        weights: { champion: 0, candidate: 100 },
        deployments: deployments.map((d) => d.id),
        ...(evidence ? { validationRunId: evidence } : {}),
        ...(extra.ab ? { result: extra.ab } : {}),
      });
      return;
    }
  }
}

/**
 * Lock-and-reload inside a transaction: the row as it is now (locked on PostgreSQL). Every
 * transaction that decides on a rollout locks its model's row first, as monitor outcomes do
 * (`lockModelForOutcome`): model, then rollout, then the audit chain's head, in every path, so an
 * evaluation that rolls a candidate back and the rollout's own decision never wait on each other
 * in a circle.
 */
async function lockRollout(trx: Executor, ctx: AppContext, id: string): Promise<RolloutRow> {
  const row = await findRolloutRow(trx, id, ctx.store.capabilities.rowLocks);
  if (!row) throw notFound(`rollout ${id} does not exist`);
  return row;
}

/**
 * `promote` (skip to the next step, or complete at the last), `pause`, `resume`, `abort`, by a
 * person; audited. A manual abort rolls back exactly like an automatic one.
 */
export async function controlRollout(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  id: string,
  control: RolloutControl,
  reason: string | undefined,
): Promise<Rollout> {
  await ctx.db.transaction().execute(async (trx) => {
    const found = await findRolloutRow(trx, id);
    if (!found || found.model_name !== modelName)
      throw notFound(`rollout ${id} of ${modelName} does not exist`);
    await lockModelForOutcome(trx, ctx, found.model_id);
    const row = await lockRollout(trx, ctx, id);
    const status = row.status as RolloutStatus;
    applyControl(status, control);
    const plan = planOf(row);
    const by = reason
      ? `${control} by ${actor.principal.name}: ${reason}`
      : `${control} by ${actor.principal.name}`;
    if (control === 'abort')
      return applyDecision(trx, ctx, row, { kind: 'abort', reason: by }, {}, actor, {});
    if (control === 'pause')
      return applyDecision(trx, ctx, row, { kind: 'pause', reason: by }, {}, actor, {});
    if (control === 'resume') {
      const at = ctx.now().toISOString();
      if (
        !(await updateRolloutIf(
          trx,
          id,
          { status },
          { status: 'progressing', reason: null, next_analysis_at: at, step_started_at: at, updated_at: at },
        ))
      )
        throw conflict(`rollout ${id} changed while it was being updated; read it again`, 'status');
      await announce(
        trx,
        ctx,
        row,
        'rollout.resumed',
        { name: actor.principal.name, requestId: actor.requestId },
        { reason: reason ?? null },
      );
      return;
    }
    if (plan.strategy === 'shadow') {
      // Promoting a shadow rollout needs mirrored predictions to have compared at all.
      const { shadow } = await analyseRollout(trx, row, ctx.now());
      if (!shadow || shadow.n === 0)
        throw conflict(
          `rollout ${id} has no shadow records: the gateway must log the candidate's mirrored predictions under the champion's record ids before a shadow rollout can be promoted`,
          'shadow',
        );
    }
    const last = Number(row.step) >= plan.steps.length - 1;
    await applyDecision(trx, ctx, row, last ? { kind: 'complete' } : { kind: 'advance' }, {}, actor, {});
  });
  invalidateRoutingTable(ctx);
  return getRollout(ctx, modelName, id);
}

/**
 * One analysis of a claimed rollout: reads its step's records, decides, and applies the decision
 * only while this server still holds the lease (another server that took over after the lease ran
 * out wins; nothing is applied twice).
 */
export async function runClaimedRollout(
  ctx: AppContext,
  id: string,
  owner: string,
): Promise<StepDecision | null> {
  const row = await findRolloutRow(ctx.db, id);
  if (!row || row.status !== 'progressing' || row.lease_owner !== owner) return null;
  const now = ctx.now();
  const { results, shadow, ab, decision } = await analyseRollout(ctx.db, row, now);
  const applied = await ctx.db.transaction().execute(async (trx) => {
    await lockModelForOutcome(trx, ctx, row.model_id);
    const current = await lockRollout(trx, ctx, id);
    if (current.status !== 'progressing' || current.lease_owner !== owner || current.step !== row.step)
      return null;
    await applyDecision(trx, ctx, current, decision, { results, shadow, ab }, null, { leaseOwner: owner });
    return decision;
  });
  // A step, a success or an abort changes the weights: this server's next answer reflects it.
  if (applied) invalidateRoutingTable(ctx);
  return applied;
}

/**
 * Rollouts subscribe to monitor outcomes too: a candidate in an active rollout whose own
 * monitors reach alert status on error or performance rules is rolled back at once, inside the
 * evaluation's transaction.
 */
export async function abortOnMonitorAlert(
  trx: Executor,
  ctx: AppContext,
  outcome: {
    model: { id: string };
    version: string;
    checks: ReadonlyArray<{ rule: string; status: string; value: number | null; threshold: number | null }>;
  },
): Promise<number> {
  const row = await findActiveRolloutRow(trx, outcome.model.id);
  if (!row || row.candidate_version !== outcome.version || row.status === 'pending') return 0;
  const firing = outcome.checks.filter((c) => c.status === 'alert' && ROLLBACK_RULES.test(c.rule));
  if (firing.length === 0 || !planOf(row).automaticRollback) return 0;
  const reason = `monitor alert on the candidate: ${firing.map((c) => `${c.rule} ${c.value} > ${c.threshold}`).join(', ')}`;
  // The publisher holds the model's row, so no decision can have ended the rollout since it was
  // read; checked again all the same, so an ended rollout is never aborted twice.
  const current = await lockRollout(trx, ctx, row.id);
  if (!ACTIVE_STATUSES.includes(current.status as RolloutStatus)) return 0;
  await applyDecision(trx, ctx, current, { kind: 'abort', reason }, {}, null, {});
  invalidateRoutingTable(ctx);
  return 1;
}

/** Monitor rules whose alert on a candidate rolls its rollout back: errors and predictive performance. */
const ROLLBACK_RULES = /^(error_rate|latency|accuracy|precision|recall|f1|roc_auc|mae|rmse|brier)/;

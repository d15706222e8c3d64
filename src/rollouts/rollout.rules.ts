/**
 * Rollout plans and the step state machine, pure: which weights each step gives the candidate,
 * what the tier's policy fills in, which control is allowed in which state, and what one analysis
 * decides for the step (hold, advance, complete, pause or abort). Time is a parameter.
 */
import { invalidInput } from '../core/errors.js';
import { customMetricIssue, type RolloutAnalysisPolicy } from '../policy/index.js';
import type { AnalysisThresholds, CustomMetric, MetricResult } from './rollout-analysis.rules.js';
import { breachesLimit, overallVerdict } from './rollout-analysis.rules.js';

export const ROLLOUT_STRATEGIES = ['canary', 'shadow', 'blue-green', 'ab'] as const;
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];

export const ROLLOUT_STATUSES = ['pending', 'progressing', 'paused', 'succeeded', 'aborted'] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

/** States in which a model's rollout is still active (one per model). */
export const ACTIVE_STATUSES: readonly RolloutStatus[] = ['pending', 'progressing', 'paused'];

export const ROLLOUT_CONTROLS = ['promote', 'pause', 'resume', 'abort'] as const;
export type RolloutControl = (typeof ROLLOUT_CONTROLS)[number];

/** The tier's rollout policy, as the policy document holds it. */
export interface TierRolloutPolicy {
  canaryStepsPct: number[];
  minStepMinutes: number;
  shadowHours: number;
  rollbackErrorRatePct: number;
  rollbackAccuracyDropPct: number;
  automaticRollback: boolean;
  /** Analysis defaults of the tier's rollouts (absent: Warden's defaults). */
  analysis?: RolloutAnalysisPolicy | undefined;
}

/** What a caller may set when starting a rollout; everything else comes from the policy. */
export interface RolloutRequest {
  strategy: RolloutStrategy;
  steps?: number[] | undefined;
  analysis?:
    | {
        intervalSeconds?: number | undefined;
        stepSeconds?: number | undefined;
        minSamplesPerVariant?: number | undefined;
        maxWaitSeconds?: number | undefined;
        alpha?: number | undefined;
        requireLabels?: boolean | undefined;
        thresholds?: Partial<AnalysisThresholds & { shadowAgreement: number }> | undefined;
        failureLimit?: number | undefined;
        failureLimits?: Record<string, number> | undefined;
        custom?: CustomMetricRequest[] | undefined;
      }
    | undefined;
  durationHours?: number | undefined;
  /** Blue-green: the candidate's share of live traffic during the smoke phase (default 0). */
  smokePct?: number | undefined;
  ab?:
    | {
        metric?: 'error_rate' | 'accuracy' | 'latency_ms' | undefined;
        split?: number | undefined;
        baseline?: number | undefined;
        sd?: number | undefined;
        mde: number;
        power?: number | undefined;
        alpha?: number | undefined;
      }
    | undefined;
}

export interface AbPlan {
  metric: 'error_rate' | 'accuracy' | 'latency_ms';
  split: number;
  mde: number;
  power: number;
  alpha: number;
  baseline: number | null;
  sd: number | null;
  samplesPerVariant: number;
}

/** A custom metric as a caller states it (undefined members are left out of the plan). */
export interface CustomMetricRequest {
  name: string;
  signal: string;
  aggregate: CustomMetric['aggregate'];
  maxValue?: number | undefined;
  maxIncrease?: number | undefined;
  failureLimit?: number | undefined;
}

/** A resolved plan: every field filled, as stored with the rollout. */
export interface RolloutPlan {
  strategy: RolloutStrategy;
  /** Candidate share (percent of live traffic) at each step. */
  steps: number[];
  analysis: {
    intervalSeconds: number;
    stepSeconds: number;
    minSamplesPerVariant: number;
    maxWaitSeconds: number;
    alpha: number;
    requireLabels: boolean;
    thresholds: AnalysisThresholds & { shadowAgreement: number };
    /**
     * Failed analyses a metric tolerates before the rollout aborts (0: the first failure aborts);
     * `failureLimits` per metric name. A failure within the limit holds the step. Absent in plans
     * stored before limits existed: 0.
     */
    failureLimit?: number;
    failureLimits?: Record<string, number>;
    /** Custom metrics judged beside the built-in ones, each as metric `custom:<name>`. */
    custom?: CustomMetric[];
    /**
     * Where each value came from: `request` (the rollout's own), `policy` (the tier's) or
     * `default` (Warden's). Keys are the fields (`thresholds.errorRate`, `failureLimits.<metric>`,
     * `custom.<name>`). Absent in plans stored before it existed.
     */
    sources?: Record<string, AnalysisSource>;
  };
  /** The policy version the tier's defaults were read from (absent in plans stored before it existed). */
  policyVersion?: number;
  /** Shadow and A/B: how long the single step runs at least, in hours. */
  durationHours: number | null;
  automaticRollback: boolean;
  ab?: AbPlan;
}

export const DEFAULT_INTERVAL_SECONDS = 60;
export const DEFAULT_MIN_SAMPLES = 200;
export const DEFAULT_ALPHA = 0.01;
export const DEFAULT_PREDICTION_PSI = 0.25;
export const DEFAULT_SHADOW_AGREEMENT = 0.95;

/** Where a value of a rollout's analysis came from. */
export type AnalysisSource = 'request' | 'policy' | 'default';

/**
 * Checks custom metrics (the rule of `customMetricIssue`: a known source with an aggregate it
 * allows, a limit) and that no name is given twice; `at` is the path of the list, for errors.
 */
export function checkCustomMetrics(
  custom: readonly CustomMetricRequest[],
  at = 'analysis.custom',
): CustomMetric[] {
  const seen = new Set<string>();
  return custom.map((m, i) => {
    const issue = customMetricIssue(m);
    if (issue) throw invalidInput(`${at}.${i}.${issue.field}: ${issue.message}`, `${at}.${i}.${issue.field}`);
    if (seen.has(m.name)) throw invalidInput(`custom metric "${m.name}" is named twice`, `${at}.${i}.name`);
    seen.add(m.name);
    return {
      name: m.name,
      signal: m.signal,
      aggregate: m.aggregate,
      ...(m.maxValue !== undefined ? { maxValue: m.maxValue } : {}),
      ...(m.maxIncrease !== undefined ? { maxIncrease: m.maxIncrease } : {}),
      ...(m.failureLimit !== undefined ? { failureLimit: m.failureLimit } : {}),
    };
  });
}

/**
 * Whether a blue-green rollout has switched: its last step (100 %) is the switch; the steps
 * before it are the smoke phase. Plans stored with the single step [100] switched at the start.
 */
export function blueGreenSwitched(plan: Pick<RolloutPlan, 'strategy' | 'steps'>, step: number): boolean {
  return plan.strategy === 'blue-green' && step >= plan.steps.length - 1;
}

function checkSteps(steps: number[], strategy: RolloutStrategy): void {
  steps.forEach((s, i) => {
    if (!(s > 0) || s > 100) throw invalidInput(`steps[${i}] must be > 0 and <= 100`, `steps.${i}`);
    if (i > 0 && s <= steps[i - 1]!)
      throw invalidInput(`steps must increase (steps[${i}] = ${s})`, `steps.${i}`);
  });
  if (strategy === 'canary' && steps[steps.length - 1] !== 100)
    throw invalidInput('the last canary step must be 100', `steps.${steps.length - 1}`);
}

/**
 * Fills a rollout request from the tier's policy and checks it: steps increase, lie in (0, 100]
 * and a canary ends at 100; a shadow runs `shadowHours` unless told; an A/B test gets its sample
 * size per variant from the minimum detectable effect and power.
 */
export function resolvePlan(
  request: RolloutRequest,
  policy: TierRolloutPolicy,
  sampleSize: (ab: Omit<AbPlan, 'samplesPerVariant'>) => number,
): RolloutPlan {
  const { strategy } = request;
  let steps: number[];
  if (strategy === 'canary') steps = request.steps ?? [...policy.canaryStepsPct];
  else if (strategy === 'blue-green') steps = [request.smokePct ?? 0, 100];
  else if (strategy === 'shadow') steps = [0];
  else steps = [request.ab?.split ?? request.steps?.[0] ?? 50];
  if (request.steps && strategy !== 'canary')
    throw invalidInput(`steps apply to canary rollouts only (a ${strategy} rollout has one step)`, 'steps');
  if (request.smokePct !== undefined && strategy !== 'blue-green')
    throw invalidInput(`smokePct applies to blue-green rollouts only`, 'smokePct');
  if (strategy === 'blue-green') {
    if (!(steps[0]! >= 0 && steps[0]! < 100))
      throw invalidInput('smokePct must be >= 0 and < 100', 'smokePct');
  } else if (strategy !== 'shadow') checkSteps(steps, strategy);
  if (strategy === 'ab' && steps[0]! >= 100) throw invalidInput('an A/B split must be below 100', 'ab.split');
  if (strategy === 'ab' && !request.ab) throw invalidInput('an A/B rollout needs ab.mde', 'ab');
  const a = request.analysis ?? {};
  const p = policy.analysis ?? {};
  const sources: Record<string, AnalysisSource> = {};
  /** The rollout's value, else the tier's, else Warden's default, noting which. */
  const pick = <T>(key: string, given: T | undefined, tier: T | undefined, fallback: () => T): T => {
    if (given !== undefined) sources[key] = 'request';
    else if (tier !== undefined) sources[key] = 'policy';
    else sources[key] = 'default';
    return given ?? tier ?? fallback();
  };
  const stepSeconds = pick('stepSeconds', a.stepSeconds, policy.minStepMinutes * 60, () => 0);
  const intervalSeconds = pick('intervalSeconds', a.intervalSeconds, p.intervalSeconds, () =>
    Math.min(DEFAULT_INTERVAL_SECONDS, stepSeconds),
  );
  const durationHours =
    strategy === 'shadow'
      ? (request.durationHours ?? policy.shadowHours)
      : strategy === 'ab'
        ? (request.durationHours ?? null)
        : null;
  const hold = durationHours !== null ? durationHours * 3600 : stepSeconds;
  const maxWaitSeconds = pick('maxWaitSeconds', a.maxWaitSeconds, p.maxWaitSeconds, () =>
    Math.max(4 * hold, 3600),
  );
  if (maxWaitSeconds < hold)
    throw invalidInput(
      `maxWaitSeconds (${maxWaitSeconds}${sources.maxWaitSeconds === 'policy' ? ", the tier's policy" : ''}) is shorter than the step's hold (${hold} s)`,
      'analysis.maxWaitSeconds',
    );
  const t = a.thresholds ?? {};
  const pt = p.thresholds ?? {};
  const latencyP95Ms = pick('thresholds.latencyP95Ms', t.latencyP95Ms, pt.latencyP95Ms, () => undefined);
  const latencyP99Ms = pick('thresholds.latencyP99Ms', t.latencyP99Ms, pt.latencyP99Ms, () => undefined);
  const failureLimits = { ...(p.failureLimits ?? {}), ...(a.failureLimits ?? {}) };
  for (const metric of Object.keys(failureLimits))
    sources[`failureLimits.${metric}`] = a.failureLimits?.[metric] !== undefined ? 'request' : 'policy';
  // A rollout's custom metric replaces the tier's of the same name; the tier's others still apply.
  const requested = checkCustomMetrics(a.custom ?? []);
  const tierCustom = checkCustomMetrics(p.custom ?? [], 'rollout.analysis.custom');
  const byName = new Map(requested.map((m) => [m.name, m]));
  const tierNames = new Set(tierCustom.map((m) => m.name));
  const custom = [
    ...tierCustom.map((m) => byName.get(m.name) ?? m),
    ...requested.filter((m) => !tierNames.has(m.name)),
  ];
  for (const m of custom) sources[`custom.${m.name}`] = byName.has(m.name) ? 'request' : 'policy';
  const plan: RolloutPlan = {
    strategy,
    steps,
    analysis: {
      intervalSeconds,
      stepSeconds,
      minSamplesPerVariant: pick(
        'minSamplesPerVariant',
        a.minSamplesPerVariant,
        p.minSamplesPerVariant,
        () => DEFAULT_MIN_SAMPLES,
      ),
      maxWaitSeconds,
      alpha: pick('alpha', a.alpha, p.alpha, () => DEFAULT_ALPHA),
      requireLabels: pick('requireLabels', a.requireLabels, p.requireLabels, () => false),
      failureLimit: pick('failureLimit', a.failureLimit, p.failureLimit, () => 0),
      failureLimits,
      ...(custom.length > 0 ? { custom } : {}),
      thresholds: {
        errorRate: pick('thresholds.errorRate', t.errorRate, policy.rollbackErrorRatePct / 100, () => 0),
        accuracyDrop: pick(
          'thresholds.accuracyDrop',
          t.accuracyDrop,
          policy.rollbackAccuracyDropPct / 100,
          () => 0,
        ),
        predictionPsi: pick(
          'thresholds.predictionPsi',
          t.predictionPsi,
          pt.predictionPsi,
          () => DEFAULT_PREDICTION_PSI,
        ),
        shadowAgreement: pick(
          'thresholds.shadowAgreement',
          t.shadowAgreement,
          pt.shadowAgreement,
          () => DEFAULT_SHADOW_AGREEMENT,
        ),
        ...(latencyP95Ms !== undefined ? { latencyP95Ms } : {}),
        ...(latencyP99Ms !== undefined ? { latencyP99Ms } : {}),
      },
      sources,
    },
    durationHours,
    automaticRollback: policy.automaticRollback,
  };
  if (strategy === 'ab') {
    const r = request.ab!;
    const metric = r.metric ?? 'error_rate';
    if (metric === 'latency_ms' ? r.sd === undefined : r.baseline === undefined)
      throw invalidInput(
        metric === 'latency_ms'
          ? 'an A/B test on latency needs ab.sd'
          : `an A/B test on ${metric} needs ab.baseline`,
        metric === 'latency_ms' ? 'ab.sd' : 'ab.baseline',
      );
    const ab = {
      metric,
      split: steps[0]!,
      mde: r.mde,
      power: r.power ?? 0.8,
      alpha: r.alpha ?? 0.05,
      baseline: r.baseline ?? null,
      sd: r.sd ?? null,
    };
    plan.ab = { ...ab, samplesPerVariant: sampleSize(ab) };
  }
  return plan;
}

/** Traffic shares at a step: the candidate's step weight, the rest to the champion. */
export function weightsAt(
  plan: Pick<RolloutPlan, 'steps'>,
  step: number,
): { champion: number; candidate: number } {
  const candidate = plan.steps[Math.min(step, plan.steps.length - 1)] ?? 0;
  return { champion: 100 - candidate, candidate };
}

/** Which controls each state accepts, and the state they lead to. */
export function applyControl(status: RolloutStatus, control: RolloutControl): RolloutStatus {
  const allowed: Record<RolloutControl, readonly RolloutStatus[]> = {
    promote: ['pending', 'progressing', 'paused'],
    pause: ['pending', 'progressing'],
    resume: ['paused'],
    abort: ['pending', 'progressing', 'paused'],
  };
  if (!allowed[control].includes(status))
    throw invalidInput(`a rollout that is ${status} cannot ${control}`, 'status');
  if (control === 'pause') return 'paused';
  if (control === 'abort') return 'aborted';
  return 'progressing';
}

export type StepDecision =
  | { kind: 'abort'; reason: string }
  | { kind: 'hold' }
  | { kind: 'advance' }
  | { kind: 'complete' }
  | { kind: 'pause'; reason: string };

/**
 * What one analysis decides for the current step. A metric that fails past its failure limit
 * aborts at once (when the tier rolls back automatically; otherwise it pauses for a person); a
 * failure within the limit holds the step. Otherwise the step holds for its time AND until every
 * gating metric passes; past `maxWaitSeconds` without that it pauses.
 */
export function decideStep(input: {
  now: number;
  stepStartedAt: number;
  holdSeconds: number;
  maxWaitSeconds: number;
  results: readonly MetricResult[];
  lastStep: boolean;
  automaticRollback: boolean;
}): StepDecision {
  const verdict = overallVerdict(input.results);
  const breached = input.results.filter(breachesLimit);
  if (breached.length > 0) {
    const failed = breached
      .map(
        (r) =>
          `${r.metric} ${r.value.candidate} > ${r.threshold}` +
          ((r.failureLimit ?? 0) > 0 ? ` (${r.failures} failed analyses, limit ${r.failureLimit})` : ''),
      )
      .join(', ');
    return input.automaticRollback
      ? { kind: 'abort', reason: `analysis failed: ${failed}` }
      : { kind: 'pause', reason: `analysis failed (automatic rollback is off for this tier): ${failed}` };
  }
  const elapsed = (input.now - input.stepStartedAt) / 1000;
  if (elapsed < input.holdSeconds) return { kind: 'hold' };
  if (verdict === 'pass') return input.lastStep ? { kind: 'complete' } : { kind: 'advance' };
  if (elapsed >= input.maxWaitSeconds)
    return {
      kind: 'pause',
      reason:
        verdict === 'fail'
          ? `failing within its failure limit after ${Math.round(elapsed)} s (maxWaitSeconds ${input.maxWaitSeconds})`
          : `insufficient data after ${Math.round(elapsed)} s (maxWaitSeconds ${input.maxWaitSeconds})`,
    };
  return { kind: 'hold' };
}

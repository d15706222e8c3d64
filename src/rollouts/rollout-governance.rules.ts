/**
 * Which parts of a rollout's plan are looser than its tier's policy, pure. A rollout may tighten
 * anything at once; a value the caller set that a bank's validator would read as a weaker control
 * than the tier's is a loosening, and the rollout then waits for a governance change request.
 *
 * Looser, field by field (only where the tier's policy states the value; where it is silent,
 * Warden's default is no control and the caller may set it):
 * - thresholds errorRate, accuracyDrop, latencyP95Ms, latencyP99Ms, predictionPsi: higher;
 * - thresholds.shadowAgreement: lower;
 * - minSamplesPerVariant: fewer (a step passes on less evidence);
 * - intervalSeconds: longer (a breach waits longer for the analysis that rolls it back);
 * - stepSeconds: shorter than the tier's minStepMinutes;
 * - maxWaitSeconds: longer (a stalled step pauses and notifies later);
 * - alpha: smaller (alpha is the significance at which a metric fails before it has its
 *   minimum samples, so a smaller one fails a bad candidate later);
 * - requireLabels: false where the tier says true;
 * - failureLimit and failureLimits.<metric>: higher (where the tier states none, than Warden's
 *   default 0: the first failure aborts);
 * - a custom metric of the tier's that the request replaces: a higher maxValue, maxIncrease or
 *   failureLimit, a limit dropped, or another signal or aggregate;
 * - shadow durationHours: shorter than the tier's shadowHours;
 * - canary steps: any step of the tier's canaryStepsPct missing (skipped); steps added are stricter.
 */
import type { CustomMetric } from './rollout-analysis.rules.js';
import type { RolloutPlan, TierRolloutPolicy } from './rollout.rules.js';

/** One loosened field: the plan's value against the tier's policy value, and where that lives. */
export interface RolloutLoosening {
  /** The request's field (`analysis.thresholds.errorRate`, `steps`, `durationHours`, …). */
  field: string;
  requested: unknown;
  policy: unknown;
  /** The policy document's path of the value (`tiers.1.rollout.rollbackErrorRatePct`, …). */
  policyPath: string;
  /** One line: `analysis.thresholds.errorRate 0.02 is looser than the tier's 0.005`. */
  message: string;
}

type Direction = 'higher' | 'lower';

/**
 * The loosenings of a resolved plan against the tier's rollout policy. Only values the request
 * itself set are compared (`plan.analysis.sources` says `request`, or steps and durationHours
 * given); values filled from the policy are the policy's.
 */
export function rolloutLoosenings(
  plan: RolloutPlan,
  requested: { steps?: number[] | undefined; durationHours?: number | undefined },
  tier: TierRolloutPolicy,
  tierNumber: number,
): RolloutLoosening[] {
  const out: RolloutLoosening[] = [];
  const a = plan.analysis;
  const sources = a.sources ?? {};
  const p = tier.analysis ?? {};
  const pt = p.thresholds ?? {};
  const base = `tiers.${tierNumber}.rollout`;
  const fromRequest = (key: string) => sources[key] === 'request';
  const compare = (
    key: string,
    value: number | undefined,
    policyValue: number | undefined,
    looser: Direction,
    policyPath: string,
    shown: number | undefined = policyValue,
  ) => {
    if (!fromRequest(key) || value === undefined || policyValue === undefined) return;
    if (looser === 'higher' ? value > policyValue : value < policyValue)
      out.push({
        field: `analysis.${key}`,
        requested: value,
        policy: shown,
        policyPath,
        message: `analysis.${key} ${value} is ${looser} than the tier's ${shown} (${policyPath}): looser`,
      });
  };
  const t = a.thresholds;
  compare(
    'thresholds.errorRate',
    t.errorRate,
    tier.rollbackErrorRatePct / 100,
    'higher',
    `${base}.rollbackErrorRatePct`,
  );
  compare(
    'thresholds.accuracyDrop',
    t.accuracyDrop,
    tier.rollbackAccuracyDropPct / 100,
    'higher',
    `${base}.rollbackAccuracyDropPct`,
  );
  for (const k of ['latencyP95Ms', 'latencyP99Ms', 'predictionPsi'] as const)
    compare(`thresholds.${k}`, t[k], pt[k], 'higher', `${base}.analysis.thresholds.${k}`);
  compare(
    'thresholds.shadowAgreement',
    t.shadowAgreement,
    pt.shadowAgreement,
    'lower',
    `${base}.analysis.thresholds.shadowAgreement`,
  );
  compare(
    'minSamplesPerVariant',
    a.minSamplesPerVariant,
    p.minSamplesPerVariant,
    'lower',
    `${base}.analysis.minSamplesPerVariant`,
  );
  compare(
    'intervalSeconds',
    a.intervalSeconds,
    p.intervalSeconds,
    'higher',
    `${base}.analysis.intervalSeconds`,
  );
  compare('stepSeconds', a.stepSeconds, tier.minStepMinutes * 60, 'lower', `${base}.minStepMinutes`);
  compare('maxWaitSeconds', a.maxWaitSeconds, p.maxWaitSeconds, 'higher', `${base}.analysis.maxWaitSeconds`);
  compare('alpha', a.alpha, p.alpha, 'lower', `${base}.analysis.alpha`);
  // Where the tier states no failureLimit, Warden's default (0: the first failure aborts) is the control.
  compare('failureLimit', a.failureLimit, p.failureLimit ?? 0, 'higher', `${base}.analysis.failureLimit`);
  if (fromRequest('requireLabels') && p.requireLabels === true && !a.requireLabels)
    out.push({
      field: 'analysis.requireLabels',
      requested: false,
      policy: true,
      policyPath: `${base}.analysis.requireLabels`,
      message: `analysis.requireLabels false where the tier requires labels (${base}.analysis.requireLabels): looser`,
    });
  for (const [metric, limit] of Object.entries(a.failureLimits ?? {})) {
    const tierLimit = p.failureLimits?.[metric] ?? p.failureLimit ?? 0;
    const path =
      p.failureLimits?.[metric] !== undefined
        ? `${base}.analysis.failureLimits.${metric}`
        : `${base}.analysis.failureLimit`;
    compare(`failureLimits.${metric}`, limit, tierLimit, 'higher', path);
  }
  const tierCustom = new Map((p.custom ?? []).map((m) => [m.name, m]));
  for (const m of a.custom ?? []) {
    const was = tierCustom.get(m.name);
    if (!was || !fromRequest(`custom.${m.name}`)) continue;
    const limitOf = (
      limits: Record<string, number> | undefined,
      own: number | undefined,
      all: number | undefined,
    ) => limits?.[`custom:${m.name}`] ?? own ?? all ?? 0;
    out.push(
      ...customLoosenings(m, was, `${base}.analysis.custom`, {
        requested: limitOf(a.failureLimits, m.failureLimit, a.failureLimit),
        tier: limitOf(p.failureLimits, was.failureLimit, p.failureLimit),
      }),
    );
  }
  if (
    plan.strategy === 'shadow' &&
    requested.durationHours !== undefined &&
    requested.durationHours < tier.shadowHours
  )
    out.push({
      field: 'durationHours',
      requested: requested.durationHours,
      policy: tier.shadowHours,
      policyPath: `${base}.shadowHours`,
      message: `durationHours ${requested.durationHours} is shorter than the tier's shadowHours ${tier.shadowHours} (${base}.shadowHours): looser`,
    });
  if (plan.strategy === 'canary' && requested.steps !== undefined) {
    const skipped = tier.canaryStepsPct.filter((s) => !requested.steps!.includes(s));
    if (skipped.length > 0)
      out.push({
        field: 'steps',
        requested: requested.steps,
        policy: tier.canaryStepsPct,
        policyPath: `${base}.canaryStepsPct`,
        message: `steps [${requested.steps.join(', ')}] skip the tier's canary steps ${skipped.join(', ')} of [${tier.canaryStepsPct.join(', ')}] (${base}.canaryStepsPct): looser`,
      });
  }
  return out;
}

/** How a rollout's custom metric loosens the tier's metric of the same name. */
function customLoosenings(
  m: CustomMetric,
  was: CustomMetric,
  path: string,
  failureLimit: { requested: number; tier: number },
): RolloutLoosening[] {
  const out: RolloutLoosening[] = [];
  const at = `analysis.custom.${m.name}`;
  const push = (key: string, requested: unknown, policy: unknown, why: string) =>
    out.push({
      field: `${at}.${key}`,
      requested,
      policy,
      policyPath: `${path}.${m.name}.${key}`,
      message: `${at}.${key} ${String(requested)} ${why} the tier's ${String(policy)} (${path}): looser`,
    });
  if (m.signal !== was.signal) push('signal', m.signal, was.signal, 'replaces');
  if (m.aggregate !== was.aggregate) push('aggregate', m.aggregate, was.aggregate, 'replaces');
  for (const key of ['maxValue', 'maxIncrease'] as const) {
    const tierValue = was[key];
    if (tierValue === undefined) continue;
    const value = m[key];
    if (value === undefined) push(key, 'none', tierValue, 'drops');
    else if (value > tierValue) push(key, value, tierValue, 'is higher than');
  }
  // The failures the metric tolerates as judged: its own limit, else the analysis' per-metric or overall one.
  if (failureLimit.requested > failureLimit.tier)
    push('failureLimit', failureLimit.requested, failureLimit.tier, 'is higher than');
  return out;
}

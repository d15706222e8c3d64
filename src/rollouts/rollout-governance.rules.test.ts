import { describe, expect, it } from 'vitest';
import { rolloutLoosenings } from './rollout-governance.rules.js';
import { resolvePlan, type RolloutRequest, type TierRolloutPolicy } from './rollout.rules.js';

/** A tier stating every analysis value, so each field has a policy value to be compared with. */
const TIER: TierRolloutPolicy = {
  canaryStepsPct: [10, 25, 50, 100],
  minStepMinutes: 30,
  shadowHours: 72,
  rollbackErrorRatePct: 0.5,
  rollbackAccuracyDropPct: 1,
  automaticRollback: true,
  analysis: {
    intervalSeconds: 60,
    minSamplesPerVariant: 200,
    maxWaitSeconds: 7200,
    alpha: 0.01,
    requireLabels: true,
    failureLimit: 1,
    failureLimits: { latency_p95_ms: 2 },
    thresholds: { latencyP95Ms: 50, latencyP99Ms: 120, predictionPsi: 0.2, shadowAgreement: 0.9 },
    custom: [{ name: 'toxicity', signal: 'signals.toxicity', aggregate: 'rate', maxValue: 0.02 }],
  },
};

const loosened = (request: RolloutRequest, tier = TIER) =>
  Object.fromEntries(
    rolloutLoosenings(
      resolvePlan(request, tier, () => 100),
      request,
      tier,
      2,
    ).map((l) => [l.field, [l.requested, l.policy]]),
  );

describe('which rollout values loosen the tier’s policy', () => {
  it('finds nothing in a request that only restates or tightens the tier', () => {
    expect(loosened({ strategy: 'canary' })).toEqual({});
    expect(
      loosened({
        strategy: 'canary',
        steps: [5, 10, 25, 50, 75, 100],
        analysis: {
          intervalSeconds: 30,
          stepSeconds: 1800,
          minSamplesPerVariant: 1000,
          maxWaitSeconds: 3600,
          alpha: 0.05,
          requireLabels: true,
          failureLimit: 0,
          failureLimits: { latency_p95_ms: 2, error_rate: 1 },
          thresholds: {
            errorRate: 0.005,
            accuracyDrop: 0.001,
            latencyP95Ms: 40,
            latencyP99Ms: 120,
            predictionPsi: 0.1,
            shadowAgreement: 0.99,
          },
          custom: [
            {
              name: 'toxicity',
              signal: 'signals.toxicity',
              aggregate: 'rate',
              maxValue: 0.01,
              maxIncrease: 0.5,
            },
          ],
        },
      }),
    ).toEqual({});
  });

  it('names each looser value against the tier’s, in the direction that weakens the control', () => {
    expect(
      loosened({
        strategy: 'canary',
        steps: [25, 100],
        analysis: {
          intervalSeconds: 120,
          stepSeconds: 600,
          minSamplesPerVariant: 50,
          maxWaitSeconds: 86_400,
          alpha: 0.001,
          requireLabels: false,
          failureLimit: 3,
          failureLimits: { latency_p95_ms: 5 },
          thresholds: {
            errorRate: 0.02,
            accuracyDrop: 0.05,
            latencyP95Ms: 80,
            latencyP99Ms: 200,
            predictionPsi: 0.5,
            shadowAgreement: 0.5,
          },
          custom: [
            { name: 'toxicity', signal: 'score', aggregate: 'mean', maxIncrease: 0.1, failureLimit: 1 },
          ],
        },
      }),
    ).toEqual({
      'analysis.thresholds.errorRate': [0.02, 0.005],
      'analysis.thresholds.accuracyDrop': [0.05, 0.01],
      'analysis.thresholds.latencyP95Ms': [80, 50],
      'analysis.thresholds.latencyP99Ms': [200, 120],
      'analysis.thresholds.predictionPsi': [0.5, 0.2],
      'analysis.thresholds.shadowAgreement': [0.5, 0.9],
      'analysis.minSamplesPerVariant': [50, 200],
      'analysis.intervalSeconds': [120, 60],
      'analysis.stepSeconds': [600, 1800],
      'analysis.maxWaitSeconds': [86_400, 7200],
      'analysis.alpha': [0.001, 0.01],
      'analysis.requireLabels': [false, true],
      'analysis.failureLimit': [3, 1],
      'analysis.failureLimits.latency_p95_ms': [5, 2],
      'analysis.custom.toxicity.signal': ['score', 'signals.toxicity'],
      'analysis.custom.toxicity.aggregate': ['mean', 'rate'],
      'analysis.custom.toxicity.maxValue': ['none', 0.02],
      steps: [
        [25, 100],
        [10, 25, 50, 100],
      ],
    });
  });

  it('compares a shadow’s duration with shadowHours, and a metric’s failure limit as it is judged', () => {
    // Without the tier's maxWaitSeconds (shorter than a shadow's hold), Warden's: four times the hold.
    const shadowTier: TierRolloutPolicy = {
      ...TIER,
      analysis: { ...TIER.analysis, maxWaitSeconds: undefined },
    };
    expect(loosened({ strategy: 'shadow', durationHours: 24 }, shadowTier)).toEqual({
      durationHours: [24, 72],
    });
    expect(loosened({ strategy: 'shadow', durationHours: 96 }, shadowTier)).toEqual({});
    // The tier's toxicity tolerates the tier's failureLimit 1; restated with its own limit 3, more.
    expect(
      loosened({
        strategy: 'canary',
        analysis: {
          custom: [
            {
              name: 'toxicity',
              signal: 'signals.toxicity',
              aggregate: 'rate',
              maxValue: 0.02,
              failureLimit: 3,
            },
          ],
        },
      }),
    ).toEqual({ 'analysis.custom.toxicity.failureLimit': [3, 1] });
  });

  it('leaves values the tier does not state to the rollout, except the failure limit (default 0)', () => {
    const silent: TierRolloutPolicy = { ...TIER, analysis: undefined };
    expect(
      loosened(
        {
          strategy: 'canary',
          analysis: { minSamplesPerVariant: 10, alpha: 0.001, thresholds: { predictionPsi: 1 } },
        },
        silent,
      ),
    ).toEqual({});
    expect(loosened({ strategy: 'canary', analysis: { failureLimit: 2 } }, silent)).toEqual({
      'analysis.failureLimit': [2, 0],
    });
  });
});

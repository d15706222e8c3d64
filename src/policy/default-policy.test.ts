import { describe, expect, it } from 'vitest';
import {
  approvalRequirements,
  DEFAULT_POLICY,
  monitoringPolicy,
  parsePolicyDocument,
  requiredValidationLevel,
  retentionPolicy,
  retirementPolicy,
  rollbackPolicy,
  rolloutPolicy,
  validationChecksFor,
} from './index.js';

// Expected figures are typed in from seed 002 (promotion matrix, staging validation suite, trigger
// table, tier requirements) and the infrastructure SLA table, not read from the code.

describe('default policy reproduces the seed tables', () => {
  it('validates against its own schema', () => {
    expect(() => parsePolicyDocument(DEFAULT_POLICY)).not.toThrow();
  });

  it.each([
    [
      1,
      [
        { role: 'review-board', count: 4 },
        { role: 'compliance', count: 1 },
        { role: 'legal', count: 1 },
        { role: 'business-owner', count: 1 },
      ],
    ],
    [
      2,
      [
        { role: 'ml-engineer', count: 1 },
        { role: 'business-owner', count: 1 },
      ],
    ],
    [
      3,
      [
        { role: 'data-scientist', count: 1 },
        { role: 'ml-engineer', count: 1 },
      ],
    ],
  ] as const)('promotion staging → production for tier %i', (tier, expected) => {
    expect(approvalRequirements(DEFAULT_POLICY, tier, 'staging', 'production')).toEqual(expected);
    expect(approvalRequirements(DEFAULT_POLICY, tier, 'staging', 'approved')).toEqual(expected);
    expect(approvalRequirements(DEFAULT_POLICY, tier, 'approved', 'production')).toEqual([]);
  });

  it('tier 1 review board quorum is 4 of 5', () => {
    const board = DEFAULT_POLICY.tiers['1'].approvals['staging->approved']!.find(
      (r) => r.role === 'review-board',
    );
    expect(board).toMatchObject({ count: 4, of: 5 });
  });

  it('version bumps: MAJOR full, MINOR regression, PATCH smoke', () => {
    for (const tier of [1, 2, 3]) {
      expect(requiredValidationLevel(DEFAULT_POLICY, tier, 'major')).toBe('full');
      expect(requiredValidationLevel(DEFAULT_POLICY, tier, 'minor')).toBe('regression');
      expect(requiredValidationLevel(DEFAULT_POLICY, tier, 'patch')).toBe('smoke');
      expect(requiredValidationLevel(DEFAULT_POLICY, tier, 'initial')).toBe('full');
    }
  });

  it('staging validation suite thresholds', () => {
    const checks = validationChecksFor(DEFAULT_POLICY, 1, 'full');
    const byName = new Map(checks.map((c) => [c.name, c]));
    expect(byName.get('performance.no-regression')?.threshold.maxDropPct).toBe(1.0);
    expect(byName.get('performance.significance')?.threshold.alpha).toBe(0.05);
    expect(byName.get('data.drift')?.threshold.maxPsi).toBe(0.1);
    expect(byName.get('data.missing-rate')?.threshold.maxMissingRate).toBe(0.01);
    expect(byName.get('infrastructure.latency')?.threshold.latencyP95Ms).toBe(50);
    expect(byName.get('infrastructure.memory')?.threshold.memoryMaxPct).toBe(85);
    expect(byName.get('fairness.disparate-impact')?.threshold.min).toBe(0.8);
    expect(byName.get('fairness.equal-opportunity')?.threshold.max).toBe(0.05);
    expect(byName.get('security.signature')?.threshold.required).toBe(true);
    expect(byName.get('fairness.disparate-impact')?.rule).toBe(
      'tiers.1.validation.fairness.disparateImpactMin',
    );
    // Fairness is a tier-1 requirement only.
    for (const tier of [2, 3])
      expect(validationChecksFor(DEFAULT_POLICY, tier, 'full').map((c) => c.name)).not.toContain(
        'fairness.disparate-impact',
      );
    for (const tier of [1, 2, 3])
      expect(DEFAULT_POLICY.tiers[String(tier) as '1'].validation.noRegressionPct).toBe(1.0);
  });

  it.each([
    [1, 0.5, 0.5, 1.0, 0.05, 0.03, 0.3, 'immediate', 0.005, 7, 50_000],
    [2, 1.0, 1.0, 2.0, 0.1, 0.05, 0.5, 'immediate', 0.01, 14, 100_000],
    [3, 2.0, 2.0, 3.0, 0.15, 0.1, 1.0, 'next-business-day', 0.02, 30, 250_000],
  ] as const)(
    'trigger table tier %i',
    (tier, accuracy, precision, recall, dataPsi, conceptPsi, missing, schema, brier, retrainDays, volume) => {
      expect(monitoringPolicy(DEFAULT_POLICY, tier).triggers).toEqual({
        accuracyDecayPct: accuracy,
        precisionDecayPct: precision,
        recallDecayPct: recall,
        dataDriftPsi: dataPsi,
        conceptDriftPsi: conceptPsi,
        missingValueIncreasePts: missing,
        schemaChange: schema,
        brierDrift: brier,
        scheduledRetrainingDays: retrainDays,
        newDataVolume: volume,
      });
    },
  );

  it('monitoring cadences per tier', () => {
    expect(monitoringPolicy(DEFAULT_POLICY, 1).cadenceMinutes).toEqual({
      performance: 15,
      dataDrift: 60,
      conceptDrift: 24 * 60,
      fairness: 7 * 24 * 60,
    });
    expect(monitoringPolicy(DEFAULT_POLICY, 2).cadenceMinutes).toMatchObject({
      performance: 60,
      dataDrift: 1440,
    });
    expect(monitoringPolicy(DEFAULT_POLICY, 3).cadenceMinutes).toMatchObject({
      performance: 1440,
      dataDrift: 7 * 1440,
    });
  });

  it('tier 1 alert escalation and acknowledgement within an hour', () => {
    const alerting = monitoringPolicy(DEFAULT_POLICY, 1).alerting;
    expect(alerting.escalationChain).toEqual(['ML Engineer', 'MLOps Lead', 'VP Engineering', 'CISO']);
    expect(alerting.ackWithinMinutes).toBe(60);
  });

  it('canary 10 → 25 → 50 → 100 with rollback at 0.5 % errors or 0.5 accuracy drop', () => {
    for (const tier of [1, 2, 3]) {
      const rollout = rolloutPolicy(DEFAULT_POLICY, tier);
      expect(rollout.canaryStepsPct).toEqual([10, 25, 50, 100]);
      expect(rollout.rollbackErrorRatePct).toBe(0.5);
      expect(rollout.rollbackAccuracyDropPct).toBe(0.5);
    }
  });

  it('audit retention 7 / 3 / 1 years', () => {
    expect([1, 2, 3].map((t) => retentionPolicy(DEFAULT_POLICY, t).auditYears)).toEqual([7, 3, 1]);
  });

  it('retirement of tier 1 and 2 needs approval; rollback by mlops or operations', () => {
    expect(retirementPolicy(DEFAULT_POLICY, 1).needsApproval).toBe(true);
    expect(retirementPolicy(DEFAULT_POLICY, 2).needsApproval).toBe(true);
    expect(retirementPolicy(DEFAULT_POLICY, 3).needsApproval).toBe(false);
    expect(approvalRequirements(DEFAULT_POLICY, 1, 'production', 'deprecated').length).toBeGreaterThan(0);
    expect(rollbackPolicy(DEFAULT_POLICY, 1).roles).toEqual(['mlops', 'operations']);
  });
});

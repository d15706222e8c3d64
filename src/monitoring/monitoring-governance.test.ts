import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../policy/default-policy.js';
import type { MonitoringConfigInput } from './monitoring-config.js';
import {
  monitoringConfigLoosenings,
  stricterMonitoringConfig,
  type MonitoredVersion,
} from './monitoring-governance.js';

// Tier 1 of the seed policy: data-drift PSI 0.05, accuracy decay 0.5 %, schema change immediate,
// cadences performance 15 / data drift 60 / concept drift 1440 / fairness 10080 minutes.
describe('monitoring configuration loosenings (tier 1)', () => {
  const cases: Array<[string, MonitoringConfigInput, MonitoringConfigInput, string[]]> = [
    ['nothing set, nothing asked', {}, {}, []],
    ['a threshold under the policy value tightens', {}, { thresholds: { dataDriftPsi: 0.02 } }, []],
    [
      'a threshold above the policy value loosens',
      {},
      { thresholds: { dataDriftPsi: 10 } },
      ['threshold dataDriftPsi raised from 0.05 to 10'],
    ],
    [
      'dropping a strict override goes back to the looser policy value',
      { thresholds: { dataDriftPsi: 0.02 } },
      {},
      ['threshold dataDriftPsi raised from 0.02 to 0.05'],
    ],
    [
      'schema changes reported the next business day instead of immediately',
      {},
      { thresholds: { schemaChange: 'next-business-day' } },
      ['threshold schemaChange raised from immediate to next-business-day'],
    ],
    [
      'no latency SLA at all is looser than any',
      { thresholds: { latencyP95Ms: 200 } },
      { thresholds: { latencyP95Ms: null } },
      ['threshold latencyP95Ms raised from 200 to none'],
    ],
    [
      'a disabled and a lengthened cadence',
      {},
      { cadenceMinutes: { performance: null, dataDrift: 120 } },
      [
        'performance monitor disabled (was every 15 minutes)',
        'dataDrift cadence lengthened from 60 to 120 minutes',
      ],
    ],
    ['a shorter cadence tightens', {}, { cadenceMinutes: { performance: 5 } }, []],
    [
      'the throughput SLA is a floor: lowering it or removing it loosens, raising it tightens',
      {},
      { thresholds: { throughputPerMinute: 5000, errorRatePct: 0.05 } },
      ['threshold throughputPerMinute lowered from 10000 to 5000'],
    ],
    [
      'no throughput floor at all',
      { thresholds: { throughputPerMinute: 20_000 } },
      { thresholds: { throughputPerMinute: null } },
      ['threshold throughputPerMinute raised from 20000 to none'],
    ],
    ['a higher throughput floor tightens', {}, { thresholds: { throughputPerMinute: 20_000 } }, []],
    [
      'a lower significance level, more records, a later warning, an attribute dropped',
      { sensitiveAttributes: ['region'] },
      { alpha: 0.001, minRecords: 10_000, warningFraction: 0.95 },
      [
        'significance level lowered from 0.01 to 0.001',
        'minRecords raised from 100 to 10000',
        'warningFraction raised from 0.8 to 0.95',
        'sensitive attribute region no longer watched',
      ],
    ],
    [
      'descriptive settings loosen nothing',
      {},
      { bucketMinutes: 15, windowHours: 48, positiveClass: 'yes' },
      [],
    ],
  ];
  it.each(cases)('%s', (_name, before, after, expected) => {
    expect(monitoringConfigLoosenings(DEFAULT_POLICY, 1, before, after)).toEqual(expected);
  });

  it('holds a switch of a version to another task, which stops its performance monitors', () => {
    const versions: MonitoredVersion[] = [
      { version: '1.0.0', metrics: { accuracy: 0.9, auc: 0.85 } },
      { version: '2.0.0', metrics: { rmse: 1.2, r2: 0.8 } },
    ];
    // Unset, 1.0.0 is monitored as classification and 2.0.0 as regression (by their metrics);
    // dropping a task set for all of them lets 2.0.0 fall back to regression.
    expect(monitoringConfigLoosenings(DEFAULT_POLICY, 1, {}, { task: 'regression' }, versions)).toEqual([
      'version 1.0.0 monitored as regression instead of classification (its classification monitors stop)',
    ]);
    expect(monitoringConfigLoosenings(DEFAULT_POLICY, 1, { task: 'classification' }, {}, versions)).toEqual([
      'version 2.0.0 monitored as regression instead of classification (its classification monitors stop)',
    ]);
    // Naming the task each version is already monitored as changes nothing.
    expect(monitoringConfigLoosenings(DEFAULT_POLICY, 1, {}, { task: 'regression' }, [versions[1]!])).toEqual(
      [],
    );
    expect(
      stricterMonitoringConfig(DEFAULT_POLICY, 1, {}, { task: 'regression', bucketMinutes: 15 }, versions),
    ).toEqual({
      bucketMinutes: 15,
    });
    expect(
      stricterMonitoringConfig(
        DEFAULT_POLICY,
        1,
        { task: 'classification' },
        { task: 'regression' },
        versions,
      ),
    ).toEqual({ task: 'classification' });
  });

  it('keeps each loosened control at its old value and takes the rest at once', () => {
    const before: MonitoringConfigInput = {
      thresholds: { accuracyDecayPct: 0.4 },
      cadenceMinutes: { fairness: 1440 },
      sensitiveAttributes: ['region'],
    };
    const after: MonitoringConfigInput = {
      thresholds: { dataDriftPsi: 0.02, accuracyDecayPct: 50, brierDrift: 1 },
      cadenceMinutes: { performance: 5, fairness: null },
      bucketMinutes: 15,
      sensitiveAttributes: ['age'],
    };
    expect(stricterMonitoringConfig(DEFAULT_POLICY, 1, before, after)).toEqual({
      thresholds: { dataDriftPsi: 0.02, accuracyDecayPct: 0.4 },
      cadenceMinutes: { performance: 5, fairness: 1440 },
      bucketMinutes: 15,
      sensitiveAttributes: ['age', 'region'],
    });
  });
});

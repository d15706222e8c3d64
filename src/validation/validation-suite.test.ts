import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, validationChecksFor, type CheckName } from '../policy/index.js';
import type { SuiteInput } from './check-context.js';
import { prepareValidationData } from './validation-input.js';
import { runValidationSuite } from './validation-suite.js';

/** A tier-1 suite input over 40 perfectly predicted rows, with one check selected. */
function inputFor(check: CheckName, patch: Partial<SuiteInput> = {}, sensitive = true): SuiteInput {
  const records = Array.from({ length: 40 }, (_, i) => ({
    label: (i % 2) as 0 | 1,
    prediction: (i % 2) as 0 | 1,
    ...(sensitive ? { sensitive: { group: i % 4 < 2 ? 'a' : 'b' } } : {}),
  }));
  const requirements = validationChecksFor(DEFAULT_POLICY, 1, 'full').filter((r) => r.name === check);
  return {
    tier: 1,
    level: 'full',
    requirements,
    policy: DEFAULT_POLICY.tiers['1'].validation,
    data: prepareValidationData({ records }),
    champion: null,
    version: { version: '1.0.0', inputSchema: [], verified: false, signatures: [], piiFindings: [] },
    artifact: { status: 'match', sha256: 'a'.repeat(64) },
    reference: null,
    evidence: {},
    ...patch,
  };
}

function only(input: SuiteInput) {
  const { checks, passed } = runValidationSuite(input);
  expect(checks).toHaveLength(1);
  return { ...checks[0]!, passed };
}

describe('operational checks', () => {
  it.each([
    [{ latencyP95Ms: 49.9, latencyP99Ms: 99 }, 'pass'],
    [{ latencyP95Ms: 50, latencyP99Ms: 99 }, 'fail'], // the SLA reads "< 50 ms"
    [{ latencyP95Ms: 10, latencyP99Ms: 100 }, 'fail'],
    [{ latencyP95Ms: 10 }, 'pass'],
    [{}, 'fail'],
  ])('latency %j → %s', (evidence, status) => {
    const check = only(inputFor('infrastructure.latency', { evidence }));
    expect(check.status).toBe(status);
    expect(check.threshold).toEqual({ p95: 50, p99: 100 });
  });

  it.each([
    [{ peakMemoryMb: 3400 }, 'pass', 83.008], // 3400 / 4096
    [{ peakMemoryMb: 3482 }, 'fail', 85.01],
    [{ peakMemoryMb: 800, memoryLimitMb: 1000 }, 'pass', 80],
    [{ peakMemoryMb: 850, memoryLimitMb: 1000 }, 'fail', 85],
    [{}, 'fail', null],
  ])('memory %j → %s', (evidence, status, pct) => {
    const check = only(inputFor('infrastructure.memory', { evidence }));
    expect(check.status).toBe(status);
    if (pct === null) expect(check.value).toBeNull();
    else expect(check.value).toBeCloseTo(pct, 2);
  });

  it.each([
    [{ status: 'match', sha256: 'a'.repeat(64) }, 'pass'],
    [{ status: 'absent' }, 'fail'],
    [{ status: 'missing', expected: 'a'.repeat(64) }, 'fail'],
    [{ status: 'mismatch', expected: 'a'.repeat(64), actual: 'b'.repeat(64) }, 'fail'],
  ] as const)('artifact %j → %s', (artifact, status) => {
    expect(only(inputFor('security.artifact', { artifact })).status).toBe(status);
  });

  it('signature: required on tier 1, skipped where not required', () => {
    expect(only(inputFor('security.signature')).status).toBe('fail');
    const signed = inputFor('security.signature', {
      version: {
        version: '1.0.0',
        inputSchema: [],
        verified: true,
        signatures: [
          { id: 's', keyId: 'k', keyName: 'release', verified: true, keyRevoked: false, createdAt: '' },
        ],
        piiFindings: [],
      },
    });
    expect(only(signed).status).toBe('pass');
    const tier2 = inputFor('security.signature', { policy: DEFAULT_POLICY.tiers['2'].validation });
    expect(only(tier2).status).toBe('skipped');
  });

  it('PII findings fail the scan', () => {
    const input = inputFor('security.pii', {
      version: {
        version: '1.0.0',
        inputSchema: [],
        verified: false,
        signatures: [],
        piiFindings: [{ field: 'description', kind: 'email', excerpt: '***om' }],
      },
    });
    const check = only(input);
    expect(check.status).toBe('fail');
    expect(check.detail).toBe('email in description');
    expect(only(inputFor('security.pii')).status).toBe('pass');
  });
});

describe('fairness checks', () => {
  it('fail on a tier that requires fairness when no sensitive attribute is sent', () => {
    const check = only(inputFor('fairness.disparate-impact', {}, false));
    expect(check.status).toBe('fail');
    expect(check.passed).toBe(false);
  });

  it('are skipped without sensitive attributes where the tier does not require them', () => {
    const input = inputFor(
      'fairness.disparate-impact',
      { policy: DEFAULT_POLICY.tiers['2'].validation },
      false,
    );
    expect(only(input).status).toBe('skipped');
  });

  it('pass for equal selection rates', () => {
    // Both groups: 10 of 20 rows positive and predicted positive.
    const check = only(inputFor('fairness.disparate-impact'));
    expect(check.value).toBe(1);
    expect(check.status).toBe('pass');
  });
});

describe('performance checks without a champion', () => {
  it.each(['performance.no-regression', 'performance.significance', 'performance.segments'] as const)(
    '%s is skipped and says why',
    (name) => {
      const check = only(inputFor(name));
      expect(check.status).toBe('skipped');
      expect(check.detail).toContain('no production champion');
    },
  );

  it('a minimum on a metric that cannot be computed fails', () => {
    const policy = { ...DEFAULT_POLICY.tiers['1'].validation, minRecords: 40, minMetrics: { rocAuc: 0.7 } };
    const check = only(inputFor('performance.thresholds', { policy }));
    expect(check.status).toBe('fail');
    expect(check.detail).toContain('rocAuc could not be computed');
  });

  it('fails a sample smaller than the policy minimum, whatever the metrics say', () => {
    // 40 perfectly predicted records: every metric passes, but tier 1 asks for at least 100
    const small = only(inputFor('performance.thresholds'));
    expect(DEFAULT_POLICY.tiers['1'].validation.minRecords).toBe(100);
    expect(small.status).toBe('fail');
    expect(small.detail).toBe('only 40 records; the policy needs at least 100 to judge metric thresholds');
    const enough = only(
      inputFor('performance.thresholds', {
        policy: { ...DEFAULT_POLICY.tiers['1'].validation, minRecords: 40 },
      }),
    );
    expect(enough.status).toBe('pass');
  });
});

describe('required checks whose input was not supplied', () => {
  const champion = { version: '1.0.0', metrics: {}, segmentMetrics: {} };
  const schemaOf = (inputSchema: SuiteInput['version']['inputSchema']): Partial<SuiteInput> => ({
    version: { version: '1.1.0', inputSchema, verified: false, signatures: [], piiFindings: [] },
  });
  it.each([
    ['data.schema', {}, 'input schema'],
    ['data.ranges', {}, 'input schema'],
    ['data.ranges', schemaOf([{ name: 'amount', type: 'number' }]), 'ranges in the input schema'],
    ['data.missing-rate', {}, 'features'],
    ['data.drift', {}, 'training reference'],
    [
      'data.drift',
      { reference: { rows: [{ other: 1 }], source: 'a sample' } },
      'training reference with the data’s columns',
    ],
    ['performance.no-regression', { champion }, 'champion metrics'],
    ['performance.significance', { champion }, 'champion predictions'],
    ['performance.segments', { champion }, 'segment attributes'],
    ['infrastructure.latency', {}, 'latency evidence'],
  ] as const)('%s fails naming the missing %s', (name, patch, missing) => {
    const check = only(inputFor(name, patch as Partial<SuiteInput>, false));
    expect(check).toMatchObject({ status: 'fail', value: null, missing, passed: false });
    expect(check.detail).toMatch(new RegExp(`^not run: no ${missing}; `));
  });

  it('checks that cannot apply are skipped and leave the run passing', () => {
    // Only string and boolean columns: there is nothing to bound.
    const ranges = only(
      inputFor(
        'data.ranges',
        schemaOf([
          { name: 'note', type: 'string' },
          { name: 'ok', type: 'boolean' },
        ]),
      ),
    );
    expect(ranges).toMatchObject({ status: 'skipped', passed: true });
    expect(ranges.missing).toBeUndefined();
    for (const name of ['performance.no-regression', 'performance.significance'] as const)
      expect(only(inputFor(name))).toMatchObject({ status: 'skipped', passed: true });
  });
});

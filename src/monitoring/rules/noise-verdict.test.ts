import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../stats/drift/test-helpers.js';
import { DEFAULT_POLICY } from '../../policy/index.js';
import { resolveThresholds } from '../monitoring-config.js';
import { seeded } from '../monitoring.test-helper.js';
import { WindowProfile } from '../window-profile.js';
import { dataDriftRule } from './data.rules.js';
import { judgeChangeAgainstNoise, judgePsiAgainstNoise, threeWayVerdict } from './noise-verdict.js';
import { DEFAULT_RULE_OPTIONS } from './rule.types.js';

interface Expected {
  psi: number;
  threshold: number;
  n: number;
  m: number;
  bins: number;
  alpha: number;
  noiseFloor: number;
  pValue: number;
  power: number;
  criticalPsi: number;
  status: string;
}

/** scipy's answers (test/fixtures/gen-drift-verdict.py re-implements the rule from its formula). */
const fixture = loadFixture<{
  verdicts: Expected[];
  falseAlerts: { windows: number; alerts: number; alpha: number; threshold: number };
}>('drift-verdict.json');

const rel = (a: number, e: number) => Math.abs(a - e) <= 1e-8 * Math.abs(e) + 1e-300;

describe('three-way verdict', () => {
  it.each([
    // statistic, threshold, p, power → status
    [0.5, 0.1, 0.001, 0.9, 'alert'],
    [0.5, 0.1, 0.2, 0.9, 'insufficient_data'], // past the threshold, within noise
    [0.05, 0.1, 0.5, 0.6, 'ok'],
    [0.05, 0.1, 0.5, 0.2, 'insufficient_data'], // below, but the threshold is not detectable
    [0.09, 0.1, 0.001, 0.9, 'warning'], // in the warning band and significant
    [0.09, 0.1, 0.3, 0.9, 'ok'], // in the warning band by noise only
    [0.1, 0.1, 0.0001, 0.9, 'warning'], // at the threshold is not past it
  ] as const)(
    'statistic %d, threshold %d, p %d, power %d → %s',
    (statistic, threshold, pValue, power, status) => {
      expect(
        threeWayVerdict({ statistic, threshold, pValue, power, alpha: 0.01, warningFraction: 0.8 }).status,
      ).toBe(status);
    },
  );

  it.each(fixture.verdicts)('PSI $psi against $threshold at n=$n, m=$m → $status (scipy)', (e) => {
    const v = judgePsiAgainstNoise({ ...e, warningFraction: 0.8 });
    expect(v.status).toBe(e.status);
    expect(rel(v.pValue, e.pValue), `p ${v.pValue} vs ${e.pValue}`).toBe(true);
    expect(rel(v.power, e.power), `power ${v.power} vs ${e.power}`).toBe(true);
    expect(rel(v.criticalPsi, e.criticalPsi)).toBe(true);
    expect(v.noiseFloor).toBeCloseTo(e.noiseFloor, 12);
  });

  it('the issue’s clinical example: PSI 0.43 alerts and 0.053 is ok at n=270, m=300, threshold 0.10', () => {
    const base = { threshold: 0.1, n: 270, m: 300, bins: 10, alpha: 0.01, warningFraction: 0.8 };
    const drift = judgePsiAgainstNoise({ ...base, psi: 0.43 });
    expect(drift.status).toBe('alert');
    expect(drift.detail).toContain('PSI 0.43 > threshold 0.1 and significant');
    expect(drift.detail).toContain('p-value 8.21e-10');
    expect(drift.detail).toContain('noise floor 0.06333');
    expect(drift.detail).toContain('n 270 in the window, m 300 in the reference');
    const stable = judgePsiAgainstNoise({ ...base, psi: 0.053 });
    expect(stable.status).toBe('ok');
    expect(stable.detail).toContain('power 0.5292 ≥ 0.5');
  });

  it('a homogeneity p-value, when given, decides significance', () => {
    const base = { psi: 0.3, threshold: 0.1, n: 500, m: 500, bins: 3, alpha: 0.01, warningFraction: 0.8 };
    expect(judgePsiAgainstNoise({ ...base, pValue: 0.2 }).status).toBe('insufficient_data');
    expect(judgePsiAgainstNoise({ ...base, pValue: 0.001 }).pSource).toBe('homogeneity');
  });

  it.each([
    // change, threshold, se → status (z_{0.99} = 2.3263)
    [0.2, 0.05, 0.03, 'alert'], // z = 6.7
    [0.07, 0.05, 0.03, 'alert'], // z = 2.333 > 2.3263: p = 0.0098
    [0.06, 0.05, 0.03, 'insufficient_data'], // past the threshold, z = 2 is within noise
    [0.01, 0.05, 0.03, 'insufficient_data'], // 0.05/0.03 = 1.67 < 2.33: not detectable
    [0.01, 0.05, 0.01, 'ok'],
    [0.01, 0.05, 0, 'ok'],
  ] as const)(
    'a change of %d against %d with standard error %d',
    (change, threshold, standardError, status) => {
      const v = judgeChangeAgainstNoise({
        change,
        threshold,
        standardError,
        alpha: 0.01,
        warningFraction: 0.8,
      });
      expect(v.status).toBe(status);
    },
  );
});

describe('false alerts on data without drift', () => {
  it('stay at most 2 % over 1,000 simulated windows at α = 0.01 (scipy’s simulation of the same rule: ~1 %)', () => {
    const thresholds = resolveThresholds(DEFAULT_POLICY, 1, {}); // data drift PSI 0.05
    const options = { ...DEFAULT_RULE_OPTIONS, alpha: fixture.falseAlerts.alpha };
    const rng = seeded(20261203);
    const profile = (size: number) => {
      const p = new WindowProfile();
      for (let i = 0; i < size; i++) p.addRecord({ features: { x: rng.normal(0, 1) } });
      return p;
    };
    const statuses = new Map<string, number>();
    for (let w = 0; w < fixture.falseAlerts.windows; w++) {
      const n = 100 + Math.floor(rng.uniform() * 901);
      const m = 100 + Math.floor(rng.uniform() * 901);
      const reference = profile(m);
      const check = dataDriftRule({
        current: profile(n),
        reference,
        baseline: {},
        inputSchema: [],
        thresholds,
        options,
      })[0]!;
      statuses.set(check.status, (statuses.get(check.status) ?? 0) + 1);
    }
    const alerts = statuses.get('alert') ?? 0;
    expect(alerts / fixture.falseAlerts.windows).toBeLessThanOrEqual(0.02);
    // Both rates estimate the same probability: within 4 binomial standard errors of each other.
    const py = fixture.falseAlerts.alerts / fixture.falseAlerts.windows;
    expect(Math.abs(alerts / fixture.falseAlerts.windows - py)).toBeLessThan(
      4 * Math.sqrt((2 * 0.01 * 0.99) / fixture.falseAlerts.windows),
    );
    // A PSI of 0.05 is detectable (power ≥ 0.5) from about 550 records per side: windows of that
    // size and more are judged ok, smaller ones stay undecided rather than alerting.
    expect(statuses.get('ok') ?? 0).toBeGreaterThan(fixture.falseAlerts.windows / 4);
    expect(statuses.get('warning') ?? 0).toBeLessThanOrEqual(0.02 * fixture.falseAlerts.windows);
  });
});

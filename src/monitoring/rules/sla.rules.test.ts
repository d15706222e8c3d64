import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../policy/index.js';
import { binomialCriticalCount, binomialUpperTail } from '../../stats/distributions/index.js';
import { resolveThresholds } from '../monitoring-config.js';
import { WindowProfile } from '../window-profile.js';
import { judgeRateAgainstLimit } from './noise-verdict.js';
import { DEFAULT_RULE_OPTIONS, type RuleInput } from './rule.types.js';
import {
  costRule,
  errorRateRule,
  judgeFloor,
  latencyP99Rule,
  latencyRule,
  throughputRule,
  tokenUsageRule,
} from './sla.rules.js';

/** scipy's answers (test/fixtures/gen-sla-trend.py). */
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/sla-trend.json', import.meta.url), 'utf8'),
) as {
  binomialUpperTail: [number, number, number, number][];
  binomialCriticalCount: [number, number, number, number][];
  errorRateVerdict: Array<{
    events: number;
    n: number;
    thresholdPct: number;
    pValue: number;
    power: number;
    status: string;
  }>;
};

const tier1 = resolveThresholds(DEFAULT_POLICY, 1, {});

function input(current: WindowProfile, extra: Partial<RuleInput> = {}): RuleInput {
  return {
    current,
    reference: null,
    baseline: {},
    inputSchema: [],
    thresholds: tier1,
    options: DEFAULT_RULE_OPTIONS,
    ...extra,
  };
}

function closeRelative(actual: number, expected: number, rel = 1e-9): void {
  if (expected === 0) expect(Math.abs(actual)).toBeLessThan(1e-300);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(rel);
}

describe('exact binomial tails', () => {
  it.each(fixture.binomialUpperTail)(
    'P(X ≥ %d | n %d, p %d) matches scipy binomtest',
    (x, n, p, expected) => {
      closeRelative(binomialUpperTail(x, n, p), expected, 1e-8);
    },
  );

  it.each(fixture.binomialCriticalCount)(
    'critical count at n %d, p %d, α %d matches scipy',
    (n, p, alpha, expected) => {
      expect(binomialCriticalCount(n, p, alpha)).toBe(expected);
    },
  );

  it('edge cases: no events, more events than records, rates 0 and 1', () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
    expect(binomialUpperTail(1, 10, 0)).toBe(0);
    expect(binomialUpperTail(10, 10, 1)).toBe(1);
    expect(binomialUpperTail(1, 10, 2)).toBeNaN();
  });
});

describe('error rate against the SLA: three-way verdict by an exact binomial test', () => {
  it.each(fixture.errorRateVerdict)(
    '$events errors of $n records against $thresholdPct % → $status (scipy)',
    (c) => {
      const v = judgeRateAgainstLimit({
        events: c.events,
        n: c.n,
        limitPct: c.thresholdPct,
        alpha: 0.01,
        warningFraction: 0.8,
        name: 'error rate',
      });
      expect(v.status).toBe(c.status);
      closeRelative(v.pValue, c.pValue, 1e-7);
      closeRelative(v.power, c.power, 1e-7);
    },
  );

  it('error_rate check: 6 errors in 1,000 records is past the tier 1 SLA of 0.1 % and significant', () => {
    const p = new WindowProfile();
    for (let i = 0; i < 1000; i++) p.addRecord({ features: {}, error: i < 6 });
    const check = errorRateRule(input(p))[0]!;
    expect(check).toMatchObject({
      rule: 'error_rate',
      value: 0.6,
      threshold: 0.1,
      n: 1000,
      count: 6,
      status: 'alert',
      policyRule: 'sla.errorRatePct',
    });
    // scipy.stats.binomtest(6, 1000, 0.001, alternative='greater').pvalue = 0.000588
    expect(check.detail).toContain('p-value 0.000588');
  });

  it('error_rate check: 2 errors in 1,000 records is past 0.1 % but within noise (p = 0.264)', () => {
    const p = new WindowProfile();
    for (let i = 0; i < 1000; i++) p.addRecord({ features: {}, error: i < 2 });
    const check = errorRateRule(input(p))[0]!;
    expect(check.status).toBe('insufficient_data');
    expect(check.value).toBe(0.2);
    expect(check.detail).toContain('within sampling noise');
  });

  it('error_rate check: fewer records than minRecords is insufficient_data without a value', () => {
    const p = new WindowProfile();
    for (let i = 0; i < 50; i++) p.addRecord({ features: {}, error: true });
    expect(errorRateRule(input(p))[0]).toMatchObject({ value: null, status: 'insufficient_data' });
  });
});

describe('latency, cost and token SLAs', () => {
  it('p95 and p99 latency from the sketch, each against its own SLA', () => {
    // 980 records at 10 ms and 20 at 300 ms: p95 = 10 ms, p99 = 300 ms (within the sketch's 1 %).
    const p = new WindowProfile();
    for (let i = 0; i < 1000; i++) p.addRecord({ features: {}, latencyMs: i < 980 ? 10 : 300 });
    const p95 = latencyRule(input(p))[0]!;
    const p99 = latencyP99Rule(input(p))[0]!;
    expect(p95.value!).toBeGreaterThan(9.9);
    expect(p95.value!).toBeLessThan(10.1);
    expect(p95).toMatchObject({ status: 'ok', threshold: 50, policyRule: 'sla.latencyP95Ms' });
    expect(p99.value!).toBeGreaterThan(297);
    expect(p99.value!).toBeLessThan(303);
    expect(p99).toMatchObject({ status: 'alert', threshold: 100, policyRule: 'sla.latencyP99Ms', n: 1000 });
  });

  it('cost per 1,000 predictions is the mean cost of the records that reported one, times 1,000', () => {
    // 100 records at 0.004 and 200 at 0.001 (100 more report none): (0.4 + 0.2) / 300 · 1000 = 2.
    const p = new WindowProfile();
    for (let i = 0; i < 400; i++)
      p.addRecord({ features: {}, ...(i < 300 ? { cost: i < 100 ? 0.004 : 0.001 } : {}) });
    const thresholds = resolveThresholds(DEFAULT_POLICY, 1, { costPer1kPredictions: 1.5 });
    const check = costRule(input(p, { thresholds }))[0]!;
    expect(check.value).toBeCloseTo(2, 10);
    expect(check).toMatchObject({
      rule: 'cost_per_1k',
      n: 300,
      threshold: 1.5,
      status: 'alert',
      policyRule: 'config.thresholds.costPer1kPredictions',
    });
    expect(check.observed).toBeCloseTo(0.6, 12);
    expect(
      costRule(
        input(p, { thresholds: resolveThresholds(DEFAULT_POLICY, 1, { costPer1kPredictions: 2.4 }) }),
      )[0]!.status,
    ).toBe('warning');
    expect(
      costRule(
        input(p, { thresholds: resolveThresholds(DEFAULT_POLICY, 1, { costPer1kPredictions: 3 }) }),
      )[0]!.status,
    ).toBe('ok');
    // Without a budget the cost is still reported; without costs and budget there is no check.
    expect(costRule(input(p))[0]).toMatchObject({ status: 'ok', threshold: null });
    expect(costRule(input(new WindowProfile()))).toEqual([]);
  });

  it('token usage is the total of tokens in and out in the window, against the budget', () => {
    const p = new WindowProfile();
    for (let i = 0; i < 40; i++) p.addRecord({ features: {}, tokensIn: 120, tokensOut: i < 10 ? 30 : 0 });
    p.addRecord({ features: {} });
    const budget = resolveThresholds(DEFAULT_POLICY, 1, { tokensPerWindow: 5000 });
    const check = tokenUsageRule(p, budget, DEFAULT_RULE_OPTIONS)[0]!;
    // 40 · 120 + 10 · 30 = 5,100 > 5,000.
    expect(check).toMatchObject({
      rule: 'token_usage',
      value: 5100,
      n: 40,
      status: 'alert',
      threshold: 5000,
    });
    expect(check.detail).toContain('4800 tokens in + 300 out over 40 records (127500 per 1,000 predictions)');
    expect(tokenUsageRule(new WindowProfile(), budget, DEFAULT_RULE_OPTIONS)[0]).toMatchObject({
      status: 'insufficient_data',
      value: null,
    });
    expect(tokenUsageRule(new WindowProfile(), tier1, DEFAULT_RULE_OPTIONS)).toEqual([]);
  });
});

describe('throughput against the SLA floor', () => {
  it.each([
    // Below the floor alerts; below floor / 0.8 = 12,500 is the warning band.
    [9_999, 'alert'],
    [10_000, 'warning'],
    [12_499, 'warning'],
    [12_500, 'ok'],
    [20_000, 'ok'],
  ] as const)('%d per minute against a floor of 10,000 → %s', (perMinute, status) => {
    expect(judgeFloor(perMinute, 10_000, 0.8)).toBe(status);
  });

  it('records per minute over the span, from the tier 1 SLA (seed 002: > 10,000 per minute)', () => {
    const low = throughputRule(
      { records: 8_460_000, minutes: 1410, since: '2026-03-01T11:00:00.000Z', everReported: true },
      tier1,
      DEFAULT_RULE_OPTIONS,
    );
    // 8,460,000 / 1,410 = 6,000 per minute < 10,000.
    expect(low).toMatchObject({
      rule: 'throughput',
      value: 6000,
      threshold: 10_000,
      status: 'alert',
      policyRule: 'sla.throughputPerMinute',
      n: 8_460_000,
    });
    const fine = throughputRule(
      { records: 16_920_000, minutes: 1410, since: '2026-03-01T11:00:00.000Z', everReported: true },
      tier1,
      DEFAULT_RULE_OPTIONS,
    );
    expect(fine).toMatchObject({ value: 12_000, status: 'warning' });
    expect(
      throughputRule(
        { records: 0, minutes: 1410, since: 'x', everReported: false },
        tier1,
        DEFAULT_RULE_OPTIONS,
      ).status,
    ).toBe('insufficient_data');
    expect(
      throughputRule(
        { records: 0, minutes: 1410, since: 'x', everReported: true },
        tier1,
        DEFAULT_RULE_OPTIONS,
      ),
    ).toMatchObject({ value: 0, status: 'alert' });
    expect(
      throughputRule(
        { records: 50, minutes: 0.5, since: 'x', everReported: true },
        tier1,
        DEFAULT_RULE_OPTIONS,
      ).status,
    ).toBe('insufficient_data');
    // Tier 3 has no throughput floor: reported, never alerting.
    const tier3 = resolveThresholds(DEFAULT_POLICY, 3, {});
    expect(
      throughputRule(
        { records: 10, minutes: 100, since: 'x', everReported: true },
        tier3,
        DEFAULT_RULE_OPTIONS,
      ),
    ).toMatchObject({ value: 0.1, threshold: null, status: 'ok' });
  });
});

describe('SLA thresholds from the policy', () => {
  it('come from the tier SLA table, and from Warden defaults for a policy saved before it', () => {
    expect(tier1.values).toMatchObject({
      latencyP95Ms: 50,
      latencyP99Ms: 100,
      errorRatePct: 0.1,
      throughputPerMinute: 10_000,
      costPer1kPredictions: null,
      tokensPerWindow: null,
    });
    const old = structuredClone(DEFAULT_POLICY);
    delete old.tiers['1'].monitoring.sla;
    const resolved = resolveThresholds(old, 1, { throughputPerMinute: 5 });
    expect(resolved.values.errorRatePct).toBe(0.1);
    expect(resolved.sources.errorRatePct).toBe('sla.errorRatePct (Warden default)');
    expect(resolved.sources.throughputPerMinute).toBe('config.thresholds.throughputPerMinute');
    expect(resolveThresholds(DEFAULT_POLICY, 4, {}).values).toMatchObject({
      latencyP95Ms: 200,
      errorRatePct: 2,
    });
  });
});

describe('window profiles keep cost, tokens and the time span', () => {
  it('merge and serialise them exactly', () => {
    const a = new WindowProfile();
    a.addRecord({ features: {}, timestamp: 2000, cost: 0.5, tokensIn: 10 });
    a.addRecord({ features: {}, timestamp: 1000 });
    const b = new WindowProfile();
    b.addRecord({ features: {}, timestamp: 5000, cost: 0.25, tokensIn: 3, tokensOut: 7 });
    a.merge(WindowProfile.parse(JSON.stringify(b.toJSON())));
    const back = WindowProfile.parse(JSON.stringify(a.toJSON()));
    expect(back.usage).toEqual({ costRecords: 2, cost: 0.75, tokenRecords: 2, tokensIn: 13, tokensOut: 7 });
    expect([back.firstAt, back.lastAt]).toEqual([1000, 5000]);
    // A profile stored before these were kept reads as none.
    const old = a.toJSON();
    delete old.usage;
    delete old.span;
    const legacy = WindowProfile.fromJSON(old);
    expect(legacy.usage.costRecords).toBe(0);
    expect(legacy.firstAt).toBeNull();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_OPTIONS } from './rule.types.js';
import { signalTrendRule, type TrendPoint } from './trend.rules.js';

/** Textbook Mann-Kendall in Python, checked against scipy (test/fixtures/gen-sla-trend.py). */
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/sla-trend.json', import.meta.url), 'utf8'),
) as { mannKendall: Array<{ name: string; x: number[]; s: number; pValue: number; slope: number }> };
const series = (name: string) => fixture.mannKendall.find((m) => m.name === name)!;

/** Buckets of `records` records each, the signal firing in `events[i]` of bucket i. */
function points(signal: string, events: number[], records = 1000): TrendPoint[] {
  return events.map((e, i) => ({
    start: new Date(Date.UTC(2026, 2, 1, i)).toISOString(),
    records,
    events: { [signal]: e },
  }));
}

describe('signal trend (Mann-Kendall over the last buckets)', () => {
  it('a rising rate with ties alerts: S, p and Sen slope as scipy computes them', () => {
    // Rates 0, 0, 1, 0, 1, 2, 2, 3, 2, 4, 5, 5 % of 1,000 records per bucket.
    const mk = series('signal rates with ties');
    const check = signalTrendRule(
      points(
        'toxicity',
        mk.x.map((r) => Math.round(r * 1000)),
      ),
      DEFAULT_RULE_OPTIONS,
    )[0]!;
    expect(check).toMatchObject({
      rule: 'signal_trend:toxicity',
      status: 'alert',
      n: 12,
      threshold: null,
      observed: 5,
      baseline: 0,
      policyRule: 'monitoring.alpha',
    });
    expect(check.value).toBeCloseTo(mk.slope * 100, 12); // points per bucket
    expect(check.detail).toContain(`S = ${mk.s}`);
    expect(check.detail).toContain('p = 0.0002017');
  });

  it('a flat rate stays ok, and so does a significant fall', () => {
    const flat = series('api refusal');
    expect(signalTrendRule(points('refusal', flat.x, 100), DEFAULT_RULE_OPTIONS)[0]!.status).toBe('ok');
    const falling = series('decreasing, no ties'); // p = 0.0044 ≤ 0.01 but S < 0
    const check = signalTrendRule(
      points(
        'pii',
        falling.x.map((v) => Math.round(v * 100)),
      ),
      DEFAULT_RULE_OPTIONS,
    )[0]!;
    expect(check.status).toBe('ok');
    expect(check.detail).toContain(': falling');
  });

  it('the significance level is the policy alpha', () => {
    // "short, 4 values" has p = 0.0894: ok at 0.01, alert at 0.1.
    const four = series('short, 4 values');
    const p = points('x', four.x, 100);
    expect(signalTrendRule(p, DEFAULT_RULE_OPTIONS)[0]!.status).toBe('ok');
    expect(signalTrendRule(p, { ...DEFAULT_RULE_OPTIONS, alpha: 0.1 })[0]!.status).toBe('alert');
  });

  it('needs 4 buckets with records and minRecords records; a signal absent from a bucket counts 0', () => {
    expect(signalTrendRule(points('x', [1, 2, 3]), DEFAULT_RULE_OPTIONS)[0]).toMatchObject({
      status: 'insufficient_data',
      value: null,
      n: 3,
    });
    expect(signalTrendRule(points('x', [1, 2, 3, 4], 20), DEFAULT_RULE_OPTIONS)[0]!.status).toBe(
      'insufficient_data',
    );
    const gaps: TrendPoint[] = [
      { start: 'a', records: 100, events: {} },
      { start: 'b', records: 0, events: {} },
      { start: 'c', records: 100, events: { x: 1 } },
      { start: 'd', records: 100, events: { x: 2 } },
      { start: 'e', records: 100, events: { x: 3 } },
    ];
    const check = signalTrendRule(gaps, DEFAULT_RULE_OPTIONS)[0]!;
    // Rates 0, 1, 2, 3 % over the 4 buckets with records: S = 6, as for "short, 4 values".
    expect(check.n).toBe(4);
    expect(check.detail).toContain(`S = ${series('short, 4 values').s}`);
    expect(signalTrendRule([], DEFAULT_RULE_OPTIONS)).toEqual([]);
  });
});

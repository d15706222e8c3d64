import { describe, expect, it } from 'vitest';
import {
  isRetrainingTrigger,
  mergeReasons,
  scheduledRetrainingDue,
  widenWindow,
  type RetrainingReason,
} from './retraining-triggers.js';

describe('isRetrainingTrigger', () => {
  it.each([
    ['data_drift', 'alert', true],
    ['data_drift', 'warning', false],
    ['data_drift', 'ok', false],
    ['accuracy_decay', 'alert', true],
    ['recall_decay', 'alert', true],
    ['brier_drift', 'alert', true],
    ['missing_increase', 'alert', true],
    ['new_data_volume', 'alert', true],
    ['prediction_drift', 'alert', true],
    ['label_drift', 'alert', true],
    ['schema_change', 'alert', true],
    ['schema_change', 'warning', false],
    ['new_categories', 'alert', false],
    ['latency_p95', 'alert', false],
    ['safety_signal:jailbreak', 'alert', false],
  ])('%s at %s → %s', (rule, status, expected) => {
    expect(isRetrainingTrigger({ rule, status })).toBe(expected);
  });
});

describe('mergeReasons', () => {
  const r = (rule: string, value: number, feature?: string): RetrainingReason => ({
    rule,
    value,
    threshold: 0.1,
    at: '2026-01-01T00:00:00.000Z',
    ...(feature ? { feature } : {}),
  });

  it('appends new reasons in order', () => {
    const out = mergeReasons(
      [r('data_drift', 0.2, 'age')],
      [r('data_drift', 0.3, 'income'), r('accuracy_decay', 2)],
    );
    expect(out.changed).toBe(true);
    expect(out.reasons.map((x) => [x.rule, x.feature])).toEqual([
      ['data_drift', 'age'],
      ['data_drift', 'income'],
      ['accuracy_decay', undefined],
    ]);
  });

  it('replaces the same rule and feature with its latest value', () => {
    const out = mergeReasons([r('data_drift', 0.2, 'age')], [r('data_drift', 0.4, 'age')]);
    expect(out.reasons).toHaveLength(1);
    expect(out.reasons[0]!.value).toBe(0.4);
    expect(out.changed).toBe(true);
  });

  it('reports no change for the same value', () => {
    expect(mergeReasons([r('data_drift', 0.2, 'age')], [r('data_drift', 0.2, 'age')]).changed).toBe(false);
  });
});

describe('widenWindow', () => {
  it('covers both windows', () => {
    expect(
      widenWindow(
        { from: '2026-01-02T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z' },
        { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T12:00:00.000Z' },
      ),
    ).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z' });
  });
});

describe('scheduledRetrainingDue', () => {
  const since = '2026-01-01T00:00:00.000Z';
  it.each([
    [7, '2026-01-07T23:59:59.000Z', null],
    [7, '2026-01-08T00:00:00.000Z', 7],
    [14, '2026-01-15T00:00:00.000Z', 14],
    [14, '2026-01-14T00:00:00.000Z', null],
    [30, '2026-02-15T12:00:00.000Z', 45.5],
  ])('every %i days, at %s → %s', (days, now, expected) => {
    expect(scheduledRetrainingDue(since, days, new Date(now))).toBe(expected);
  });
});

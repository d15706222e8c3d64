import { describe, expect, it } from 'vitest';
import {
  applyCheck,
  computeSeverity,
  maxSeverity,
  nextEscalation,
  type ActiveAlertState,
  type AlertAction,
  type CheckStatus,
  type EscalationState,
  type Severity,
} from './alert-state.js';

describe('computeSeverity', () => {
  const table: Array<[CheckStatus, number, Severity | null]> = [
    ['alert', 1, 'critical'],
    ['alert', 2, 'high'],
    ['alert', 3, 'medium'],
    ['alert', 4, 'low'],
    ['warning', 1, 'high'],
    ['warning', 2, 'medium'],
    ['warning', 3, 'low'],
    ['warning', 4, 'low'],
    ['ok', 1, null],
    ['insufficient_data', 1, null],
  ];
  it.each(table)('%s on tier %i → %s', (status, tier, expected) => {
    expect(computeSeverity(status, tier)).toBe(expected);
  });

  it('keeps the more severe of two', () => {
    expect(maxSeverity('low', 'critical')).toBe('critical');
    expect(maxSeverity('high', 'medium')).toBe('high');
  });
});

describe('applyCheck', () => {
  const policy = { autoResolveAfterCleanWindows: 3 };
  const active = (over: Partial<ActiveAlertState> = {}): ActiveAlertState => ({
    status: 'open',
    severity: 'high',
    occurrences: 1,
    cleanWindows: 0,
    ...over,
  });
  const table: Array<[string, ActiveAlertState | null, CheckStatus, number, AlertAction]> = [
    ['alert with none active opens', null, 'alert', 1, { kind: 'open', severity: 'critical' }],
    ['warning with none active opens', null, 'warning', 3, { kind: 'open', severity: 'low' }],
    ['ok with none active does nothing', null, 'ok', 1, { kind: 'none' }],
    ['insufficient data with none active does nothing', null, 'insufficient_data', 1, { kind: 'none' }],
    [
      'alert repeats an open alert',
      active({ occurrences: 4, cleanWindows: 2 }),
      'alert',
      2,
      { kind: 'repeat', severity: 'high', occurrences: 5 },
    ],
    [
      'a worse status raises severity',
      active({ severity: 'high' }),
      'alert',
      1,
      { kind: 'repeat', severity: 'critical', occurrences: 2 },
    ],
    [
      'a milder status does not lower severity',
      active({ severity: 'critical' }),
      'warning',
      1,
      { kind: 'repeat', severity: 'critical', occurrences: 2 },
    ],
    [
      'repeat of an acknowledged alert',
      active({ status: 'acknowledged' }),
      'warning',
      2,
      { kind: 'repeat', severity: 'high', occurrences: 2 },
    ],
    ['first clean window', active(), 'ok', 1, { kind: 'clean', cleanWindows: 1 }],
    [
      'N-1 clean windows do not resolve',
      active({ cleanWindows: 1 }),
      'ok',
      1,
      { kind: 'clean', cleanWindows: 2 },
    ],
    ['N clean windows resolve', active({ cleanWindows: 2 }), 'ok', 1, { kind: 'resolve', cleanWindows: 3 }],
    [
      'acknowledged alerts resolve too',
      active({ status: 'acknowledged', cleanWindows: 2 }),
      'ok',
      1,
      { kind: 'resolve', cleanWindows: 3 },
    ],
    [
      'insufficient data neither fires nor cleans',
      active({ cleanWindows: 2 }),
      'insufficient_data',
      1,
      { kind: 'none' },
    ],
  ];
  it.each(table)('%s', (_title, alert, status, tier, expected) => {
    expect(applyCheck(alert, { status }, tier, policy)).toEqual(expected);
  });

  it('resolves on the first clean window when N is 1', () => {
    expect(applyCheck(active(), { status: 'ok' }, 1, { autoResolveAfterCleanWindows: 1 })).toEqual({
      kind: 'resolve',
      cleanWindows: 1,
    });
  });
});

describe('nextEscalation', () => {
  const policy = {
    ackWithinMinutes: 60,
    escalateEveryMinutes: 30,
    escalationChain: ['ML Engineer', 'MLOps Lead', 'VP Engineering', 'CISO'],
  };
  const opened = '2026-01-01T00:00:00.000Z';
  const at = (minutes: number) => new Date(Date.parse(opened) + minutes * 60_000);
  const state = (over: Partial<EscalationState> = {}): EscalationState => ({
    status: 'open',
    openedAt: opened,
    escalationLevel: 0,
    escalatedAt: null,
    ...over,
  });
  const table: Array<[string, EscalationState, Date, { level: number; to: string } | null]> = [
    ['not before the ack deadline', state(), at(59.99), null],
    ['at the ack deadline', state(), at(60), { level: 1, to: 'MLOps Lead' }],
    ['acknowledged alerts never escalate', state({ status: 'acknowledged' }), at(600), null],
    ['resolved alerts never escalate', state({ status: 'resolved' }), at(600), null],
    [
      'second step waits escalateEvery after the first',
      state({ escalationLevel: 1, escalatedAt: at(60).toISOString() }),
      at(89),
      null,
    ],
    [
      'second step after escalateEvery',
      state({ escalationLevel: 1, escalatedAt: at(60).toISOString() }),
      at(90),
      { level: 2, to: 'VP Engineering' },
    ],
    [
      'last step',
      state({ escalationLevel: 2, escalatedAt: at(90).toISOString() }),
      at(120),
      { level: 3, to: 'CISO' },
    ],
    ['the chain ends', state({ escalationLevel: 3, escalatedAt: at(120).toISOString() }), at(10_000), null],
  ];
  it.each(table)('%s', (_title, alert, now, expected) => {
    expect(nextEscalation(alert, policy, now)).toEqual(expected);
  });

  it('a one-name chain never escalates', () => {
    expect(nextEscalation(state(), { ...policy, escalationChain: ['Owner'] }, at(1000))).toBeNull();
  });
});

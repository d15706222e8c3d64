import { describe, expect, it } from 'vitest';
import { WardenError } from '../core/errors.js';
import { STAGES, type Stage } from '../registry/version.schema.js';
import { allowedTargets, assertTransition, isAllowedTransition } from './lifecycle.js';

const ALLOWED: Array<[Stage, Stage]> = [
  ['development', 'staging'],
  ['development', 'rejected'],
  ['staging', 'approved'],
  ['staging', 'production'],
  ['staging', 'rejected'],
  ['staging', 'development'],
  ['approved', 'production'],
  ['approved', 'rejected'],
  ['production', 'deprecated'],
  ['deprecated', 'production'],
  ['deprecated', 'archived'],
  ['rejected', 'development'],
];

describe('lifecycle state machine', () => {
  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(isAllowedTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  const forbidden = STAGES.flatMap((from) =>
    STAGES.filter((to) => !ALLOWED.some(([f, t]) => f === from && t === to)).map(
      (to) => [from, to] as [Stage, Stage],
    ),
  );

  it('forbids every other pair (37 of 49)', () => {
    expect(forbidden).toHaveLength(STAGES.length * STAGES.length - ALLOWED.length);
  });

  it.each(forbidden)('forbids %s → %s with invalid_transition naming the allowed moves', (from, to) => {
    expect(isAllowedTransition(from, to)).toBe(false);
    let caught: unknown;
    try {
      assertTransition(from, to);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WardenError);
    const e = caught as WardenError;
    expect(e.code).toBe('invalid_transition');
    expect(e.status).toBe(409);
    const expected = ALLOWED.filter(([f]) => f === from).map(([, t]) => ({ from, to: t }));
    expect(e.details?.allowed).toEqual(expected);
  });

  it('archived is final and development cannot skip to production', () => {
    expect(allowedTargets('archived')).toEqual([]);
    expect(isAllowedTransition('development', 'production')).toBe(false);
    expect(() => assertTransition('archived', 'production')).toThrow(/none \(final stage\)/);
  });
});

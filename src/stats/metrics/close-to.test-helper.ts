import { expect } from 'vitest';

/**
 * Asserts agreement with a reference value: relative tolerance `rel`, or absolute tolerance
 * `abs` for values near zero. Statistics use 1e-9 relative; p-values 1e-6 relative or 1e-12
 * absolute.
 */
export function expectClose(
  actual: number | null | undefined,
  expected: number | null,
  rel = 1e-9,
  abs = 1e-12,
): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(typeof actual).toBe('number');
  const a = actual as number;
  const ok = Math.abs(a - expected) <= Math.max(rel * Math.abs(expected), abs);
  if (!ok) expect.fail(`expected ${a} to be within rel ${rel} / abs ${abs} of ${expected}`);
}

/** Tolerance of p-values against reference implementations. */
export function expectPValueClose(actual: number | null | undefined, expected: number): void {
  expectClose(actual, expected, 1e-6, 1e-12);
}

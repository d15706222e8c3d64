/** A sorted copy of `values` (Float64Array numeric sort; NaN must already be removed). */
export function sortedCopy(values: Float64Array): Float64Array {
  return values.slice().sort();
}

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Mean and sum of squared deviations (two-pass, for precision). */
export function meanAndSsd(values: Float64Array): { mean: number; ssd: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let ssd = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    ssd += d * d;
  }
  return { mean, ssd };
}

/** True when every value is finite (no ±Infinity; NaN is assumed removed). */
export function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/**
 * Input checks shared by the evaluation metrics. Every check names the offending index so a
 * caller can find the bad row; all of them throw RangeError.
 */

type Numbers = ArrayLike<number>;

/** Throws unless the two inputs have the same length. */
export function checkSameLength(
  fn: string,
  a: { length: number },
  aName: string,
  b: { length: number },
  bName: string,
): void {
  if (a.length !== b.length) {
    throw new RangeError(`${fn}: ${aName} has ${a.length} rows but ${bName} has ${b.length}`);
  }
}

/** Throws on empty input: none of the metrics is defined on zero rows. */
export function checkNonEmpty(fn: string, n: number): void {
  if (n === 0) throw new RangeError(`${fn}: empty input (n = 0); the metric is undefined without rows`);
}

/** Throws unless every value is exactly 0 or 1. */
export function checkBinary(fn: string, values: Numbers, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) {
      throw new RangeError(`${fn}: ${name}[${i}] is ${String(v)}; ${name} must be 0 or 1`);
    }
  }
}

/** Throws unless every value is a finite number (NaN and ±Infinity are rejected). */
export function checkFinite(fn: string, values: Numbers, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new RangeError(`${fn}: ${name}[${i}] is ${String(v)}; ${name} must be finite numbers`);
    }
  }
}

/** Throws unless every value is a probability in [0, 1] (NaN rejected). */
export function checkProbabilities(fn: string, values: Numbers, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= 0 && v <= 1)) {
      throw new RangeError(`${fn}: ${name}[${i}] is ${String(v)}; ${name} must be probabilities in [0, 1]`);
    }
  }
}

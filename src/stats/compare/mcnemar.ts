import { binomialHalfCdf, chiSquareSf } from './tails.js';

/**
 * Discordant-pair count below which McNemar's test uses the exact binomial version. Below
 * about 25 discordant pairs the chi-square approximation is poor.
 */
export const MCNEMAR_EXACT_BELOW = 25;

/** The paired 2×2 table of two models' correctness on the same rows. */
export interface McNemarTable {
  bothCorrect: number;
  /** b: rows the first model gets right and the second wrong. */
  onlyFirstCorrect: number;
  /** c: rows the second model gets right and the first wrong. */
  onlySecondCorrect: number;
  bothWrong: number;
}

export interface McNemarResult {
  table: McNemarTable;
  /** b + c. */
  discordant: number;
  method: 'exact-binomial' | 'chi-square-corrected';
  /** min(b, c) for the exact version; (|b − c| − 1)² / (b + c) for the chi-square one. */
  statistic: number;
  /** Two-sided p-value of equal error rates. */
  pValue: number;
  /** Human-readable statement of the convention used. */
  convention: string;
}

export interface McNemarOptions {
  /**
   * Force the exact binomial version (true) or the chi-square one (false). Default: exact when
   * b + c < 25, chi-square with continuity correction otherwise.
   */
  exact?: boolean;
}

/**
 * McNemar's test from the discordant counts b and c, with statsmodels' `mcnemar` definitions.
 * Exact: statistic min(b, c), p = min(1, 2·P(X <= min(b, c))) for X ~ Binomial(b + c, ½).
 * Chi-square (`exact=False, correction=True`): statistic (|b − c| − 1)² / (b + c), p from the
 * chi-square distribution with one degree of freedom; the statistic is not floored at zero,
 * as in statsmodels. With no discordant pairs there is no evidence either way: the chi-square
 * version reports statistic 0 and p = 1 (statsmodels would divide by zero).
 */
export function mcnemarFromTable(table: McNemarTable, options: McNemarOptions = {}): McNemarResult {
  for (const [key, value] of Object.entries(table)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`mcnemarFromTable: ${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
  const b = table.onlyFirstCorrect;
  const c = table.onlySecondCorrect;
  const discordant = b + c;
  const exact = options.exact ?? discordant < MCNEMAR_EXACT_BELOW;
  if (exact) {
    const k = Math.min(b, c);
    return {
      table: { ...table },
      discordant,
      method: 'exact-binomial',
      statistic: k,
      pValue: Math.min(1, 2 * binomialHalfCdf(k, discordant)),
      convention: `exact binomial McNemar: p = min(1, 2·P(X <= min(b, c))), X ~ Binomial(b + c, 1/2)${
        options.exact === undefined ? `, chosen because b + c = ${discordant} < ${MCNEMAR_EXACT_BELOW}` : ''
      }`,
    };
  }
  const statistic = discordant === 0 ? 0 : (Math.abs(b - c) - 1) ** 2 / discordant;
  return {
    table: { ...table },
    discordant,
    method: 'chi-square-corrected',
    statistic,
    pValue: discordant === 0 ? 1 : chiSquareSf(statistic, 1),
    convention: `chi-square McNemar with continuity correction: (|b − c| − 1)² / (b + c) on 1 df${
      options.exact === undefined ? `, chosen because b + c = ${discordant} >= ${MCNEMAR_EXACT_BELOW}` : ''
    }`,
  };
}

/**
 * McNemar's test of two models evaluated on the same rows, from per-row correctness (1 when
 * the model's prediction was right, 0 when wrong). See `mcnemarFromTable` for the definitions
 * and for when the exact version is used.
 */
export function mcnemarTest(
  firstCorrect: Uint8Array,
  secondCorrect: Uint8Array,
  options: McNemarOptions = {},
): McNemarResult {
  if (firstCorrect.length !== secondCorrect.length) {
    throw new RangeError(
      `mcnemarTest: firstCorrect has ${firstCorrect.length} rows but secondCorrect has ${secondCorrect.length}`,
    );
  }
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < firstCorrect.length; i++) {
    const a = firstCorrect[i] as number;
    const b = secondCorrect[i] as number;
    if (a > 1) throw new RangeError(`mcnemarTest: firstCorrect[${i}] is ${a}; values must be 0 or 1`);
    if (b > 1) throw new RangeError(`mcnemarTest: secondCorrect[${i}] is ${b}; values must be 0 or 1`);
    counts[a * 2 + b]! += 1;
  }
  const [bothWrong, onlySecondCorrect, onlyFirstCorrect, bothCorrect] = counts as [
    number,
    number,
    number,
    number,
  ];
  return mcnemarFromTable({ bothCorrect, onlyFirstCorrect, onlySecondCorrect, bothWrong }, options);
}

/**
 * McNemar's test of two models' hard predictions against the same labels: a row counts as
 * correct for a model when its prediction equals the label.
 */
export function mcnemarFromPredictions(
  labels: Uint8Array,
  firstPredictions: Uint8Array,
  secondPredictions: Uint8Array,
  options: McNemarOptions = {},
): McNemarResult {
  if (labels.length !== firstPredictions.length || labels.length !== secondPredictions.length) {
    throw new RangeError(
      `mcnemarFromPredictions: labels, firstPredictions and secondPredictions have ${labels.length}, ${firstPredictions.length} and ${secondPredictions.length} rows`,
    );
  }
  const first = new Uint8Array(labels.length);
  const second = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    first[i] = firstPredictions[i] === labels[i] ? 1 : 0;
    second[i] = secondPredictions[i] === labels[i] ? 1 : 0;
  }
  return mcnemarTest(first, second, options);
}

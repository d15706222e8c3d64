import type { AdverseOutcome } from './explanation.schema.js';

/** Label and prediction values compared as class keys: booleans and "true"/"false" become "1"/"0". */
function classKey(value: unknown): string {
  if (value === true || value === 'true') return '1';
  if (value === false || value === 'false') return '0';
  return String(value);
}

/** Whether a decision is adverse under the version's declared adverse outcome. */
export function isAdverse(outcome: AdverseOutcome, prediction: unknown, score: number | null): boolean {
  if ('label' in outcome) return classKey(prediction) === classKey(outcome.label);
  if (score === null) return false;
  return 'scoreAbove' in outcome ? score > outcome.scoreAbove : score < outcome.scoreBelow;
}

/**
 * The sign of an attribution that pushes toward the adverse outcome: attributions explain the
 * score, so a higher score pushes toward `scoreAbove` and toward the adverse `label` (+1), a lower
 * one toward `scoreBelow` (−1).
 */
export function adverseDirection(outcome: AdverseOutcome): 1 | -1 {
  return 'scoreBelow' in outcome ? -1 : 1;
}

/** One principal reason: the feature, its attribution, and the reason text shown. */
export interface RankedReason {
  rank: number;
  feature: string;
  attribution: number;
  reason: string;
  coded: boolean;
}

/**
 * The top `n` principal reasons: the attributions that push toward the adverse outcome, largest
 * first (ties by feature name), each with its reason code's text (or the feature's name when the
 * version has no code for it).
 */
export function rankReasons(
  attributions: Readonly<Record<string, number>>,
  outcome: AdverseOutcome,
  codes: Readonly<Record<string, string>>,
  n: number,
): RankedReason[] {
  const sign = adverseDirection(outcome);
  return Object.entries(attributions)
    .filter(([, v]) => v * sign > 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([feature, attribution], i) => ({
      rank: i + 1,
      feature,
      attribution,
      reason: codes[feature] ?? feature,
      coded: codes[feature] !== undefined,
    }));
}

/** The main factors of one decision in both directions, largest |attribution| first. */
export function mainFactors(
  attributions: Readonly<Record<string, number>>,
  n: number,
): { feature: string; attribution: number; direction: 'raises the score' | 'lowers the score' }[] {
  return Object.entries(attributions)
    .filter(([, v]) => v !== 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([feature, attribution]) => ({
      feature,
      attribution,
      direction: attribution > 0 ? ('raises the score' as const) : ('lowers the score' as const),
    }));
}

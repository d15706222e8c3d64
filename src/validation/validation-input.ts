import { invalidInput } from '../core/errors.js';
import { DEFAULT_THRESHOLD } from '../stats/metrics/index.js';
import type { RunValidationInput } from './validation.schema.js';

export type FeatureValue = number | string | boolean | null;

/** The evaluation data as typed arrays, checked for consistency across records. */
export interface PreparedData {
  n: number;
  threshold: number;
  labels: Uint8Array;
  /** Candidate scores, when every record has one. */
  scores: Float64Array | null;
  /** Candidate predictions: given, or the scores cut at the threshold. */
  predictions: Uint8Array;
  championScores: Float64Array | null;
  championPredictions: Uint8Array | null;
  segments: Array<Record<string, string>>;
  sensitive: Array<Record<string, string>>;
  features: Array<Record<string, FeatureValue>>;
}

const bit = (v: 0 | 1 | boolean): number => (v === true || v === 1 ? 1 : 0);
const attr = (v: string | number | boolean | null): string => (v === null ? '(missing)' : String(v));

function attributes(
  map: Record<string, string | number | boolean | null> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) out[k] = attr(v);
  return out;
}

/**
 * Turns schema-checked records into typed arrays. Refuses, naming the record and field, what the
 * schema alone cannot see: scores on some records only, and champion arrays of the wrong length.
 */
export function prepareValidationData(input: RunValidationInput): PreparedData {
  const records = input.records;
  const n = records.length;
  const threshold = input.threshold ?? DEFAULT_THRESHOLD;
  const withScore = records.findIndex((r) => r.score !== undefined);
  const labels = new Uint8Array(n);
  const predictions = new Uint8Array(n);
  const scores = withScore >= 0 ? new Float64Array(n) : null;
  records.forEach((r, i) => {
    labels[i] = bit(r.label);
    if (scores) {
      if (r.score === undefined)
        throw invalidInput(
          `records.${i}.score: missing, but records.${withScore} has one; give every record a score or none`,
          `records.${i}.score`,
        );
      scores[i] = r.score;
    }
    predictions[i] =
      r.prediction !== undefined ? bit(r.prediction) : (r.score as number) >= threshold ? 1 : 0;
  });

  let championScores: Float64Array | null = null;
  let championPredictions: Uint8Array | null = null;
  const champion = input.champion;
  if (champion?.scores !== undefined) {
    if (champion.scores.length !== n)
      throw invalidInput(
        `champion.scores: has ${champion.scores.length} values for ${n} records; give one per record, in order`,
        'champion.scores',
      );
    championScores = Float64Array.from(champion.scores);
  }
  if (champion?.predictions !== undefined) {
    if (champion.predictions.length !== n)
      throw invalidInput(
        `champion.predictions: has ${champion.predictions.length} values for ${n} records; give one per record, in order`,
        'champion.predictions',
      );
    championPredictions = Uint8Array.from(champion.predictions.map(bit));
  } else if (championScores) {
    championPredictions = Uint8Array.from(championScores, (s) => (s >= threshold ? 1 : 0));
  }

  return {
    n,
    threshold,
    labels,
    scores,
    predictions,
    championScores,
    championPredictions,
    segments: records.map((r) => attributes(r.segment)),
    sensitive: records.map((r) => attributes(r.sensitive)),
    features: records.map((r) => r.features ?? {}),
  };
}

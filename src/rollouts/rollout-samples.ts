import type { Executor } from '../db/database.js';
import type { VariantSample } from './rollout-analysis.rules.js';
import type { ShadowPair } from './rollout-shadow.rules.js';

type Outcome = string | number | boolean;

/** One version's records over [from, to): the analysis sample, and the records by id (for shadow pairs). */
export interface LoadedVariant {
  sample: VariantSample;
  byId: Map<string, { prediction: Outcome; segment: Record<string, string> | null }>;
}

/**
 * Reads one version's ingested inference records with a timestamp in [from, to) into the
 * analysis sample: errors, latencies, labelled and correctly predicted records, predictions.
 * Labels that arrived late count as soon as they are stored.
 */
export async function loadVariant(
  db: Executor,
  versionId: string,
  from: string,
  to: string,
): Promise<LoadedVariant> {
  const rows = await db
    .selectFrom('inference_records')
    .select(['record_id', 'prediction', 'label', 'latency_ms', 'error', 'segment'])
    .where('version_id', '=', versionId)
    .where('ts', '>=', from)
    .where('ts', '<', to)
    .execute();
  const latencies: number[] = [];
  const predictions: Outcome[] = [];
  const byId: LoadedVariant['byId'] = new Map();
  let errors = 0;
  let labelled = 0;
  let correct = 0;
  for (const r of rows) {
    if (Number(r.error) === 1) errors++;
    if (r.latency_ms !== null) latencies.push(Number(r.latency_ms));
    if (r.prediction === null) continue;
    const prediction = JSON.parse(r.prediction) as Outcome;
    predictions.push(prediction);
    byId.set(r.record_id, {
      prediction,
      segment: r.segment === null ? null : (JSON.parse(r.segment) as Record<string, string>),
    });
    if (r.label !== null && typeof prediction !== 'number') {
      labelled++;
      if (String(JSON.parse(r.label) as Outcome) === String(prediction)) correct++;
    }
  }
  return {
    sample: {
      n: rows.length,
      errors,
      latencies: Float64Array.from(latencies),
      labelled,
      correct,
      predictions,
    },
    byId,
  };
}

/** Pairs the champion's records with the candidate's mirrored ones by record id. */
export function shadowPairs(champion: LoadedVariant, candidate: LoadedVariant): ShadowPair[] {
  const pairs: ShadowPair[] = [];
  for (const [recordId, c] of candidate.byId) {
    const k = champion.byId.get(recordId);
    if (k)
      pairs.push({
        recordId,
        champion: k.prediction,
        candidate: c.prediction,
        segment: k.segment ?? c.segment,
      });
  }
  return pairs.sort((a, b) => (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0));
}

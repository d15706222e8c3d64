import type { Executor } from '../db/database.js';
import type { CustomMetric, VariantSample } from './rollout-analysis.rules.js';
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
  custom: readonly CustomMetric[] = [],
): Promise<LoadedVariant> {
  const rows = await db
    .selectFrom('inference_records')
    .select([
      'record_id',
      'prediction',
      'label',
      'latency_ms',
      'error',
      'segment',
      'score',
      'signals',
      'feedback',
    ])
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
  const customValues = custom.map(() => [] as number[]);
  for (const r of rows) {
    if (custom.length > 0) {
      const signals = r.signals === null ? null : (JSON.parse(r.signals) as Record<string, boolean | string>);
      const rating =
        r.feedback === null ? null : (JSON.parse(r.feedback) as { rating?: 'up' | 'down' }).rating;
      custom.forEach((m, i) => {
        const v = customValue(m.signal, {
          score: r.score === null ? null : Number(r.score),
          latencyMs: r.latency_ms === null ? null : Number(r.latency_ms),
          signals,
          rating: rating ?? null,
        });
        if (v !== null) customValues[i]!.push(v);
      });
    }
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
      ...(custom.length > 0
        ? { custom: Object.fromEntries(custom.map((m, i) => [m.name, Float64Array.from(customValues[i]!)])) }
        : {}),
    },
    byId,
  };
}

/**
 * One record's value for a custom metric's source, or null when the record does not carry it:
 * a number for `score` and `latencyMs`; for `signals.<name>`, 1 when the signal is true or a
 * non-empty string and 0 otherwise (every record counts: one without the signal is not flagged);
 * for `feedback.down`, 1 for a thumbs-down and 0 for a thumbs-up among records with feedback.
 */
export function customValue(
  source: string,
  r: {
    score: number | null;
    latencyMs: number | null;
    signals: Record<string, boolean | string> | null;
    rating: 'up' | 'down' | null;
  },
): number | null {
  if (source === 'score') return r.score;
  if (source === 'latencyMs') return r.latencyMs;
  if (source === 'feedback.down') return r.rating === null ? null : r.rating === 'down' ? 1 : 0;
  const name = source.slice('signals.'.length);
  const v = r.signals?.[name];
  return v === true || (typeof v === 'string' && v !== '') ? 1 : 0;
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

import type { Executor } from '../db/database.js';
import type { AttributionProfile } from './attribution-profile.js';
import { decodeAttributions } from './attribution.validate.js';

/** A newly stored record, as the pair search sees it. */
export interface PairCandidate {
  id: string;
  inputSha256: string;
  score: number | null;
  values: Readonly<Record<string, number>>;
  probeOf?: string | undefined;
}

/** Rows read per batch when looking for earlier records with the same input. */
const MAX_PARTNER_ROWS = 20_000;

/**
 * Folds the close pairs a batch completes into the explanation quality sums, inside the ingesting
 * transaction (the batch's own rows are already written): each probe with the record it perturbs,
 * and each record whose input repeats an earlier attributed record's with that earliest record.
 * `profilesOf` gives the window profiles (whole and segments) of a new record.
 */
export async function foldAttributionPairs(
  trx: Executor,
  versionId: string,
  records: readonly PairCandidate[],
  profilesOf: (recordId: string) => AttributionProfile[],
): Promise<number> {
  if (records.length === 0) return 0;
  const probes = records.filter((r) => r.probeOf !== undefined);
  const bases = new Map<string, { score: number | null; values: Record<string, number> }>();
  if (probes.length > 0) {
    const rows = await trx
      .selectFrom('inference_records')
      .select(['record_id', 'score', 'attributions'])
      .where('version_id', '=', versionId)
      .where(
        'record_id',
        'in',
        probes.map((p) => p.probeOf!),
      )
      .where('attributions', 'is not', null)
      .execute();
    for (const r of rows)
      bases.set(r.record_id, { score: r.score, values: decodeAttributions(r.attributions)!.values });
  }
  const ordinary = records.filter((r) => r.probeOf === undefined);
  const earliest = new Map<string, { id: string; score: number | null; values: Record<string, number> }>();
  if (ordinary.length > 0) {
    const rows = await trx
      .selectFrom('inference_records')
      .select(['record_id', 'input_sha256', 'score', 'attributions'])
      .where('version_id', '=', versionId)
      .where('input_sha256', 'in', [...new Set(ordinary.map((r) => r.inputSha256))])
      .where('attributions', 'is not', null)
      .where('probe_of', 'is', null)
      .orderBy('ts')
      .orderBy('record_id')
      .limit(MAX_PARTNER_ROWS)
      .execute();
    for (const r of rows)
      if (!earliest.has(r.input_sha256))
        earliest.set(r.input_sha256, {
          id: r.record_id,
          score: r.score,
          values: decodeAttributions(r.attributions)!.values,
        });
  }
  let pairs = 0;
  for (const record of records) {
    const probe = record.probeOf !== undefined;
    const first = probe ? undefined : earliest.get(record.inputSha256);
    const partner = probe ? bases.get(record.probeOf!) : first;
    if (!partner || first?.id === record.id) continue;
    for (const profile of profilesOf(record.id)) profile.addPair(partner, record, probe);
    pairs++;
  }
  return pairs;
}

import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { InferenceRecordTable } from '../monitoring/monitoring.table.js';

/** A stored inference record with its model and version. */
export type DecisionRow = Selectable<InferenceRecordTable> & {
  model_id: string;
  model_name: string;
  model_owner: string;
  version: string;
  champion_version_id: string | null;
};

const MAX_MATCHES = 50;

function decisions(db: Executor) {
  return db
    .selectFrom('inference_records')
    .innerJoin('model_versions', 'model_versions.id', 'inference_records.version_id')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .selectAll('inference_records')
    .select([
      'models.id as model_id',
      'models.name as model_name',
      'models.owner as model_owner',
      'models.champion_version_id as champion_version_id',
      'model_versions.version as version',
    ]);
}

/** Records with this id, optionally within one model (and version); at most a few dozen. */
export async function findDecisionsById(
  db: Executor,
  recordId: string,
  scope: { model?: string | undefined; version?: string | undefined },
): Promise<DecisionRow[]> {
  let q = decisions(db).where('inference_records.record_id', '=', recordId);
  if (scope.model !== undefined) q = q.where('models.name', '=', scope.model);
  if (scope.version !== undefined) q = q.where('model_versions.version', '=', scope.version);
  return await q.orderBy('model_versions.id').limit(MAX_MATCHES).execute();
}

/** Records of one model whose input hash is `sha256`, newest first. */
export async function findDecisionsByInput(
  db: Executor,
  model: string,
  sha256: string,
  version: string | undefined,
): Promise<DecisionRow[]> {
  let q = decisions(db).where('models.name', '=', model).where('inference_records.input_sha256', '=', sha256);
  if (version !== undefined) q = q.where('model_versions.version', '=', version);
  return await q.orderBy('inference_records.ts', 'desc').limit(MAX_MATCHES).execute();
}

/** The rollout of the model that was running at `at`, if any: its candidate and champion version ids. */
export async function findRolloutAt(
  db: Executor,
  modelId: string,
  at: string,
): Promise<{ candidate: string; champion: string } | undefined> {
  const row = await db
    .selectFrom('rollouts')
    .select(['candidate_version_id', 'champion_version_id'])
    .where('model_id', '=', modelId)
    .where('created_at', '<=', at)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', at)]))
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { candidate: row.candidate_version_id, champion: row.champion_version_id } : undefined;
}

export async function countDisputes(db: Executor, versionId: string, recordId: string): Promise<number> {
  const row = await db
    .selectFrom('decision_disputes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('version_id', '=', versionId)
    .where('record_id', '=', recordId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

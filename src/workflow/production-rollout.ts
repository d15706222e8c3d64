import type { Executor } from '../db/database.js';
import { getActivePolicy, rolloutPolicy } from '../policy/index.js';
import type { ChangeRequestRow } from './change-request.repository.js';

/**
 * Whether an approved change request must wait for a rollout instead of executing at once: a
 * promotion to production of a model that already has another champion, where the tier's policy
 * says `productionChange: rollout` (the default). The rollout's success executes it.
 */
export async function awaitsRollout(trx: Executor, row: ChangeRequestRow): Promise<boolean> {
  if (row.kind !== 'transition' || row.to_stage !== 'production' || row.model_id === null) return false;
  const model = await trx
    .selectFrom('models')
    .select(['champion_version_id', 'risk_tier'])
    .where('id', '=', row.model_id)
    .executeTakeFirst();
  if (!model?.champion_version_id || model.champion_version_id === row.version_id) return false;
  const policy = await getActivePolicy(trx);
  return (
    (rolloutPolicy(policy.document, Number(model.risk_tier)).productionChange ?? 'rollout') === 'rollout'
  );
}

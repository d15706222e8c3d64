import type { AppContext } from '../http/context.js';
import type { VersionCreatedReaction } from '../registry/version-reaction.types.js';
import { insertNextMlflowVersion, lastMlflowNumber } from './mlflow.repository.js';

/**
 * Gives every newly registered version its MLflow number, whichever API registered it: the
 * model's next number (never reused), mapped onto the Warden version in `mlflow_versions`. A
 * version registered through /api/v1 keeps an empty source (its artifact is Warden's) and its
 * lineage's training run as `run_id`; MLflow's create call fills in its own source afterwards.
 * Runs in the registering transaction, so the number is part of what `version.created` records
 * (numbers follow registration order; MLflow's own registrations audit theirs with the source); two registrations of one model serialise on its row
 * (FOR NO KEY UPDATE: the version row just inserted already holds a key-share lock on it, which
 * FOR UPDATE would wait for in a concurrent registration, a deadlock).
 */
export const mlflowVersionNumbering: VersionCreatedReaction<AppContext> = {
  name: 'mlflow-version-numbers',
  async onCreated(trx, ctx, version) {
    const unnumbered = {
      version_id: version.id,
      model_id: version.modelId,
      source: '',
      run_id: version.trainingRunId,
      description: version.description,
      created_at: version.createdAt,
    };
    if (ctx.store.capabilities.rowLocks) {
      await trx
        .selectFrom('models')
        .select('id')
        .where('id', '=', version.modelId)
        .forNoKeyUpdate()
        .execute();
      // The model's row stays locked until commit: number, store and move the last number at once.
      await insertNextMlflowVersion(trx, unnumbered);
      return;
    }
    const number = (await lastMlflowNumber(trx, version.modelId)) + 1;
    await trx
      .insertInto('mlflow_versions')
      .values({
        ...unnumbered,
        number,
        run_link: null,
        updated_at: version.createdAt,
        deleted_at: null,
        deleted_by: null,
      })
      .execute();
    await trx
      .updateTable('mlflow_models')
      .set({ last_version: number })
      .where('model_id', '=', version.modelId)
      .execute();
  },
};

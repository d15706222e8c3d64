import type { Kysely } from 'kysely';

/**
 * Indexes for lookups that read a model's rows: a model's versions in id order (the version list
 * and its page cursor, without sorting them), its retirements, and its validation runs (evidence
 * export).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('model_versions_model_id_idx')
    .on('model_versions')
    .columns(['model_id', 'id'])
    .execute();
  await db.schema
    .createIndex('version_retirements_model_idx')
    .on('version_retirements')
    .column('model_id')
    .execute();
  await db.schema
    .createIndex('validation_runs_model_idx')
    .on('validation_runs')
    .columns(['model_id', 'id'])
    .execute();
}

import type { Kysely } from 'kysely';

/**
 * Computed version bumps, artifact re-checks, legal holds, feature removal after the deprecation
 * grace period, and the rounds of cluster-wide periodic tasks (retention, integrity re-hash).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('model_versions').addColumn('output_schema', 'text').execute();
  await db.schema.alterTable('model_versions').addColumn('bump_base', 'text').execute();
  await db.schema.alterTable('model_versions').addColumn('declared_bump', 'text').execute();
  await db.schema.alterTable('model_versions').addColumn('required_bump', 'text').execute();
  await db.schema.alterTable('model_versions').addColumn('bump_reasons', 'text').execute();
  await db.schema.alterTable('model_versions').addColumn('integrity_checked_at', 'text').execute();
  // Null while the bytes matched at the last check; the time the mismatch was first seen otherwise.
  await db.schema.alterTable('model_versions').addColumn('integrity_failed_at', 'text').execute();

  await db.schema.alterTable('models').addColumn('legal_hold_reason', 'text').execute();
  await db.schema.alterTable('models').addColumn('legal_hold_at', 'text').execute();
  await db.schema.alterTable('models').addColumn('legal_hold_by', 'text').execute();

  await db.schema.alterTable('features').addColumn('grace_ends_at', 'text').execute();
  await db.schema.alterTable('features').addColumn('removed_at', 'text').execute();
  await db.schema.alterTable('features').addColumn('removed_by', 'text').execute();

  await db.schema
    .createTable('task_rounds')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_run_at', 'text')
    .execute();
  await db.schema
    .createIndex('monitoring_pending_received_idx')
    .on('monitoring_pending')
    .column('received_at')
    .execute();
}

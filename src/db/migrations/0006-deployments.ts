import type { Kysely } from 'kysely';

/** Deployments (which version runs where), and the retirement's note that its archive is held. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // 1 while active, null once ended: the unique constraint allows one active row per place.
    .addColumn('active', 'integer')
    .addColumn('traffic_percent', 'double precision', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('pii_findings', 'text', (c) => c.notNull())
    .addColumn('deployed_by', 'text', (c) => c.notNull())
    .addColumn('deployed_at', 'text', (c) => c.notNull())
    .addColumn('ended_by', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('end_reason', 'text')
    .addUniqueConstraint('deployments_active_uq', ['model_id', 'environment', 'target', 'active'])
    .execute();
  await db.schema
    .createIndex('deployments_model_idx')
    .on('deployments')
    .columns(['model_id', 'id'])
    .execute();
  await db.schema
    .createIndex('deployments_version_idx')
    .on('deployments')
    .columns(['version_id', 'status'])
    .execute();

  await db.schema.alterTable('version_retirements').addColumn('archive_held_at', 'text').execute();
}

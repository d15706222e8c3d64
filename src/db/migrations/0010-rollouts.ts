import type { Kysely } from 'kysely';

/** Rollouts: a candidate's staged exposure against its model's champion, with live analysis. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rollouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // 1 while pending, progressing or paused, null once ended: one active rollout per model.
    .addColumn('active', 'integer')
    .addColumn('candidate_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('candidate_version', 'text', (c) => c.notNull())
    .addColumn('champion_version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('champion_version', 'text', (c) => c.notNull())
    .addColumn('change_request_id', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('candidate_weight', 'double precision', (c) => c.notNull())
    .addColumn('step_started_at', 'text', (c) => c.notNull())
    .addColumn('next_analysis_at', 'text', (c) => c.notNull())
    .addColumn('analysis', 'text', (c) => c.notNull())
    .addColumn('shadow', 'text')
    .addColumn('result', 'text')
    .addColumn('reason', 'text')
    .addColumn('waiting_notified_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addUniqueConstraint('rollouts_active_uq', ['model_id', 'active'])
    .execute();
  await db.schema
    .createIndex('rollouts_status_idx')
    .on('rollouts')
    .columns(['status', 'next_analysis_at'])
    .execute();
  await db.schema
    .createIndex('rollouts_model_idx')
    .on('rollouts')
    .columns(['model_id', 'created_at'])
    .execute();
}

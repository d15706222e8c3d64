import type { Kysely } from 'kysely';

/** Production monitoring: reference baselines, inference records, window profiles, results and the schedule. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('monitoring_configs')
    .addColumn('model_id', 'text', (c) => c.primaryKey().references('models.id'))
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('monitoring_references')
    .addColumn('version_id', 'text', (c) => c.primaryKey().references('model_versions.id'))
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addColumn('stored_rows', 'bigint', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('batch_digests', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('monitoring_reference_rows')
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('record', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitoring_reference_rows_pk', ['version_id', 'seq'])
    .execute();

  await db.schema
    .createTable('inference_records')
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('input_sha256', 'text', (c) => c.notNull())
    .addColumn('features', 'text')
    .addColumn('prediction', 'text')
    .addColumn('score', 'double precision')
    .addColumn('segment', 'text')
    .addColumn('latency_ms', 'double precision')
    .addColumn('error', 'integer', (c) => c.notNull())
    .addColumn('signals', 'text')
    .addColumn('label', 'text')
    .addColumn('labelled_at', 'text')
    .addColumn('feedback', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('inference_records_pk', ['version_id', 'record_id'])
    .execute();
  await db.schema.createIndex('inference_records_ts_idx').on('inference_records').column('ts').execute();

  await db.schema
    .createTable('monitoring_pending')
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitoring_pending_pk', ['version_id', 'record_id', 'kind'])
    .execute();

  await db.schema
    .createTable('monitoring_windows')
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitoring_windows_pk', ['version_id', 'window_start', 'segment'])
    .execute();

  await db.schema
    .createTable('monitoring_results')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('feature', 'text', (c) => c.notNull())
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('window_from', 'text', (c) => c.notNull())
    .addColumn('window_to', 'text', (c) => c.notNull())
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('threshold', 'double precision')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('policy_rule', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('evaluated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('monitoring_results_model_idx')
    .on('monitoring_results')
    .columns(['model_id', 'evaluated_at', 'id'])
    .execute();
  await db.schema
    .createIndex('monitoring_results_series_idx')
    .on('monitoring_results')
    .columns(['model_id', 'rule', 'feature', 'segment', 'evaluated_at'])
    .execute();

  await db.schema
    .createTable('monitoring_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('scheduled_for', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('runner', 'text', (c) => c.notNull())
    .addColumn('checks', 'integer', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .execute();
  // A scheduled slot can only ever be recorded once, whatever the number of servers.
  await db.schema
    .createIndex('monitoring_runs_slot_uq')
    .on('monitoring_runs')
    .columns(['model_id', 'family', 'scheduled_for', 'trigger'])
    .unique()
    .execute();

  await db.schema
    .createTable('monitor_schedule')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('interval_minutes', 'integer', (c) => c.notNull())
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_run_at', 'text')
    .addUniqueConstraint('monitor_schedule_model_family_uq', ['model_id', 'family'])
    .execute();
  await db.schema
    .createIndex('monitor_schedule_due_idx')
    .on('monitor_schedule')
    .column('next_run_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'monitor_schedule',
    'monitoring_runs',
    'monitoring_results',
    'monitoring_windows',
    'monitoring_pending',
    'inference_records',
    'monitoring_reference_rows',
    'monitoring_references',
    'monitoring_configs',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

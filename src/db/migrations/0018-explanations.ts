import type { Kysely } from 'kysely';

/**
 * Explanations and decision rights: attributions stored with each inference record (and the
 * record a perturbation probe perturbs), lookups of a decision by record id or input hash, each
 * version's adverse outcome and reason codes (with their history), disputes and opt-outs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('inference_records').addColumn('attributions', 'text').execute();
  await db.schema.alterTable('inference_records').addColumn('probe_of', 'text').execute();
  await db.schema
    .createIndex('inference_records_record_idx')
    .on('inference_records')
    .column('record_id')
    .execute();
  await db.schema
    .createIndex('inference_records_input_idx')
    .on('inference_records')
    .columns(['version_id', 'input_sha256'])
    .execute();

  await db.schema
    .createTable('explanation_settings')
    .addColumn('version_id', 'text', (c) => c.primaryKey().references('model_versions.id'))
    .addColumn('adverse_outcome', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('reason_code_revisions')
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('codes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reason_code_revisions_pk', ['version_id', 'revision'])
    .execute();

  await db.schema
    .createTable('decision_disputes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('pii_findings', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assignee', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    // Set once, by the one server whose conditional update raised the overdue alert.
    .addColumn('overdue_at', 'text')
    .execute();
  await db.schema
    .createIndex('decision_disputes_open_idx')
    .on('decision_disputes')
    .columns(['status', 'due_at'])
    .execute();
  await db.schema
    .createIndex('decision_disputes_record_idx')
    .on('decision_disputes')
    .columns(['version_id', 'record_id'])
    .execute();

  await db.schema
    .createTable('decision_opt_outs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject_sha256', 'text', (c) => c.notNull())
    // '' when the subject opts out of every model's automated decisions.
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('decision_opt_outs_subject_uq')
    .on('decision_opt_outs')
    .columns(['subject_sha256', 'model_name'])
    .unique()
    .execute();
}

import type { Kysely } from 'kysely';

/**
 * Governance documents: the human-written sections of model cards (with their history) and the
 * review reminders, stored periodic and post-implementation reports, and the annual audit
 * program with its findings.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_card_sections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('section', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('written_by', 'text', (c) => c.notNull())
    .addColumn('written_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('model_card_sections_rev_uq', ['version_id', 'section', 'revision'])
    .execute();

  await db.schema
    .createTable('model_card_reminders')
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('raised_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_card_reminders_pk', ['version_id', 'due_at'])
    .execute();

  await db.schema
    .createTable('governance_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('version', 'text')
    .addColumn('deployment_id', 'text')
    .addColumn('period_from', 'text', (c) => c.notNull())
    .addColumn('period_to', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    // Set only on scheduled reports: one per model, kind and period across servers.
    .addColumn('schedule_key', 'text', (c) => c.unique())
    .addColumn('audit_seq', 'integer', (c) => c.notNull())
    .addColumn('audit_hash', 'text', (c) => c.notNull())
    .addColumn('content_sha256', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('generated_at', 'text', (c) => c.notNull())
    .addColumn('generated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('governance_reports_model_idx')
    .on('governance_reports')
    .columns(['model_id', 'id'])
    .execute();

  await db.schema
    .createTable('audit_programs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('seed', 'text', (c) => c.notNull())
    .addColumn('tier2_sample_pct', 'double precision', (c) => c.notNull())
    .addColumn('selection', 'text', (c) => c.notNull())
    .addColumn('decision_samples', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('program_id', 'text', (c) => c.notNull().references('audit_programs.id'))
    .addColumn('area', 'text', (c) => c.notNull())
    .addColumn('model_name', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('response', 'text')
    .addColumn('responded_by', 'text')
    .addColumn('responded_at', 'text')
    .addColumn('closed_by', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('closing_note', 'text')
    .addColumn('overdue_notified_at', 'text')
    .execute();
  await db.schema
    .createIndex('audit_findings_program_idx')
    .on('audit_findings')
    .columns(['program_id', 'id'])
    .execute();
}

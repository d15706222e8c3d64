import type { Kysely } from 'kysely';

/**
 * Explanation evidence of a version for the validation gate (an uploaded explanation report with
 * global importance and quality scores, counterfactual examples), each upload kept; and the change
 * request that approved a reason-code revision of a version in production.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('explanation_evidence')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('version_id', 'text', (c) => c.notNull().references('model_versions.id'))
    // 'report' or 'counterfactuals'.
    .addColumn('kind', 'text', (c) => c.notNull())
    // 1, 2, … per version and kind: the highest is in force.
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('explanation_evidence_revision_uq')
    .on('explanation_evidence')
    .columns(['version_id', 'kind', 'revision'])
    .unique()
    .execute();
  await db.schema.alterTable('reason_code_revisions').addColumn('change_request_id', 'text').execute();
}

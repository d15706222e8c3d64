import type { Kysely } from 'kysely';

/**
 * The MLflow-compatible registry: the MLflow name of a model, MLflow's integer version numbers
 * mapped onto Warden versions, aliases (with the change request a protected one waits for), and
 * the paths of the `mlflow-artifacts:` proxy mapped onto content-addressed blobs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mlflow_models')
    .addColumn('model_id', 'text', (c) => c.primaryKey().references('models.id'))
    // Null once deleted through MLflow, which frees the name for a new model.
    .addColumn('name', 'text', (c) => c.unique())
    .addColumn('last_version', 'integer', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .addColumn('deleted_by', 'text')
    .execute();

  await db.schema
    .createTable('mlflow_versions')
    .addColumn('version_id', 'text', (c) => c.primaryKey().references('model_versions.id'))
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('run_link', 'text')
    .addColumn('description', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .addColumn('deleted_by', 'text')
    .addUniqueConstraint('mlflow_versions_number_uq', ['model_id', 'number'])
    .execute();

  await db.schema
    .createTable('mlflow_aliases')
    .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text')
    .addColumn('pending_version_id', 'text')
    .addColumn('change_request_id', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mlflow_aliases_pk', ['model_id', 'alias'])
    .execute();
  await db.schema
    .createIndex('mlflow_aliases_request_idx')
    .on('mlflow_aliases')
    .column('change_request_id')
    .execute();

  await db.schema
    .createTable('mlflow_artifacts')
    .addColumn('path', 'text', (c) => c.primaryKey())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
}

import type { Kysely } from 'kysely';

interface Rows {
  model_versions: {
    id: string;
    model_id: string;
    description: string | null;
    lineage: string;
    created_at: string;
  };
  mlflow_versions: {
    version_id: string;
    model_id: string;
    number: number;
    source: string;
    run_id: string | null;
    run_link: string | null;
    description: string | null;
    created_at: string;
    updated_at: string;
    deleted_at: string | null;
    deleted_by: string | null;
  };
  mlflow_models: { model_id: string; last_version: number };
}

/**
 * Every version gets an MLflow number, whichever API registered it: versions registered through
 * /api/v1 before numbering happened at registration are numbered now, per model in the order they
 * were registered, after the numbers MLflow already gave out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const k = db as unknown as Kysely<Rows>;
  const unmapped = await k
    .selectFrom('model_versions')
    .leftJoin('mlflow_versions', 'mlflow_versions.version_id', 'model_versions.id')
    .select([
      'model_versions.id',
      'model_versions.model_id',
      'model_versions.description',
      'model_versions.lineage',
      'model_versions.created_at',
    ])
    .where('mlflow_versions.version_id', 'is', null)
    .orderBy('model_versions.model_id')
    .orderBy('model_versions.created_at')
    .orderBy('model_versions.id')
    .execute();
  const next = new Map<string, number>();
  for (const v of unmapped) {
    let number = next.get(v.model_id);
    if (number === undefined) {
      const mapped = await k
        .selectFrom('mlflow_models')
        .select('last_version')
        .where('model_id', '=', v.model_id)
        .executeTakeFirst();
      const highest = await k
        .selectFrom('mlflow_versions')
        .select((eb) => eb.fn.max('number').as('n'))
        .where('model_id', '=', v.model_id)
        .executeTakeFirst();
      number = Math.max(Number(mapped?.last_version ?? 0), Number(highest?.n ?? 0));
    }
    number += 1;
    next.set(v.model_id, number);
    const lineage = JSON.parse(v.lineage) as { trainingRunId?: unknown };
    await k
      .insertInto('mlflow_versions')
      .values({
        version_id: v.id,
        model_id: v.model_id,
        number,
        source: '',
        run_id: typeof lineage.trainingRunId === 'string' ? lineage.trainingRunId : null,
        run_link: null,
        description: v.description,
        created_at: v.created_at,
        updated_at: v.created_at,
        deleted_at: null,
        deleted_by: null,
      })
      .execute();
  }
  for (const [modelId, last] of next)
    await k
      .updateTable('mlflow_models')
      .set({ last_version: last })
      .where('model_id', '=', modelId)
      .execute();
}

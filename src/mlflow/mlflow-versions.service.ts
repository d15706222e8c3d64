import semver from 'semver';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { scanFields } from '../pii/index.js';
import { getActivePolicy, protectedAliases } from '../policy/index.js';
import {
  checkPii,
  insertNewVersion,
  requireVersion,
  setVersionTags,
  type Actor,
} from '../registry/registry.service.js';
import { requiredBump, type BumpSubject } from '../registry/version-bump.js';
import type { Stage } from '../registry/version.schema.js';
import { openTransition } from '../workflow/index.js';
import { doesNotExist, invalidParameter, permissionDenied } from './mlflow.errors.js';
import { checkTag, requireMlflowModel, versionViews } from './mlflow-models.service.js';
import {
  ensureModelMapping,
  findModelVersion,
  findVersionById,
  type MlflowModelRecord,
  type MlflowVersionRecord,
} from './mlflow.repository.js';
import { sourceProblem } from './mlflow-source.js';
import { mlflowStageOf, type MlflowStage } from './mlflow.view.js';

export async function requireMlflowVersion(
  db: Executor,
  name: string,
  number: number,
): Promise<{ model: MlflowModelRecord; version: MlflowVersionRecord }> {
  const model = await requireMlflowModel(db, name);
  const version = await findModelVersion(db, model.id, number);
  if (!version) throw doesNotExist(`Model Version (name=${name}, version=${number}) not found`);
  return { model, version };
}

export async function versionView(
  db: Executor,
  version: MlflowVersionRecord,
): Promise<Record<string, unknown>> {
  return (await versionViews(db, [version]))[0]!;
}

/** What the bump rule compares for a version registered through MLflow (no schema or framework is known). */
function mlflowSubject(version: string, runId: string | undefined): BumpSubject {
  return {
    version,
    framework: null,
    inputSchema: [],
    outputSchema: null,
    features: [],
    lineage: { datasets: [], ...(runId !== undefined ? { trainingRunId: runId } : {}) },
  };
}

/**
 * The Warden version a new MLflow version gets: 1.0.0 for a model's first, else its highest
 * version bumped by what the bump rule requires over it.
 */
async function nextSemver(
  db: Executor,
  model: MlflowModelRecord,
  runId: string | undefined,
): Promise<string> {
  const rows = await db
    .selectFrom('model_versions')
    .select('version')
    .where('model_id', '=', model.id)
    .execute();
  const highest = rows.map((r) => r.version).sort(semver.rcompare)[0];
  if (highest === undefined) return '1.0.0';
  const previous = await requireVersion(db, model.wardenName, highest);
  const level = requiredBump(previous, mlflowSubject('0.0.0', runId)).level;
  return semver.inc(highest, level.toLowerCase() as 'major' | 'minor' | 'patch')!;
}

/**
 * Registers a version: the next MLflow number (never reused, given by the registry's version
 * reaction) mapped onto a new Warden version in development whose semantic version follows the bump rules; audited `version.created` like
 * POST /api/v1/models/{name}/versions. The source is kept as given once its scheme and path pass.
 */
export async function createModelVersion(
  ctx: AppContext,
  actor: Actor,
  input: {
    name: string;
    source: string;
    runId?: string | undefined;
    runLink?: string | undefined;
    description?: string | undefined;
    tags: Array<{ key: string; value: string }>;
  },
): Promise<Record<string, unknown>> {
  const problem = sourceProblem(input.source);
  if (problem) throw invalidParameter(`Invalid value for parameter 'source': ${problem}`);
  for (const t of input.tags) checkTag(t.key, t.value, 'version');
  const findings = await checkPii(ctx, scanFields({ description: input.description }));
  return ctx.db.transaction().execute(async (trx) => {
    const model = await requireMlflowModel(trx, input.name);
    // Two registrations of one model serialise on its row (SQLite write transactions already do).
    if (ctx.store.capabilities.rowLocks)
      await trx.selectFrom('models').select('id').where('id', '=', model.id).forUpdate().execute();
    await ensureModelMapping(trx, model);
    const version = await nextSemver(trx, model, input.runId);
    // Registering the version numbers it (mlflowVersionNumbering); MLflow's fields are set here.
    const created = await insertNewVersion(
      trx,
      ctx,
      actor,
      model.wardenName,
      {
        version,
        ...(input.description !== undefined ? { description: input.description } : {}),
        lineage: { datasets: [], ...(input.runId !== undefined ? { trainingRunId: input.runId } : {}) },
        tags: Object.fromEntries(input.tags.map((t) => [t.key, t.value])),
      },
      findings,
    );
    await trx
      .updateTable('mlflow_versions')
      .set({
        source: input.source,
        run_id: input.runId ?? null,
        run_link: input.runLink ?? null,
        description: input.description ?? null,
      })
      .where('version_id', '=', created.id)
      .execute();
    const mapped = (await findVersionById(trx, created.id))!;
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'mlflow.version_source_set',
      subject: `model:${model.wardenName}@${version}`,
      requestId: actor.requestId,
      change: {
        mlflowName: input.name,
        mlflowVersion: mapped.number,
        source: input.source,
        runId: input.runId ?? null,
        runLink: input.runLink ?? null,
      },
    });
    return versionView(trx, mapped);
  });
}

/** Changes the MLflow description of a version (the Warden version itself is immutable). */
export async function updateModelVersion(
  ctx: AppContext,
  actor: Actor,
  name: string,
  number: number,
  description: string | undefined,
): Promise<Record<string, unknown>> {
  const findings = await checkPii(ctx, scanFields({ description }));
  return ctx.db.transaction().execute(async (trx) => {
    const { model, version } = await requireMlflowVersion(trx, name, number);
    await trx
      .updateTable('mlflow_versions')
      .set({ description: description ?? null, updated_at: ctx.now().toISOString() })
      .where('version_id', '=', version.versionId)
      .execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'mlflow.version_updated',
      subject: `model:${model.wardenName}@${version.semver}`,
      requestId: actor.requestId,
      change: { before: version.description, after: description ?? null, piiFindings: findings },
    });
    return versionView(trx, (await findVersionById(trx, version.versionId))!);
  });
}

/**
 * The Warden stage an MLflow stage move asks for, from where the version is: Staging → staging,
 * Production → production, Archived → deprecated (from production), archived (from deprecated)
 * or rejected (before production), None → development.
 */
export function wardenTarget(current: string, to: MlflowStage): Stage {
  switch (to) {
    case 'Staging':
      return 'staging';
    case 'Production':
      return 'production';
    case 'None':
      return 'development';
    case 'Archived':
      return current === 'production' ? 'deprecated' : current === 'deprecated' ? 'archived' : 'rejected';
  }
}

/**
 * Opens a Warden change request for an MLflow stage move instead of moving the version; the policy
 * decides whether it executes at once or waits for approvals. Answers the version as it stands,
 * tagged with the request (`warden.change_request`, `warden.status`).
 */
export async function transitionModelVersionStage(
  ctx: AppContext,
  actor: Actor,
  name: string,
  number: number,
  stage: MlflowStage,
): Promise<Record<string, unknown>> {
  const { model, version } = await requireMlflowVersion(ctx.db, name, number);
  if (mlflowStageOf(version.stage) !== stage) {
    await openTransition(ctx, actor, model.wardenName, version.semver, {
      to: wardenTarget(version.stage, stage),
      reason: `MLflow transition of ${name} version ${number} to ${stage}`,
      evidence: [],
    });
  }
  return versionView(ctx.db, (await findVersionById(ctx.db, version.versionId))!);
}

/**
 * Deletes a version from MLflow's view; Warden keeps the version and its trail. Refused while it is
 * in production or its model is under legal hold.
 */
export async function deleteModelVersion(
  ctx: AppContext,
  actor: Actor,
  name: string,
  number: number,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { model, version } = await requireMlflowVersion(trx, name, number);
    if (model.legalHold)
      throw permissionDenied(
        `Model Version (name=${name}, version=${number}) cannot be deleted: the model is under legal hold since ${model.legalHold.at} (${model.legalHold.reason})`,
      );
    if (version.stage === 'production')
      throw permissionDenied(
        `Model Version (name=${name}, version=${number}) cannot be deleted: it is in production (Warden ${version.semver}); retire it through a change request first`,
      );
    const at = ctx.now().toISOString();
    await trx
      .updateTable('mlflow_versions')
      .set({ deleted_at: at, deleted_by: actor.principal.name, updated_at: at })
      .where('version_id', '=', version.versionId)
      .execute();
    await trx.deleteFrom('mlflow_aliases').where('version_id', '=', version.versionId).execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'mlflow.version_deleted',
      subject: `model:${model.wardenName}@${version.semver}`,
      requestId: actor.requestId,
      change: { mlflowName: name, mlflowVersion: number },
    });
  });
}

/** Sets or deletes one version tag through the version's tag patch (audited `version.tags_set`). */
export async function changeModelVersionTag(
  ctx: AppContext,
  actor: Actor,
  name: string,
  number: number,
  key: string,
  value: string | null,
): Promise<void> {
  const { model, version } = await requireMlflowVersion(ctx.db, name, number);
  const tags = { ...version.tags };
  if (value === null) {
    if (!(key in tags))
      throw doesNotExist(`No tag with name: ${key} in Model Version (name=${name}, version=${number})`);
    delete tags[key];
  } else {
    checkTag(key, value, 'version');
    tags[key] = value;
  }
  await setVersionTags(ctx, actor, model.wardenName, version.semver, tags);
}

/** MLflow's alias rules: 1–255 letters, digits, `_` or `-`; not `latest`, not `v<digits>`. */
function checkAlias(alias: string): void {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(alias))
    throw invalidParameter(`Invalid alias "${alias}": use 1–255 letters, digits, _ or -`);
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias))
    throw invalidParameter(`Invalid alias "${alias}": "latest" and v<number> are reserved by MLflow`);
}

/**
 * Points an alias at a version. A protected alias (the policy's `protectedAliases`) names the
 * production version: unless the version is already in production, this opens a change request to
 * production and the alias moves when that request executes.
 */
export async function setRegisteredModelAlias(
  ctx: AppContext,
  actor: Actor,
  name: string,
  alias: string,
  number: number,
): Promise<void> {
  checkAlias(alias);
  const { model, version } = await requireMlflowVersion(ctx.db, name, number);
  const policy = await getActivePolicy(ctx.db);
  const governed = protectedAliases(policy.document).some((a) => a.toLowerCase() === alias.toLowerCase());
  if (governed && version.stage !== 'production') {
    const request = await openTransition(ctx, actor, model.wardenName, version.semver, {
      to: 'production',
      reason: `MLflow alias "${alias}" of ${name} set to version ${number}`,
      evidence: [],
    });
    await ctx.db.transaction().execute(async (trx) => {
      const after = await trx
        .selectFrom('change_requests')
        .select('status')
        .where('id', '=', request.id)
        .executeTakeFirstOrThrow();
      // A request the policy let through at once has already moved the version.
      const moved = after.status === 'executed';
      await upsertAlias(trx, ctx, model.id, alias, {
        version_id: moved ? version.versionId : null,
        pending_version_id: moved ? null : version.versionId,
        change_request_id: request.id,
      });
      await ctx.audit.append(trx, {
        actor: actor.principal.name,
        action: moved ? 'mlflow.alias_set' : 'mlflow.alias_requested',
        subject: `model:${model.wardenName}`,
        requestId: actor.requestId,
        change: { alias, mlflowVersion: number, version: version.semver, changeRequestId: request.id },
      });
    });
    return;
  }
  await ctx.db.transaction().execute(async (trx) => {
    await upsertAlias(trx, ctx, model.id, alias, {
      version_id: version.versionId,
      pending_version_id: null,
      change_request_id: null,
    });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'mlflow.alias_set',
      subject: `model:${model.wardenName}`,
      requestId: actor.requestId,
      change: { alias, mlflowVersion: number, version: version.semver },
    });
  });
}

async function upsertAlias(
  trx: Executor,
  ctx: AppContext,
  modelId: string,
  alias: string,
  target: { version_id: string | null; pending_version_id: string | null; change_request_id: string | null },
): Promise<void> {
  const updated_at = ctx.now().toISOString();
  const existing = await trx
    .selectFrom('mlflow_aliases')
    .select('version_id')
    .where('model_id', '=', modelId)
    .where('alias', '=', alias)
    .executeTakeFirst();
  if (!existing) {
    await trx
      .insertInto('mlflow_aliases')
      .values({ model_id: modelId, alias, ...target, updated_at })
      .execute();
    return;
  }
  // A pending move leaves the alias where it is until its request executes.
  const version_id = target.version_id ?? existing.version_id;
  await trx
    .updateTable('mlflow_aliases')
    .set({ ...target, version_id, updated_at })
    .where('model_id', '=', modelId)
    .where('alias', '=', alias)
    .execute();
}

/** Removes an alias. A protected alias naming the production version stays: retire the version instead. */
export async function deleteRegisteredModelAlias(
  ctx: AppContext,
  actor: Actor,
  name: string,
  alias: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const model = await requireMlflowModel(trx, name);
    const row = await trx
      .selectFrom('mlflow_aliases')
      .selectAll()
      .where('model_id', '=', model.id)
      .where('alias', '=', alias)
      .executeTakeFirst();
    if (!row) throw doesNotExist(`Registered model alias ${alias} not found.`);
    const policy = await getActivePolicy(trx);
    const governed = protectedAliases(policy.document).some((a) => a.toLowerCase() === alias.toLowerCase());
    const target = row.version_id ? await findVersionById(trx, row.version_id) : undefined;
    if (governed && target?.stage === 'production')
      throw permissionDenied(
        `alias "${alias}" is protected and names the production version ${target.number}; retire that version through a change request instead`,
      );
    await trx
      .deleteFrom('mlflow_aliases')
      .where('model_id', '=', model.id)
      .where('alias', '=', alias)
      .execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'mlflow.alias_deleted',
      subject: `model:${model.wardenName}`,
      requestId: actor.requestId,
      change: { alias, version: target?.semver ?? null },
    });
  });
}

export async function getModelVersionByAlias(
  db: Executor,
  name: string,
  alias: string,
): Promise<Record<string, unknown>> {
  const model = await requireMlflowModel(db, name);
  const row = await db
    .selectFrom('mlflow_aliases')
    .select('version_id')
    .where('model_id', '=', model.id)
    .where('alias', '=', alias)
    .executeTakeFirst();
  const version = row?.version_id ? await findVersionById(db, row.version_id) : undefined;
  if (!version) throw doesNotExist(`Registered model alias ${alias} not found.`);
  return versionView(db, version);
}

import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { scanFields } from '../pii/index.js';
import { findModelByName } from '../registry/model.repository.js';
import { checkPii, insertNewModel, type Actor } from '../registry/registry.service.js';
import { changeModel } from '../workflow/index.js';
import { alreadyExists, doesNotExist, invalidParameter, permissionDenied } from './mlflow.errors.js';
import {
  aliasesByVersion,
  ensureModelMapping,
  findMlflowModel,
  latestChangeRequests,
  listModelVersions,
  type MlflowModelRecord,
  type MlflowVersionRecord,
} from './mlflow.repository.js';
import { latestPerStage, registeredModelJson, versionJson, WARDEN_TAG_PREFIX } from './mlflow.view.js';

const WARDEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MODEL_TAG_KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;

/** Refuses a model or version tag Warden would not store, naming it. */
export function checkTag(key: string, value: string, scope: 'model' | 'version'): void {
  if (key.toLowerCase().startsWith(WARDEN_TAG_PREFIX))
    throw invalidParameter(`tag "${key}": tags beginning with "warden." are set by Warden`);
  if (scope === 'model' ? !MODEL_TAG_KEY.test(key) : key.length === 0 || key.length > 64)
    throw invalidParameter(
      scope === 'model'
        ? `tag key "${key}" must be 1–64 characters: letters, digits and . _ : / - (starting with a letter or digit)`
        : `tag key "${key}" must be 1–64 characters`,
    );
  if (value.length > 256) throw invalidParameter(`tag "${key}": the value is longer than 256 characters`);
}

/** Refuses a name MLflow clients could not use in `models:/` URIs. */
export function checkModelName(name: string, field = 'name'): void {
  if (name.trim() !== name || name.length > 256 || name.includes('/'))
    throw invalidParameter(
      `Invalid value for parameter '${field}': "${name}" must be 1–256 characters without "/" or surrounding spaces`,
    );
}

/** The model MLflow names `name`, or RESOURCE_DOES_NOT_EXIST. */
export async function requireMlflowModel(db: Executor, name: string): Promise<MlflowModelRecord> {
  const model = await findMlflowModel(db, name);
  if (!model) throw doesNotExist(`Registered Model with name=${name} not found`);
  return model;
}

/** A free Warden name for an MLflow name: the name itself where Warden accepts it, else a slug, numbered if taken. */
async function wardenNameFor(db: Executor, name: string): Promise<string> {
  const base = WARDEN_NAME.test(name)
    ? name
    : name
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '')
        .slice(0, 120) || 'model';
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base.slice(0, 120)}-${n}`;
    if (!(await findModelByName(db, candidate))) return candidate;
  }
}

/** The version views of a model with aliases and change-request tags. */
export async function versionViews(
  db: Executor,
  versions: readonly MlflowVersionRecord[],
): Promise<Record<string, unknown>[]> {
  const aliases = await aliasesByVersion(
    db,
    versions.map((v) => v.modelId),
  );
  const requests = await latestChangeRequests(
    db,
    versions.map((v) => v.versionId),
  );
  return versions.map((v) =>
    versionJson(v, { aliases: aliases.get(v.versionId) ?? [], changeRequest: requests.get(v.versionId) }),
  );
}

/** A registered model's view: latest version per stage and its aliases. */
export async function registeredModelView(
  db: Executor,
  model: MlflowModelRecord,
): Promise<Record<string, unknown>> {
  const versions = await listModelVersions(db, model.id);
  const latest = await versionViews(db, latestPerStage(versions));
  const byId = new Map(versions.map((v) => [v.versionId, v.number]));
  const aliasRows = await db
    .selectFrom('mlflow_aliases')
    .select(['alias', 'version_id'])
    .where('model_id', '=', model.id)
    .where('version_id', 'is not', null)
    .orderBy('alias')
    .execute();
  const aliases = aliasRows
    .filter((a) => byId.has(a.version_id!))
    .map((a) => ({ alias: a.alias, version: String(byId.get(a.version_id!)) }));
  return registeredModelJson(model, latest, aliases);
}

/**
 * Registers a model through MLflow: tier WARDEN_MLFLOW_DEFAULT_TIER, the caller as owner, MLflow's
 * tags as the model's tags; audited as `model.created` like POST /api/v1/models.
 */
export async function createRegisteredModel(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; description?: string | undefined; tags: Array<{ key: string; value: string }> },
): Promise<Record<string, unknown>> {
  checkModelName(input.name);
  for (const t of input.tags) checkTag(t.key, t.value, 'model');
  const findings = await checkPii(ctx, scanFields({ description: input.description }));
  return ctx.db.transaction().execute(async (trx) => {
    if (await findMlflowModel(trx, input.name))
      throw alreadyExists(`Registered Model (name=${input.name}) already exists.`);
    const wardenName = await wardenNameFor(trx, input.name);
    const model = await insertNewModel(
      trx,
      ctx,
      actor,
      {
        name: wardenName,
        owner: actor.principal.name,
        riskTier: ctx.config.mlflowDefaultTier,
        ...(input.description !== undefined ? { description: input.description } : {}),
        tags: Object.fromEntries(input.tags.map((t) => [t.key, t.value])),
      },
      findings,
    );
    await trx
      .insertInto('mlflow_models')
      .values({ model_id: model.id, name: input.name, last_version: 0, deleted_at: null, deleted_by: null })
      .execute();
    return registeredModelView(trx, (await findMlflowModel(trx, input.name))!);
  });
}

/**
 * Renames a model in MLflow's namespace. The Warden model keeps its name, the identity its audit
 * entries, change requests and monitoring records carry.
 */
export async function renameRegisteredModel(
  ctx: AppContext,
  actor: Actor,
  name: string,
  newName: string,
): Promise<Record<string, unknown>> {
  checkModelName(newName, 'new_name');
  return ctx.db.transaction().execute(async (trx) => {
    const model = await requireMlflowModel(trx, name);
    if (newName !== name && (await findMlflowModel(trx, newName)))
      throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
    await ensureModelMapping(trx, model);
    await trx.updateTable('mlflow_models').set({ name: newName }).where('model_id', '=', model.id).execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'mlflow.model_renamed',
      subject: `model:${model.wardenName}`,
      requestId: actor.requestId,
      change: { from: name, to: newName },
    });
    return registeredModelView(trx, (await findMlflowModel(trx, newName))!);
  });
}

/** Changes a model's description or tags through the governed model patch (audited `model.updated`). */
async function patchModel(
  ctx: AppContext,
  actor: Actor,
  model: MlflowModelRecord,
  patch: { description?: string | null; tags?: Record<string, string> },
): Promise<void> {
  const result = await changeModel(ctx, actor, model.wardenName, patch);
  if (!result.applied) throw permissionDenied(`the change awaits change request ${result.changeRequest.id}`);
}

export async function updateRegisteredModel(
  ctx: AppContext,
  actor: Actor,
  name: string,
  description: string | undefined,
): Promise<Record<string, unknown>> {
  const model = await requireMlflowModel(ctx.db, name);
  await patchModel(ctx, actor, model, { description: description ?? null });
  return registeredModelView(ctx.db, (await findMlflowModel(ctx.db, name))!);
}

export async function setRegisteredModelTag(
  ctx: AppContext,
  actor: Actor,
  name: string,
  key: string,
  value: string,
): Promise<void> {
  checkTag(key, value, 'model');
  const model = await requireMlflowModel(ctx.db, name);
  await patchModel(ctx, actor, model, { tags: { ...model.tags, [key]: value } });
}

export async function deleteRegisteredModelTag(
  ctx: AppContext,
  actor: Actor,
  name: string,
  key: string,
): Promise<void> {
  const model = await requireMlflowModel(ctx.db, name);
  if (!(key in model.tags))
    throw doesNotExist(`No tag with name: ${key} in registered model with name=${name}`);
  const tags = { ...model.tags };
  delete tags[key];
  await patchModel(ctx, actor, model, { tags });
}

/**
 * Deletes a model from MLflow's view; Warden keeps its record and audit trail. Refused while the
 * model is under legal hold or has a version in production.
 */
export async function deleteRegisteredModel(ctx: AppContext, actor: Actor, name: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const model = await requireMlflowModel(trx, name);
    if (model.legalHold)
      throw permissionDenied(
        `Registered Model ${name} is under legal hold since ${model.legalHold.at} (${model.legalHold.reason}); it cannot be deleted`,
      );
    if (model.championVersionId !== null)
      throw permissionDenied(
        `Registered Model ${name} has a version in production; retire it through a change request before deleting the model`,
      );
    await ensureModelMapping(trx, model);
    const at = ctx.now().toISOString();
    await trx
      .updateTable('mlflow_models')
      .set({ name: null, deleted_at: at, deleted_by: actor.principal.name })
      .where('model_id', '=', model.id)
      .execute();
    await trx.deleteFrom('mlflow_aliases').where('model_id', '=', model.id).execute();
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'mlflow.model_deleted',
      subject: `model:${model.wardenName}`,
      requestId: actor.requestId,
      change: { name },
    });
  });
}

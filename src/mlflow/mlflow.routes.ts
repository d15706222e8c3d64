import type { OpenAPIHono } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES } from '../auth/roles.js';
import { actorOf } from '../http/actor.js';
import type { AppContext, WardenEnv } from '../http/context.js';
import type { RouteTable } from '../http/route-table.js';
import type { Actor } from '../registry/registry.service.js';
import { invalidParameter } from './mlflow.errors.js';
import {
  createRegisteredModel,
  deleteRegisteredModel,
  deleteRegisteredModelTag,
  registeredModelView,
  renameRegisteredModel,
  requireMlflowModel,
  setRegisteredModelTag,
  updateRegisteredModel,
  versionViews,
} from './mlflow-models.service.js';
import { searchModelVersions, searchRegisteredModels } from './mlflow-search.service.js';
import {
  changeModelVersionTag,
  createModelVersion,
  deleteModelVersion,
  deleteRegisteredModelAlias,
  getModelVersionByAlias,
  requireMlflowVersion,
  setRegisteredModelAlias,
  transitionModelVersionStage,
  updateModelVersion,
  versionView,
} from './mlflow-versions.service.js';
import { listModelVersions } from './mlflow.repository.js';
import { canonicalStage, latestPerStage, MLFLOW_STAGES, type MlflowStage } from './mlflow.view.js';
import {
  booleanField,
  integerField,
  readMessage,
  stringField,
  stringListField,
  tagListField,
  versionField,
  type RequestMessage,
} from './mlflow-wire.js';

/** Where MLflow's client sends registry calls: `{tracking URI}/api/2.0/mlflow/…`. */
export const MLFLOW_PREFIX = '/api/2.0/mlflow';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One RPC of MLflow's ModelRegistryService. */
interface Rpc {
  method: Method;
  path: string;
  /** Repeated fields, read from repeated query keys on GET. */
  lists?: readonly string[];
  handle(message: RequestMessage, actor: Actor): Promise<Record<string, unknown>>;
}

/** A stage as MLflow's client spells it (any case), refused with MLflow's message when unknown. */
function parseStage(text: string): MlflowStage {
  const stage = canonicalStage(text);
  if (!stage)
    throw invalidParameter(
      `Invalid Model Version stage: ${text}. Value must be one of ${MLFLOW_STAGES.join(', ')}.`,
    );
  return stage;
}

function stagesField(message: RequestMessage): MlflowStage[] {
  return stringListField(message, 'stages').map(parseStage);
}

/** An RPC whose answer holds what `act` returns under one field (`registered_model`, `model_version`). */
function answerWith(
  field: string,
  act: (message: RequestMessage, actor: Actor) => Promise<unknown>,
): Rpc['handle'] {
  return async (message, actor) => ({ [field]: await act(message, actor) });
}

/** An RPC whose answer is the empty message once `act` is done. */
function answerEmpty(act: (message: RequestMessage, actor: Actor) => Promise<unknown>): Rpc['handle'] {
  return async (message, actor) => {
    await act(message, actor);
    return {};
  };
}

function searchInput(message: RequestMessage) {
  return {
    filter: stringField(message, 'filter', false, 10_000),
    maxResults: integerField(message, 'max_results'),
    orderBy: stringListField(message, 'order_by'),
    pageToken: stringField(message, 'page_token', false, 10_000),
  };
}

/** The 21 RPCs of MLflow's model registry (mlflow/protos/model_registry.proto), get-latest-versions twice. */
function registryRpcs(ctx: AppContext): Rpc[] {
  const db = ctx.db;
  const getLatest: Rpc['handle'] = async (m) => {
    const name = stringField(m, 'name', true);
    const stages = stagesField(m);
    const model = await requireMlflowModel(db, name);
    const latest = latestPerStage(
      await listModelVersions(db, model.id),
      stages.length > 0 ? stages : undefined,
    );
    const views = await versionViews(db, latest);
    return views.length > 0 ? { model_versions: views } : {};
  };
  return [
    {
      method: 'POST',
      path: '/registered-models/create',
      handle: answerWith('registered_model', (m, actor) =>
        createRegisteredModel(ctx, actor, {
          name: stringField(m, 'name', true, 256),
          description: stringField(m, 'description', false, 10_000),
          tags: tagListField(m),
        }),
      ),
    },
    {
      method: 'POST',
      path: '/registered-models/rename',
      handle: answerWith('registered_model', (m, actor) =>
        renameRegisteredModel(
          ctx,
          actor,
          stringField(m, 'name', true),
          stringField(m, 'new_name', true, 256),
        ),
      ),
    },
    {
      method: 'PATCH',
      path: '/registered-models/update',
      handle: answerWith('registered_model', (m, actor) =>
        updateRegisteredModel(
          ctx,
          actor,
          stringField(m, 'name', true),
          stringField(m, 'description', false, 10_000),
        ),
      ),
    },
    {
      method: 'DELETE',
      path: '/registered-models/delete',
      handle: answerEmpty((m, actor) => deleteRegisteredModel(ctx, actor, stringField(m, 'name', true))),
    },
    {
      method: 'GET',
      path: '/registered-models/get',
      handle: answerWith('registered_model', async (m) =>
        registeredModelView(db, await requireMlflowModel(db, stringField(m, 'name', true))),
      ),
    },
    {
      method: 'GET',
      path: '/registered-models/search',
      lists: ['order_by'],
      handle: (m) => searchRegisteredModels(db, ctx.store.capabilities.engine, searchInput(m)),
    },
    { method: 'POST', path: '/registered-models/get-latest-versions', handle: getLatest },
    { method: 'GET', path: '/registered-models/get-latest-versions', lists: ['stages'], handle: getLatest },
    {
      method: 'POST',
      path: '/registered-models/set-tag',
      handle: answerEmpty((m, actor) =>
        setRegisteredModelTag(
          ctx,
          actor,
          stringField(m, 'name', true),
          stringField(m, 'key', true, 250),
          stringField(m, 'value', false) ?? '',
        ),
      ),
    },
    {
      method: 'DELETE',
      path: '/registered-models/delete-tag',
      handle: answerEmpty((m, actor) =>
        deleteRegisteredModelTag(ctx, actor, stringField(m, 'name', true), stringField(m, 'key', true)),
      ),
    },
    {
      method: 'POST',
      path: '/registered-models/alias',
      handle: answerEmpty((m, actor) =>
        setRegisteredModelAlias(
          ctx,
          actor,
          stringField(m, 'name', true),
          stringField(m, 'alias', true, 255),
          versionField(m),
        ),
      ),
    },
    {
      method: 'DELETE',
      path: '/registered-models/alias',
      handle: answerEmpty((m, actor) =>
        deleteRegisteredModelAlias(ctx, actor, stringField(m, 'name', true), stringField(m, 'alias', true)),
      ),
    },
    {
      method: 'GET',
      path: '/registered-models/alias',
      handle: answerWith('model_version', (m) =>
        getModelVersionByAlias(db, stringField(m, 'name', true), stringField(m, 'alias', true)),
      ),
    },
    {
      method: 'POST',
      path: '/model-versions/create',
      handle: answerWith('model_version', (m, actor) =>
        createModelVersion(ctx, actor, {
          name: stringField(m, 'name', true),
          source: stringField(m, 'source', true, 4096),
          runId: stringField(m, 'run_id', false, 256),
          runLink: stringField(m, 'run_link', false, 2048),
          description: stringField(m, 'description', false, 10_000),
          tags: tagListField(m),
        }),
      ),
    },
    {
      method: 'PATCH',
      path: '/model-versions/update',
      handle: answerWith('model_version', (m, actor) =>
        updateModelVersion(
          ctx,
          actor,
          stringField(m, 'name', true),
          versionField(m),
          stringField(m, 'description', false, 10_000),
        ),
      ),
    },
    {
      method: 'POST',
      path: '/model-versions/transition-stage',
      handle: async (m, actor) => {
        const name = stringField(m, 'name', true);
        const version = versionField(m);
        const text = stringField(m, 'stage', true);
        booleanField(m, 'archive_existing_versions', true);
        const stage = parseStage(text);
        return { model_version: await transitionModelVersionStage(ctx, actor, name, version, stage) };
      },
    },
    {
      method: 'DELETE',
      path: '/model-versions/delete',
      handle: answerEmpty((m, actor) =>
        deleteModelVersion(ctx, actor, stringField(m, 'name', true), versionField(m)),
      ),
    },
    {
      method: 'GET',
      path: '/model-versions/get',
      handle: async (m) => {
        const { version } = await requireMlflowVersion(db, stringField(m, 'name', true), versionField(m));
        return { model_version: await versionView(db, version) };
      },
    },
    {
      method: 'GET',
      path: '/model-versions/search',
      lists: ['order_by'],
      handle: (m) => searchModelVersions(db, ctx.store.capabilities.engine, searchInput(m)),
    },
    {
      method: 'GET',
      path: '/model-versions/get-download-uri',
      handle: async (m) => {
        const { version } = await requireMlflowVersion(db, stringField(m, 'name', true), versionField(m));
        return { artifact_uri: version.source };
      },
    },
    {
      method: 'POST',
      path: '/model-versions/set-tag',
      handle: answerEmpty((m, actor) =>
        changeModelVersionTag(
          ctx,
          actor,
          stringField(m, 'name', true),
          versionField(m),
          stringField(m, 'key', true, 250),
          stringField(m, 'value', false) ?? '',
        ),
      ),
    },
    {
      method: 'DELETE',
      path: '/model-versions/delete-tag',
      handle: answerEmpty((m, actor) =>
        changeModelVersionTag(
          ctx,
          actor,
          stringField(m, 'name', true),
          versionField(m),
          stringField(m, 'key', true),
          null,
        ),
      ),
    },
  ];
}

/**
 * The MLflow-compatible registry under /api/2.0/mlflow, in MLflow's own wire format (not in the
 * OpenAPI document): bearer or Basic tokens, reads for every role, writes for the authoring roles.
 */
export function registerMlflowRegistryRoutes(
  app: OpenAPIHono<WardenEnv>,
  routes: RouteTable,
  ctx: AppContext,
): void {
  for (const rpc of registryRpcs(ctx)) {
    const path = MLFLOW_PREFIX + rpc.path;
    const write = rpc.method !== 'GET';
    routes.declare(rpc.method, path, write ? AUTHOR_ROLES : ALL_ROLES, write ? 'json' : 'none', {
      basicAuth: true,
    });
    app.on(rpc.method, path, async (c) => {
      const message = await readMessage(c, rpc.lists ?? []);
      return c.json(await rpc.handle(message, actorOf(c)), 200);
    });
  }
}

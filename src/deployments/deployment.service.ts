import { conflict, invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { decodePageToken, toPage } from '../http/pagination.js';
import { scanFields } from '../pii/index.js';
import { checkPii, requireModel, requireVersion, type Actor } from '../registry/registry.service.js';
import { enqueueEvent } from '../webhooks/index.js';
import { deploymentRefusal, DEPLOYABLE_STAGES, classifyEnvironment } from './deployment.rules.js';
import {
  findActiveAt,
  findActiveForVersions,
  findDeploymentRow,
  findDeployments,
  insertDeployment,
  toDeployment,
  updateDeployment,
  type DeploymentRow,
} from './deployment.repository.js';
import type {
  CreateDeploymentInput,
  Deployment,
  DeploymentStatus,
  EndDeploymentInput,
} from './deployment.schema.js';

const subjectOf = (row: { model_name: string; version: string }) => `model:${row.model_name}@${row.version}`;

function occupied(existing: DeploymentRow) {
  return conflict(
    `${existing.model_name}@${existing.version} is already deployed to ${existing.environment} / ${existing.target} (${existing.id}); end that deployment first`,
    'target',
    { deploymentId: existing.id, version: existing.version },
  );
}

/**
 * Records that a version now runs at a place (environment + target), after checking that its
 * lifecycle stage may run there (see `DEPLOYABLE_STAGES`) and that no other deployment of the model
 * is active at the same place. Audited and announced as `deployment.created` in one transaction.
 */
export async function createDeployment(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  version: string,
  input: CreateDeploymentInput,
): Promise<Deployment> {
  const findings = await checkPii(ctx, scanFields({ target: input.target, note: input.note }));
  const now = ctx.now().toISOString();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const model = await requireModel(trx, modelName);
      // Stage changes lock the model row too, so the stage checked here cannot change before commit.
      if (ctx.store.capabilities.rowLocks)
        await trx.selectFrom('models').select('id').where('id', '=', model.id).forUpdate().execute();
      const v = await requireVersion(trx, modelName, version);
      const refusal = deploymentRefusal(v.stage, input.environment);
      if (refusal)
        throw conflict(`${modelName}@${version}: ${refusal}`, 'environment', {
          stage: v.stage,
          environmentClass: classifyEnvironment(input.environment),
          allowedStages: DEPLOYABLE_STAGES[classifyEnvironment(input.environment)],
        });
      const existing = await findActiveAt(trx, {
        modelId: model.id,
        environment: input.environment,
        target: input.target,
      });
      if (existing) throw occupied(existing);
      const row: DeploymentRow = {
        id: newId('dep'),
        model_id: model.id,
        model_name: model.name,
        version_id: v.id,
        version: v.version,
        environment: input.environment,
        target: input.target,
        status: 'active',
        active: 1,
        traffic_percent: input.trafficPercent,
        note: input.note ?? null,
        pii_findings: JSON.stringify(findings),
        deployed_by: actor.principal.name,
        deployed_at: now,
        ended_by: null,
        ended_at: null,
        end_reason: null,
      };
      return recordDeployment(trx, ctx, row, {
        actor: actor.principal.name,
        requestId: actor.requestId,
        stage: v.stage,
      });
    });
  } catch (error) {
    // Two requests for the same place at once: the unique constraint lets one through.
    if (isUniqueViolation(error)) {
      const model = await requireModel(ctx.db, modelName);
      const existing = await findActiveAt(ctx.db, {
        modelId: model.id,
        environment: input.environment,
        target: input.target,
      });
      if (existing) throw occupied(existing);
    }
    throw error;
  }
}

/** Marks an active deployment ended (the version no longer runs there), audited and announced. */
export async function endDeployment(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: EndDeploymentInput,
): Promise<Deployment> {
  await checkPii(ctx, scanFields({ reason: input.reason }));
  const now = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findDeploymentRow(trx, id, ctx.store.capabilities.rowLocks);
    if (!row) throw notFound(`deployment "${id}" does not exist`);
    if (row.status !== 'active')
      throw conflict(`deployment ${id} already ended at ${row.ended_at ?? '?'}`, 'id', {
        endedAt: row.ended_at,
      });
    const changes = await recordEnd(trx, ctx, row, {
      actor: actor.principal.name,
      requestId: actor.requestId,
      reason: input.reason,
      at: now,
    });
    return toDeployment({ ...row, ...changes });
  });
}

/** Stores a new active deployment, audited and announced as `deployment.created`. */
async function recordDeployment(
  trx: Executor,
  ctx: AppContext,
  row: DeploymentRow,
  by: { actor: string; requestId: string | null; stage: string },
): Promise<Deployment> {
  await insertDeployment(trx, row);
  const payload = {
    deploymentId: row.id,
    model: row.model_name,
    version: row.version,
    environment: row.environment,
    target: row.target,
    trafficPercent: row.traffic_percent,
  };
  await ctx.audit.append(trx, {
    actor: by.actor,
    action: 'deployment.created',
    subject: subjectOf(row),
    requestId: by.requestId,
    change: {
      ...payload,
      stage: by.stage,
      note: row.note,
      piiFindings: JSON.parse(row.pii_findings) as unknown,
    },
  });
  await enqueueEvent(trx, ctx, { type: 'deployment.created', subject: subjectOf(row), payload });
  return toDeployment(row);
}

/** Ends an active deployment, audited and announced as `deployment.ended`; returns the changes. */
async function recordEnd(
  trx: Executor,
  ctx: AppContext,
  row: DeploymentRow,
  by: { actor: string; requestId: string | null; reason: string; at: string },
) {
  const changes = {
    status: 'ended',
    active: null,
    ended_by: by.actor,
    ended_at: by.at,
    end_reason: by.reason,
  };
  await updateDeployment(trx, row.id, changes);
  const payload = {
    deploymentId: row.id,
    model: row.model_name,
    version: row.version,
    environment: row.environment,
    target: row.target,
    reason: by.reason,
  };
  await ctx.audit.append(trx, {
    actor: by.actor,
    action: 'deployment.ended',
    subject: subjectOf(row),
    requestId: by.requestId,
    change: { ...payload, deployedAt: row.deployed_at },
  });
  await enqueueEvent(trx, ctx, { type: 'deployment.ended', subject: subjectOf(row), payload });
  return changes;
}

/**
 * Hands a model's active deployments from one version to another, inside the caller's
 * transaction (a rollout's success): each active deployment of `from` ends, and `to` takes its
 * place (same environment, target and traffic share). Audited and
 * announced like manual deployments. Returns the new deployments.
 */
export async function handOverDeployments(
  trx: Executor,
  ctx: AppContext,
  input: {
    fromVersionId: string;
    to: { id: string; version: string; stage: string };
    actor: string;
    requestId: string | null;
    reason: string;
  },
): Promise<Deployment[]> {
  const at = ctx.now().toISOString();
  const created: Deployment[] = [];
  for (const old of await findActiveForVersions(trx, [input.fromVersionId])) {
    await recordEnd(trx, ctx, old, {
      actor: input.actor,
      requestId: input.requestId,
      reason: input.reason,
      at,
    });
    created.push(
      await recordDeployment(
        trx,
        ctx,
        {
          ...old,
          id: newId('dep'),
          version_id: input.to.id,
          version: input.to.version,
          status: 'active',
          active: 1,
          note: input.reason,
          pii_findings: '[]',
          deployed_by: input.actor,
          deployed_at: at,
          ended_by: null,
          ended_at: null,
          end_reason: null,
        },
        { actor: input.actor, requestId: input.requestId, stage: input.to.stage },
      ),
    );
  }
  return created;
}

export async function requireDeployment(db: Executor, id: string): Promise<Deployment> {
  const row = await findDeploymentRow(db, id);
  if (!row) throw notFound(`deployment "${id}" does not exist`);
  return toDeployment(row);
}

export interface DeploymentQuery {
  model?: string | undefined;
  version?: string | undefined;
  environment?: string | undefined;
  status?: DeploymentStatus | undefined;
  limit: number;
  pageToken?: string | undefined;
}

/** A page of deployments, newest first. An unknown model or version is a 404, not an empty page. */
export async function listDeployments(
  db: Executor,
  q: DeploymentQuery,
): Promise<{ items: Deployment[]; nextPageToken?: string }> {
  if (q.version !== undefined && q.model === undefined)
    throw invalidInput('filtering by version needs model as well', 'version');
  const model = q.model !== undefined ? await requireModel(db, q.model) : undefined;
  if (q.model !== undefined && q.version !== undefined) await requireVersion(db, q.model, q.version);
  const cursor = decodePageToken<{ id: string }>(q.pageToken, ['id']);
  const rows = await findDeployments(db, {
    modelId: model?.id,
    version: q.version,
    environment: q.environment,
    status: q.status,
    beforeId: cursor?.id,
    limit: q.limit + 1,
  });
  return toPage(rows.map(toDeployment), q.limit, (d) => ({ id: d.id }));
}

/** What the retirement impact assessment lists of one active deployment. */
export interface ActiveDeployment {
  id: string;
  version: string;
  environment: string;
  target: string;
  trafficPercent: number;
  deployedAt: string;
}

/** Active deployments of any of these versions, oldest first, for retirement and archive. */
export async function activeDeploymentsOf(db: Executor, versionIds: string[]): Promise<ActiveDeployment[]> {
  return (await findActiveForVersions(db, versionIds)).map((r) => ({
    id: r.id,
    version: r.version,
    environment: r.environment,
    target: r.target,
    trafficPercent: Number(r.traffic_percent),
    deployedAt: r.deployed_at,
  }));
}

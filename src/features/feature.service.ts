import { auditRefusals } from '../audit/index.js';
import { conflict, invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { AppContext, Principal } from '../http/context.js';
import { scanFields } from '../pii/index.js';
import { checkPii } from '../registry/registry.service.js';
import { featureDeprecationGraceDays, getActivePolicy } from '../policy/index.js';
import { enqueueEvent } from '../webhooks/index.js';
import { applyFeatureChange } from './feature.rules.js';
import {
  findConsumerVersions,
  findFeatureByName,
  insertFeature,
  updateFeature,
} from './feature.repository.js';
import type { CreateFeatureInput, Feature, FeatureChange, PatchFeatureInput } from './feature.schema.js';

const DAY_MS = 86_400_000;

/** Who is acting, for the audit entry. */
export interface FeatureActor {
  principal: Principal;
  requestId: string;
}

export async function requireFeature(ctx: AppContext, name: string): Promise<Feature> {
  const feature = await findFeatureByName(ctx.db, name);
  if (!feature) throw notFound(`feature "${name}" does not exist`);
  return feature;
}

function scanFeatureText(fields: {
  description?: string | null | undefined;
  source?: string | null | undefined;
}) {
  return scanFields({ description: fields.description, source: fields.source });
}

export async function createFeature(
  ctx: AppContext,
  actor: FeatureActor,
  input: CreateFeatureInput,
): Promise<Feature> {
  const now = ctx.now().toISOString();
  const initial = applyFeatureChange(
    { type: input.type, version: input.version, status: 'active', deprecatedAt: null },
    { status: input.status, deprecatedAt: input.deprecatedAt },
    now,
  );
  if ('violation' in initial) throw invalidInput(initial.violation.message, initial.violation.field);
  const findings = await checkPii(ctx, scanFeatureText(input));
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      if (await findFeatureByName(trx, input.name))
        throw conflict(`feature "${input.name}" already exists`, 'name');
      await insertFeature(trx, {
        id: newId('feat'),
        name: input.name,
        owner: input.owner,
        type: input.type,
        description: input.description ?? null,
        source: input.source ?? null,
        refresh_cadence: input.refreshCadence ?? null,
        freshness_sla: input.sla?.freshness ?? null,
        completeness_sla: input.sla?.completeness ?? null,
        semver: input.version,
        status: initial.next.status,
        deprecated_at: initial.next.deprecatedAt,
        grace_ends_at:
          initial.next.deprecatedAt === null
            ? null
            : new Date(
                Date.parse(initial.next.deprecatedAt) +
                  featureDeprecationGraceDays((await getActivePolicy(trx)).document) * DAY_MS,
              ).toISOString(),
        pii_findings: JSON.stringify(findings),
        created_at: now,
        created_by: actor.principal.name,
        updated_at: now,
      });
      const created = (await findFeatureByName(trx, input.name))!;
      await ctx.audit.append(trx, {
        actor: actor.principal.name,
        action: 'feature.created',
        subject: `feature:${input.name}`,
        requestId: actor.requestId,
        change: {
          ...input,
          status: created.status,
          deprecatedAt: created.deprecatedAt,
          piiFindings: findings,
        },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`feature "${input.name}" already exists`, 'name');
    throw error;
  }
}

export async function patchFeature(
  ctx: AppContext,
  actor: FeatureActor,
  name: string,
  input: PatchFeatureInput,
): Promise<FeatureChange> {
  return ctx.db.transaction().execute(async (trx) => {
    // Version and status rules compare with the current row: hold it until the change commits.
    if (ctx.store.capabilities.rowLocks)
      await trx.selectFrom('features').select('id').where('name', '=', name).forUpdate().execute();
    const before = await findFeatureByName(trx, name);
    if (!before) throw notFound(`feature "${name}" does not exist`);
    if (before.removedAt)
      throw conflict(`feature "${name}" was removed at ${before.removedAt}; it cannot change`, 'name');
    const now = ctx.now().toISOString();
    const applied = applyFeatureChange(before, input, now);
    if ('violation' in applied) throw invalidInput(applied.violation.message, applied.violation.field);
    const description = input.description !== undefined ? input.description : before.description;
    const source = input.source !== undefined ? input.source : before.source;
    const findings = await checkPii(ctx, scanFeatureText({ description, source }), trx);
    const changes: Parameters<typeof updateFeature>[2] = {
      type: applied.next.type,
      semver: applied.next.version,
      status: applied.next.status,
      deprecated_at: applied.next.deprecatedAt,
      grace_ends_at:
        applied.next.deprecatedAt === null
          ? null
          : new Date(
              Date.parse(applied.next.deprecatedAt) +
                featureDeprecationGraceDays((await getActivePolicy(trx)).document) * DAY_MS,
            ).toISOString(),
      pii_findings: JSON.stringify(findings),
      updated_at: now,
    };
    if (input.owner !== undefined) changes.owner = input.owner;
    if (input.description !== undefined) changes.description = input.description;
    if (input.source !== undefined) changes.source = input.source;
    if (input.refreshCadence !== undefined) changes.refresh_cadence = input.refreshCadence;
    if (input.sla !== undefined) {
      changes.freshness_sla = input.sla?.freshness ?? null;
      changes.completeness_sla = input.sla?.completeness ?? null;
    }
    await updateFeature(trx, before.id, changes);
    const after = (await findFeatureByName(trx, name))!;
    const deprecated = after.status === 'deprecated' && before.status !== 'deprecated';
    let deprecation: FeatureChange['deprecation'];
    if (deprecated) {
      // The versions that consume it are listed and their models' owners told, so they can move off it.
      const consumers = await findConsumerVersions(trx, before.id);
      const notifiedOwners = [...new Set(consumers.map((c) => c.owner))].sort();
      deprecation = { graceEndsAt: after.graceEndsAt!, consumers, notifiedOwners };
      await enqueueEvent(trx, ctx, {
        type: 'feature.deprecated',
        subject: `feature:${name}`,
        payload: {
          feature: name,
          version: after.version,
          deprecatedAt: after.deprecatedAt,
          graceEndsAt: after.graceEndsAt,
          consumers,
          owners: notifiedOwners,
        },
      });
    }
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: deprecated ? 'feature.deprecated' : 'feature.updated',
      subject: `feature:${name}`,
      requestId: actor.requestId,
      change: {
        patch: input,
        before: { version: before.version, status: before.status, type: before.type },
        after: {
          version: after.version,
          status: after.status,
          type: after.type,
          deprecatedAt: after.deprecatedAt,
          graceEndsAt: after.graceEndsAt,
        },
        ...(deprecation
          ? { consumers: deprecation.consumers, notifiedOwners: deprecation.notifiedOwners }
          : {}),
        piiFindings: findings,
      },
    });
    return deprecation ? { ...after, deprecation } : after;
  });
}

/**
 * Removes a deprecated feature from the catalog (kept, marked removed). Refused (409, naming the
 * rule and what would satisfy it, and audited) while the feature is not deprecated, before the
 * policy's grace period has passed, or while a production version consumes it.
 */
export async function removeFeature(ctx: AppContext, actor: FeatureActor, name: string): Promise<Feature> {
  // A refused removal changes nothing, but the attempt is a governance fact worth keeping.
  const refusal = {
    actor: actor.principal.name,
    requestId: actor.requestId,
    action: 'feature.removal_refused',
    subject: `feature:${name}`,
  };
  return auditRefusals(ctx, refusal, () =>
    ctx.db.transaction().execute(async (trx) => {
      if (ctx.store.capabilities.rowLocks)
        await trx.selectFrom('features').select('id').where('name', '=', name).forUpdate().execute();
      const before = await findFeatureByName(trx, name);
      if (!before) throw notFound(`feature "${name}" does not exist`);
      if (before.removedAt)
        throw conflict(`feature "${name}" was already removed at ${before.removedAt}`, 'name');
      if (before.status !== 'deprecated')
        throw conflict(
          `rule feature.removal-needs-deprecation: feature "${name}" is ${before.status}; deprecate it first (its consumers are told and the grace period starts)`,
          'status',
        );
      const now = ctx.now();
      if (before.graceEndsAt && now.getTime() < Date.parse(before.graceEndsAt))
        throw conflict(
          `rule feature.deprecation-grace-period: feature "${name}" was deprecated at ${before.deprecatedAt}; it may be removed from ${before.graceEndsAt}`,
          'graceEndsAt',
        );
      const production = (await findConsumerVersions(trx, before.id)).filter((c) => c.stage === 'production');
      if (production.length > 0)
        throw conflict(
          `rule feature.production-consumer: feature "${name}" is consumed by ${production.map((c) => `${c.model}@${c.version}`).join(', ')} in production; promote versions that do not use it first`,
          'name',
        );
      const at = now.toISOString();
      await updateFeature(trx, before.id, {
        removed_at: at,
        removed_by: actor.principal.name,
        updated_at: at,
      });
      await ctx.audit.append(trx, {
        actor: actor.principal.name,
        action: 'feature.removed',
        subject: `feature:${name}`,
        requestId: actor.requestId,
        change: { feature: name, version: before.version, deprecatedAt: before.deprecatedAt },
      });
      await enqueueEvent(trx, ctx, {
        type: 'feature.removed',
        subject: `feature:${name}`,
        payload: { feature: name, version: before.version },
      });
      return (await findFeatureByName(trx, name))!;
    }),
  );
}

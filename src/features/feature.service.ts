import { conflict, invalidInput, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { AppContext, Principal } from '../http/context.js';
import { scanFields } from '../pii/index.js';
import { checkPii } from '../registry/registry.service.js';
import { applyFeatureChange } from './feature.rules.js';
import { findFeatureByName, insertFeature, updateFeature } from './feature.repository.js';
import type { CreateFeatureInput, Feature, PatchFeatureInput } from './feature.schema.js';

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
): Promise<Feature> {
  return ctx.db.transaction().execute(async (trx) => {
    // Version and status rules compare with the current row: hold it until the change commits.
    if (ctx.store.capabilities.rowLocks)
      await trx.selectFrom('features').select('id').where('name', '=', name).forUpdate().execute();
    const before = await findFeatureByName(trx, name);
    if (!before) throw notFound(`feature "${name}" does not exist`);
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
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action:
        after.status === 'deprecated' && before.status !== 'deprecated'
          ? 'feature.deprecated'
          : 'feature.updated',
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
        },
        piiFindings: findings,
      },
    });
    return after;
  });
}

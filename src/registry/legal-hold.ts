import { createRoute, z } from '@hono/zod-openapi';
import type { Role } from '../auth/roles.js';
import { conflict } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { findModelByName, updateModel } from './model.repository.js';
import { modelName, modelSchema, type Model } from './model.schema.js';
import { requireModel, type Actor } from './registry.service.js';

/** Who may place or lift a legal hold. */
export const LEGAL_HOLD_ROLES: readonly Role[] = ['admin', 'compliance', 'legal'];

const holdSchema = z
  .strictObject({ reason: z.string().trim().min(1, 'say why the records must be kept').max(5_000) })
  .openapi('LegalHold');

/** Refuses (409) a purge or deletion of a held model's records, naming the hold. */
export async function assertNotHeld(db: Executor, modelId: string, what: string): Promise<void> {
  const row = await db
    .selectFrom('models')
    .select(['name', 'legal_hold_at', 'legal_hold_reason'])
    .where('id', '=', modelId)
    .executeTakeFirst();
  if (row?.legal_hold_at)
    throw conflict(
      `model "${row.name}" is under legal hold since ${row.legal_hold_at} (${row.legal_hold_reason ?? ''}): ${what} is refused until the hold is lifted`,
      'legalHold',
    );
}

async function setHold(
  ctx: AppContext,
  actor: Actor,
  name: string,
  hold: { reason: string } | null,
): Promise<Model> {
  return ctx.db.transaction().execute(async (trx) => {
    const before = await requireModel(trx, name);
    if (ctx.store.capabilities.rowLocks)
      await trx.selectFrom('models').select('id').where('id', '=', before.id).forUpdate().execute();
    const current = (await findModelByName(trx, name))!;
    if (hold && current.legalHold)
      throw conflict(
        `model "${name}" is already under legal hold since ${current.legalHold.placedAt}`,
        'reason',
      );
    if (!hold && !current.legalHold) throw conflict(`model "${name}" is not under legal hold`, 'name');
    const at = ctx.now().toISOString();
    await updateModel(trx, before.id, {
      legal_hold_reason: hold?.reason ?? null,
      legal_hold_at: hold ? at : null,
      legal_hold_by: hold ? actor.principal.name : null,
      updated_at: at,
    });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: hold ? 'model.legal_hold_placed' : 'model.legal_hold_lifted',
      subject: `model:${name}`,
      requestId: actor.requestId,
      change: hold ? { reason: hold.reason } : { lifted: current.legalHold },
    });
    return (await findModelByName(trx, name))!;
  });
}

/** `POST/DELETE /api/v1/models/{name}/legal-hold`. */
export function registerLegalHoldRoutes(routes: RouteTable, ctx: AppContext): void {
  const params = z.object({ name: modelName });
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/legal-hold',
      tags: ['models'],
      summary: 'Place the model under legal hold: none of its records is purged or deleted until lifted',
      request: { params, ...jsonBody(holdSchema) },
      responses: jsonResponse(201, modelSchema, 'The model, showing the hold'),
    }),
    LEGAL_HOLD_ROLES,
    async (c) => {
      const model = await setHold(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        c.req.valid('json'),
      );
      return c.json(model, 201);
    },
  );
  routes.add(
    createRoute({
      method: 'delete',
      path: '/api/v1/models/{name}/legal-hold',
      tags: ['models'],
      summary: 'Lift the model’s legal hold (audited)',
      request: { params },
      responses: jsonResponse(200, modelSchema, 'The model, without the hold'),
    }),
    LEGAL_HOLD_ROLES,
    async (c) => {
      const model = await setHold(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
        null,
      );
      return c.json(model, 200);
    },
  );
}

import type { Role } from '../auth/roles.js';
import { conflict } from '../core/errors.js';
import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { findModelByName, updateModel } from './model.repository.js';
import type { Model } from './model.schema.js';
import { requireModel, type Actor } from './registry.service.js';

/** Who may place or lift a legal hold. */
export const LEGAL_HOLD_ROLES: readonly Role[] = ['admin', 'compliance', 'legal'];

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

/** Locks the model's row (PostgreSQL) and reads it with its hold. */
async function lockHeldModel(trx: Executor, ctx: AppContext, name: string): Promise<Model> {
  const before = await requireModel(trx, name);
  if (ctx.store.capabilities.rowLocks)
    await trx.selectFrom('models').select('id').where('id', '=', before.id).forUpdate().execute();
  return (await findModelByName(trx, name))!;
}

/** Places a legal hold at once (a tightening), audited. */
export async function placeLegalHold(
  ctx: AppContext,
  actor: Actor,
  name: string,
  hold: { reason: string },
): Promise<Model> {
  return ctx.db.transaction().execute(async (trx) => {
    const current = await lockHeldModel(trx, ctx, name);
    if (current.legalHold)
      throw conflict(
        `model "${name}" is already under legal hold since ${current.legalHold.placedAt}`,
        'reason',
      );
    const at = ctx.now().toISOString();
    await updateModel(trx, current.id, {
      legal_hold_reason: hold.reason,
      legal_hold_at: at,
      legal_hold_by: actor.principal.name,
      updated_at: at,
    });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'model.legal_hold_placed',
      subject: `model:${name}`,
      requestId: actor.requestId,
      change: { reason: hold.reason },
    });
    return (await findModelByName(trx, name))!;
  });
}

/** Reads and locks a held model, refusing (409) one that is not under hold. */
export async function requireHeldModel(trx: Executor, ctx: AppContext, name: string): Promise<Model> {
  const current = await lockHeldModel(trx, ctx, name);
  if (!current.legalHold) throw conflict(`model "${name}" is not under legal hold`, 'name');
  return current;
}

/**
 * Lifts a legal hold in the caller's transaction, audited with the hold lifted and the change
 * request that approved it. Lifting is governed: this runs when that request executes.
 */
export async function applyLegalHoldLift(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  name: string,
  changeRequestId: string,
): Promise<void> {
  const current = await requireHeldModel(trx, ctx, name);
  const at = ctx.now().toISOString();
  await updateModel(trx, current.id, {
    legal_hold_reason: null,
    legal_hold_at: null,
    legal_hold_by: null,
    updated_at: at,
  });
  await ctx.audit.append(trx, {
    actor: actor.principal.name,
    action: 'model.legal_hold_lifted',
    subject: `model:${name}`,
    requestId: actor.requestId,
    change: { lifted: current.legalHold, changeRequestId },
  });
}

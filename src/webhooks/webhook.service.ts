import { notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Executor } from '../db/database.js';
import type { AppContext, Principal } from '../http/context.js';
import {
  deleteSubscription,
  findSubscription,
  insertDeliveries,
  insertSubscription,
  toWebhook,
} from './webhook.repository.js';
import type { CreateWebhookInput, Webhook } from './webhook.schema.js';
import { requireOutboundUrl } from '../core/outbound-url.js';
import { sealSecret, secretsKey } from './secret-box.js';

/** An event to announce. `url` sends it to that one target (such as a consumer's webhook URL) instead of the subscribers. */
export interface OutboundEvent {
  type: string;
  subject: string;
  payload: unknown;
  url?: string;
}

/**
 * Writes the event into the outbox inside the caller's transaction: one row per subscription that
 * asked for this event type (or `*`), or one row for the direct `url`. The rows commit or roll back
 * with the change they announce; delivery happens later in the background, so a receiver that is
 * down never blocks or fails the change, and a crash after commit loses nothing.
 */
export async function enqueueEvent(trx: Executor, ctx: AppContext, event: OutboundEvent): Promise<void> {
  const now = ctx.now().toISOString();
  const eventId = newId('evt');
  const body = JSON.stringify({
    id: eventId,
    type: event.type,
    subject: event.subject,
    occurredAt: now,
    data: event.payload ?? null,
  });
  const targets: Array<{ subscriptionId: string | null; url: string }> = [];
  if (event.url !== undefined) {
    targets.push({ subscriptionId: null, url: event.url });
  } else {
    const subscriptions = await trx
      .selectFrom('webhook_subscriptions')
      .select(['id', 'url', 'events'])
      .execute();
    for (const s of subscriptions) {
      const events = JSON.parse(s.events) as string[];
      if (events.includes('*') || events.includes(event.type))
        targets.push({ subscriptionId: s.id, url: s.url });
    }
  }
  await insertDeliveries(
    trx,
    targets.map((t) => ({
      id: newId('dlv'),
      subscription_id: t.subscriptionId,
      url: t.url,
      event_id: eventId,
      event_type: event.type,
      subject: event.subject,
      body,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      last_status_code: null,
      last_error: null,
      created_at: now,
      delivered_at: null,
    })),
  );
}

export async function createWebhook(
  ctx: AppContext,
  actor: { principal: Principal; requestId: string },
  input: CreateWebhookInput,
): Promise<Webhook> {
  requireOutboundUrl(input.url, ctx.config.webhookAllow, 'url');
  const id = newId('whk');
  const now = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    await insertSubscription(trx, {
      id,
      url: input.url,
      events: JSON.stringify([...new Set(input.events)]),
      secret: sealSecret(secretsKey(ctx.config.dataDir, ctx.config.secretsKey), input.secret),
      description: input.description ?? null,
      created_at: now,
      created_by: actor.principal.name,
    });
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'webhook.created',
      subject: `webhook:${id}`,
      requestId: actor.requestId,
      change: { url: input.url, events: input.events, description: input.description ?? null },
    });
    return toWebhook((await findSubscription(trx, id))!);
  });
}

export async function requireWebhook(db: Executor, id: string): Promise<Webhook> {
  const row = await findSubscription(db, id);
  if (!row) throw notFound(`webhook "${id}" does not exist`);
  return toWebhook(row);
}

/** Removes a subscription; its pending deliveries are cancelled, its delivery log is kept. */
export async function deleteWebhook(
  ctx: AppContext,
  actor: { principal: Principal; requestId: string },
  id: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await requireWebhook(trx, id);
    await deleteSubscription(trx, id);
    await ctx.audit.append(trx, {
      actor: actor.principal.name,
      action: 'webhook.deleted',
      subject: `webhook:${id}`,
      requestId: actor.requestId,
      change: { url: before.url, events: before.events },
    });
  });
}

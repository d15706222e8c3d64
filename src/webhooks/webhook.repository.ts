import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { Delivery, Webhook } from './webhook.schema.js';
import type { WebhookDeliveryTable, WebhookSubscriptionTable } from './webhook.table.js';

export function toWebhook(row: Selectable<WebhookSubscriptionTable>): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

export async function insertSubscription(db: Executor, row: Insertable<WebhookSubscriptionTable>) {
  await db.insertInto('webhook_subscriptions').values(row).execute();
}

export async function findSubscription(db: Executor, id: string) {
  return db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listSubscriptions(db: Executor, f: { afterId?: string | undefined; limit: number }) {
  let q = db.selectFrom('webhook_subscriptions').selectAll();
  if (f.afterId) q = q.where('id', '>', f.afterId);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function deleteSubscription(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'cancelled' })
    .where('subscription_id', '=', id)
    .where('status', '=', 'pending')
    .execute();
  await db.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
}

export async function insertDeliveries(db: Executor, rows: Insertable<WebhookDeliveryTable>[]) {
  if (rows.length > 0) await db.insertInto('webhook_deliveries').values(rows).execute();
}

/**
 * Claims up to `limit` due deliveries by pushing their due time to the end of a lease, so no other
 * server picks them up while this one is sending; a server that dies mid-delivery leaves the row
 * due again when the lease ends. One statement does the choosing and the claiming: on PostgreSQL
 * the chosen rows are locked with SKIP LOCKED so servers never wait on each other, and on SQLite
 * the statement takes the write lock at once instead of upgrading a read.
 */
export async function claimDueDeliveries(
  db: Executor,
  rowLocks: boolean,
  f: { nowIso: string; leaseUntilIso: string; limit: number },
): Promise<Selectable<WebhookDeliveryTable>[]> {
  let due = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', f.nowIso)
    .orderBy('next_attempt_at')
    .limit(f.limit);
  if (rowLocks) due = due.forUpdate().skipLocked();
  return db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: f.leaseUntilIso })
    .where('id', 'in', due)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', f.nowIso)
    .returningAll()
    .execute();
}

/** Subscriptions whose secret is still stored as plain text (from before secrets were encrypted). */
export async function plainTextSecrets(db: Executor): Promise<{ id: string; secret: string }[]> {
  return db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'secret'])
    .where('secret', 'not like', 'enc:v1:%')
    .execute();
}

export async function replaceSecret(db: Executor, id: string, from: string, to: string): Promise<void> {
  await db
    .updateTable('webhook_subscriptions')
    .set({ secret: to })
    .where('id', '=', id)
    .where('secret', '=', from)
    .execute();
}

export async function secretsFor(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'secret'])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.secret]));
}

export async function recordAttempt(
  db: Executor,
  deliveryId: string,
  attempt: {
    id: string;
    attempt: number;
    at: string;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
  },
  outcome: {
    status: 'pending' | 'delivered' | 'dead' | 'cancelled';
    nextAttemptAt: string;
    deliveredAt: string | null;
  },
): Promise<void> {
  await db
    .insertInto('webhook_attempts')
    .values({
      id: attempt.id,
      delivery_id: deliveryId,
      attempt: attempt.attempt,
      at: attempt.at,
      status_code: attempt.statusCode,
      error: attempt.error,
      duration_ms: attempt.durationMs,
    })
    .execute();
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      attempts: attempt.attempt,
      next_attempt_at: outcome.nextAttemptAt,
      last_status_code: attempt.statusCode,
      last_error: attempt.error,
      delivered_at: outcome.deliveredAt,
    })
    .where('id', '=', deliveryId)
    .execute();
}

/** The delivery log of one subscription, newest first, with every attempt. */
export async function listDeliveries(
  db: Executor,
  f: { subscriptionId: string; status?: string | undefined; beforeId?: string | undefined; limit: number },
): Promise<Delivery[]> {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', f.subscriptionId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.beforeId) q = q.where('id', '<', f.beforeId);
  const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
  const attempts =
    rows.length === 0
      ? []
      : await db
          .selectFrom('webhook_attempts')
          .selectAll()
          .where(
            'delivery_id',
            'in',
            rows.map((r) => r.id),
          )
          .orderBy('attempt')
          .execute();
  return rows.map((r) => ({
    id: r.id,
    subscriptionId: r.subscription_id,
    url: r.url,
    eventId: r.event_id,
    event: r.event_type,
    subject: r.subject,
    status: r.status as Delivery['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    log: attempts
      .filter((a) => a.delivery_id === r.id)
      .map((a) => ({
        attempt: Number(a.attempt),
        at: a.at,
        statusCode: a.status_code === null ? null : Number(a.status_code),
        error: a.error,
        durationMs: Number(a.duration_ms),
      })),
  }));
}

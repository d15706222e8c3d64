import type { Selectable } from 'kysely';
import { newId } from '../core/ids.js';
import type { AppContext } from '../http/context.js';
import type { BackgroundTask } from '../core/background-task.js';
import { claimDueDeliveries, recordAttempt, secretsFor } from './webhook.repository.js';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs, signWebhookBody } from './webhook-signature.js';
import type { WebhookDeliveryTable } from './webhook.table.js';

/** How long one request may take before it counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** A claimed row stays invisible to other servers this long; longer than one request can take. */
const LEASE_MS = 60_000;
const BATCH = 20;

interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

async function post(
  row: Selectable<WebhookDeliveryTable>,
  secret: string | undefined,
  attempt: number,
): Promise<AttemptResult> {
  const started = performance.now();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Warden-Webhooks/1',
    'x-warden-event': row.event_type,
    'x-warden-delivery': row.id,
    'x-warden-attempt': String(attempt),
  };
  if (secret !== undefined) headers['x-warden-signature'] = signWebhookBody(secret, row.body);
  try {
    const response = await fetch(row.url, {
      method: 'POST',
      headers,
      body: row.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      statusCode: response.status,
      error: ok ? null : `receiver answered ${response.status}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    const e = error as Error & { cause?: Error };
    const message =
      e.name === 'TimeoutError'
        ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`
        : (e.cause?.message ?? e.message);
    return { statusCode: null, error: message, durationMs: Math.round(performance.now() - started) };
  }
}

/**
 * One round of delivery: claims due outbox rows, POSTs each, records the attempt, and schedules a
 * retry with exponential backoff or gives up after the last attempt. Returns how many were tried.
 */
export async function deliverDueWebhooks(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  const claimed = await claimDueDeliveries(ctx.db, ctx.store.capabilities.rowLocks, {
    nowIso: now.toISOString(),
    leaseUntilIso: new Date(now.getTime() + LEASE_MS).toISOString(),
    limit: BATCH,
  });
  if (claimed.length === 0) return 0;
  const secrets = await secretsFor(
    ctx.db,
    claimed.flatMap((r) => (r.subscription_id ? [r.subscription_id] : [])),
  );
  await Promise.all(
    claimed.map(async (row) => {
      const attempt = Number(row.attempts) + 1;
      const removed = row.subscription_id !== null && !secrets.has(row.subscription_id);
      const result: AttemptResult = removed
        ? { statusCode: null, error: 'subscription deleted', durationMs: 0 }
        : await post(row, row.subscription_id ? secrets.get(row.subscription_id) : undefined, attempt);
      const at = ctx.now();
      const delivered = result.error === null;
      const status = delivered
        ? 'delivered'
        : removed
          ? 'cancelled'
          : attempt >= MAX_DELIVERY_ATTEMPTS
            ? 'dead'
            : 'pending';
      await ctx.db.transaction().execute((trx) =>
        recordAttempt(
          trx,
          row.id,
          { id: newId('att'), attempt, at: at.toISOString(), ...result },
          {
            status,
            nextAttemptAt:
              status === 'pending'
                ? new Date(at.getTime() + retryDelayMs(attempt)).toISOString()
                : at.toISOString(),
            deliveredAt: delivered ? at.toISOString() : null,
          },
        ),
      );
    }),
  );
  return claimed.length;
}

/** The background task that drains the webhook outbox: full batches are followed by another, up to a bound per round. */
export const webhookDeliveryTask: BackgroundTask<AppContext> = {
  name: 'webhook-delivery',
  intervalMs: 2_000,
  async runOnce(ctx) {
    for (let round = 0; round < 50; round++) {
      if ((await deliverDueWebhooks(ctx)) < BATCH) return;
    }
  },
};

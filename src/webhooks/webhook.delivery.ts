import type { Selectable } from 'kysely';
import { newId } from '../core/ids.js';
import type { AppContext } from '../http/context.js';
import type { BackgroundTask } from '../core/background-task.js';
import {
  claimDueDeliveries,
  plainTextSecrets,
  recordAttempt,
  replaceSecret,
  secretsFor,
} from './webhook.repository.js';
import { openSecret, sealSecret, secretsKey } from './secret-box.js';
import { parseOutboundAllowList } from '../core/outbound-url.js';
import { postOutbound, type Resolver } from './outbound-request.js';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs, webhookSignatureHeaders } from './webhook-signature.js';
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
  ctx: AppContext,
  row: Selectable<WebhookDeliveryTable>,
  secret: string | undefined,
  attempt: number,
  resolve: Resolver | undefined,
): Promise<AttemptResult> {
  const started = performance.now();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Warden-Webhooks/1',
    'x-warden-event': row.event_type,
    'x-warden-delivery': row.id,
    'x-warden-attempt': String(attempt),
  };
  if (secret !== undefined)
    Object.assign(
      headers,
      webhookSignatureHeaders(secret, row.id, Math.floor(ctx.now().getTime() / 1000), row.body),
    );
  try {
    const status = await postOutbound(row.url, headers, row.body, {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      allow: parseOutboundAllowList(ctx.config.webhookAllow),
      ...(resolve ? { resolve } : {}),
    });
    const ok = status >= 200 && status < 300;
    return {
      statusCode: status,
      error: ok ? null : `receiver answered ${status}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    return {
      statusCode: null,
      error: (error as Error).message,
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/**
 * One round of delivery: claims due outbox rows, POSTs each, records the attempt, and schedules a
 * retry with exponential backoff or gives up after the last attempt. Returns how many were tried.
 */
export async function deliverDueWebhooks(
  ctx: AppContext,
  options: { resolve?: Resolver } = {},
): Promise<number> {
  const now = ctx.now();
  const claimed = await claimDueDeliveries(ctx.db, ctx.store.capabilities.rowLocks, {
    nowIso: now.toISOString(),
    leaseUntilIso: new Date(now.getTime() + LEASE_MS).toISOString(),
    limit: BATCH,
  });
  if (claimed.length === 0) return 0;
  const key = secretsKey(ctx.config.dataDir, ctx.config.secretsKey);
  const secrets = await secretsFor(
    ctx.db,
    claimed.flatMap((r) => (r.subscription_id ? [r.subscription_id] : [])),
  );
  await Promise.all(
    claimed.map(async (row) => {
      const attempt = Number(row.attempts) + 1;
      const removed = row.subscription_id !== null && !secrets.has(row.subscription_id);
      let secret: string | undefined;
      let unreadable: string | undefined;
      try {
        const stored = row.subscription_id ? secrets.get(row.subscription_id) : undefined;
        secret = stored === undefined ? undefined : openSecret(key, stored);
      } catch (error) {
        unreadable = (error as Error).message;
      }
      const result: AttemptResult = removed
        ? { statusCode: null, error: 'subscription deleted', durationMs: 0 }
        : unreadable !== undefined
          ? { statusCode: null, error: unreadable, durationMs: 0 }
          : await post(ctx, row, secret, attempt, options.resolve);
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

const sealed = new WeakSet<AppContext>();

/** Encrypts, once per server, any subscription secret still stored as plain text. */
export async function sealPlainTextSecrets(ctx: AppContext): Promise<number> {
  if (sealed.has(ctx)) return 0;
  const key = secretsKey(ctx.config.dataDir, ctx.config.secretsKey);
  const rows = await plainTextSecrets(ctx.db);
  for (const row of rows) await replaceSecret(ctx.db, row.id, row.secret, sealSecret(key, row.secret));
  sealed.add(ctx);
  return rows.length;
}

/** The background task that drains the webhook outbox: full batches are followed by another, up to a bound per round. */
export const webhookDeliveryTask: BackgroundTask<AppContext> = {
  name: 'webhook-delivery',
  intervalMs: 2_000,
  async runOnce(ctx) {
    await sealPlainTextSecrets(ctx);
    for (let round = 0; round < 50; round++) {
      if ((await deliverDueWebhooks(ctx)) < BATCH) return;
    }
  },
};

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures follow the Standard Webhooks scheme (standardwebhooks.com): each delivery
 * carries `webhook-id` (the delivery id, the same on every retry), `webhook-timestamp` (Unix
 * seconds of this attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 * Because the timestamp is signed, a receiver can refuse a replayed delivery as too old and
 * remember ids it has processed.
 */

/** The HMAC key of a subscription secret: a `whsec_<base64>` secret is decoded; any other is taken as UTF-8. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

/**
 * The secret in the `whsec_` form Standard Webhooks libraries take, for a secret given in
 * another form (they decode the base64 part to the key bytes).
 */
export function standardWebhookSecret(secret: string): string {
  return secret.startsWith('whsec_') ? secret : `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
}

/** The `webhook-signature` value for one attempt: `v1,` and the base64 HMAC of `id.timestamp.body`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', webhookKey(secret)).update(`${id}.${timestampSeconds}.${body}`, 'utf8');
  return `v1,${mac.digest('base64')}`;
}

/** The three signing headers of one attempt. */
export function webhookSignatureHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(secret, id, timestampSeconds, body),
  };
}

/** How far a delivery's timestamp may be from the receiver's clock before it is refused as a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * What a receiver does: checks the timestamp is within the tolerance of its own clock, recomputes
 * the signature over the raw body and compares it in constant time with each `v1,` signature given
 * (several are sent, space-separated, while a secret is being rotated).
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, id, Number(timestamp), body));
  return signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Attempts before a delivery is given up as dead. */
export const MAX_DELIVERY_ATTEMPTS = 8;

/** Wait after failed attempt `n` (1-based): 30 s × 2^(n−1), so 30 s, 1 min, 2 min … 64 min. */
export function retryDelayMs(attempt: number): number {
  return 30_000 * 2 ** (attempt - 1);
}

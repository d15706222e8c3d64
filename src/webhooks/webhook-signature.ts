import { createHmac, timingSafeEqual } from 'node:crypto';

/** The `X-Warden-Signature` value for a body: `sha256=` and the hex HMAC-SHA256 of the raw bytes. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** What a receiver does: recompute the signature over the raw body and compare in constant time. */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signWebhookBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Attempts before a delivery is given up as dead. */
export const MAX_DELIVERY_ATTEMPTS = 8;

/** Wait after failed attempt `n` (1-based): 30 s × 2^(n−1), so 30 s, 1 min, 2 min … 64 min. */
export function retryDelayMs(attempt: number): number {
  return 30_000 * 2 ** (attempt - 1);
}

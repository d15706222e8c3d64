import { hash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'wdn_';

/** A new bearer secret: `wdn_` and 43 characters of base64url (256 random bits). */
export function generateTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Tokens are stored only as this digest. */
export function hashTokenSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

export function looksLikeToken(secret: string): boolean {
  return secret.startsWith(TOKEN_PREFIX) && secret.length === TOKEN_PREFIX.length + 43;
}

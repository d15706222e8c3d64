import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileOnce } from '../core/write-once.js';

/**
 * Webhook secrets are stored encrypted (AES-256-GCM) with a key kept outside the database:
 * `WARDEN_SECRETS_KEY` (base64 of 32 bytes; give every server of a cluster the same one), else
 * `<dataDir>/keys/secrets.key`, created (mode 0600) the first time. A copy of the database alone
 * does not reveal the secrets that sign deliveries.
 */

const PREFIX = 'enc:v1:';
const KEY_FILE = path.join('keys', 'secrets.key');
const keys = new Map<string, Buffer>();

/** The secrets key for a data folder or the configured one, loaded once per process. */
export function secretsKey(dataDir: string, configured?: string): Buffer {
  const cacheKey = configured ? `configured:${configured}` : dataDir;
  const cached = keys.get(cacheKey);
  if (cached) return cached;
  let key: Buffer;
  if (configured) {
    key = Buffer.from(configured, 'base64');
    if (key.length !== 32) throw new Error('WARDEN_SECRETS_KEY must be the base64 of 32 random bytes');
  } else {
    const file = path.join(dataDir, KEY_FILE);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Created before (or by another process just now): use it.
    key = Buffer.from(writeFileOnce(file, randomBytes(32).toString('base64') + '\n').trim(), 'base64');
  }
  keys.set(cacheKey, key);
  return key;
}

/** `enc:v1:` and base64 of nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes). */
export function sealSecret(key: Buffer, secret: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** Whether a stored value is still plain text from before secrets were encrypted. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/**
 * The secret a stored value holds. Plain text from before encryption is returned as is; a value
 * sealed with another key throws, naming the likely cause.
 */
export function openSecret(key: Buffer, stored: string): string {
  if (!isSealed(stored)) return stored;
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new Error(
      'the subscription secret was encrypted with another secrets key (give every server the same WARDEN_SECRETS_KEY)',
    );
  }
}

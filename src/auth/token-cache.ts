import type { Db } from '../db/database.js';
import { hashTokenSecret } from './token.js';
import { findTokenByHash, type ApiToken } from './token.repository.js';

/**
 * How long a looked-up token is trusted without asking the store again. A revocation through this
 * server takes effect at once (the cache is cleared); another server sharing PostgreSQL sees it
 * within this time.
 */
export const TOKEN_CACHE_MS = 2000;
const MAX_ENTRIES = 10_000;

const caches = new WeakMap<Db, Map<string, { token: ApiToken | undefined; until: number }>>();

/** Finds the token for a bearer secret, from a short-lived per-store cache when possible. */
export async function lookupToken(db: Db, secret: string, nowMs: number): Promise<ApiToken | undefined> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const hash = hashTokenSecret(secret);
  const hit = cache.get(hash);
  if (hit && hit.until > nowMs) return hit.token;
  const token = await findTokenByHash(db, hash);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(hash, { token, until: nowMs + TOKEN_CACHE_MS });
  return token;
}

/** Drops every cached token of this store (after a revocation). */
export function forgetCachedTokens(db: Db): void {
  caches.get(db)?.clear();
}

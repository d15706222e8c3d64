import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { lookupToken, TOKEN_CACHE_MS } from './token-cache.js';

describeEachBackend('bearer token cache and revocation', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend);
  });
  afterEach(async () => {
    await server.close();
  });

  it('a revocation through this server refuses the token on the very next request', async () => {
    const token = await server.tokenFor('reader', ['viewer']);
    expect((await server.api('GET', '/api/v1/models', { token })).status).toBe(200);
    const [row] = await server.ctx.db
      .selectFrom('api_tokens')
      .select('id')
      .where('principal', '=', 'reader')
      .execute();
    const revoke = await server.api('POST', `/api/v1/tokens/${row!.id}/revoke`);
    expect(revoke.status).toBe(200);
    const after = await server.api('GET', '/api/v1/models', { token });
    expect(after.status).toBe(401);
  });

  it('a revocation written by another server takes effect within TOKEN_CACHE_MS, not later', async () => {
    const token = await server.tokenFor('reader', ['viewer']);
    const t0 = 1_000_000;
    const first = await lookupToken(server.ctx.db, token, t0);
    expect(first?.revokedAt).toBeNull();
    // Another server sharing the store revokes it: this server's cache is not told.
    await server.ctx.db
      .updateTable('api_tokens')
      .set({ revoked_at: '2026-01-01T00:00:00.000Z' })
      .where('principal', '=', 'reader')
      .execute();
    // Within the bound the cached answer may still be used...
    expect((await lookupToken(server.ctx.db, token, t0 + TOKEN_CACHE_MS - 1))?.revokedAt).toBeNull();
    // ...and at the bound the store is asked again and the revocation is seen.
    expect((await lookupToken(server.ctx.db, token, t0 + TOKEN_CACHE_MS))?.revokedAt).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('over HTTP, a token revoked by another server is refused at most TOKEN_CACHE_MS later', async () => {
    const token = await server.tokenFor('reader', ['viewer']);
    expect((await server.api('GET', '/api/v1/models', { token })).status).toBe(200);
    await server.ctx.db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('principal', '=', 'reader')
      .execute();
    await new Promise((r) => setTimeout(r, TOKEN_CACHE_MS + 50));
    expect((await server.api('GET', '/api/v1/models', { token })).status).toBe(401);
  });
});

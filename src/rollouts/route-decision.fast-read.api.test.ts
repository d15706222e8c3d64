import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { serveSideBySide, type SideBySide } from '../../test/support/fast-reads.js';

/** FNV-1a (32-bit) over UTF-16 code units, written here from its definition, not imported. */
const fnv1a = (text: string): number => {
  let h = 0x811c9dc5;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
};

/**
 * The routing decision answered before the router gives exactly the app's answers: the same status,
 * body and headers for every request, and refusals (no token, unknown token, missing role, bad
 * name or key) are the app's own. The same store is served twice: by the app alone, and with the
 * fast read in front of it, whose hand-offs to the app are counted.
 */
describeEachBackend('routing decisions answered before the router', (backend) => {
  let server: TestServer;
  let sides: SideBySide;
  let noRoleToken: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    const model = await server.api('POST', '/api/v1/models', {
      body: { name: 'fraud', owner: 'risk', riskTier: 3 },
    });
    expect(model.status).toBe(201);
    const v1 = await server.api('POST', '/api/v1/models/fraud/versions', { body: versionBody('1.0.0') });
    const v2 = await server.api('POST', '/api/v1/models/fraud/versions', { body: versionBody('1.1.0') });
    expect([v1.status, v2.status]).toEqual([201, 201]);
    // A champion and a canary at 30 %, set in the store as another server's rollout would leave them.
    const db = server.ctx.db;
    await db
      .updateTable('models')
      .set({ champion_version_id: v1.body.id })
      .where('id', '=', model.body.id)
      .execute();
    await db
      .insertInto('rollouts')
      .values({
        id: 'rol_fast',
        model_id: model.body.id,
        model_name: 'fraud',
        strategy: 'canary',
        status: 'progressing',
        active: 1,
        candidate_version_id: v2.body.id,
        candidate_version: '1.1.0',
        champion_version_id: v1.body.id,
        champion_version: '1.0.0',
        change_request_id: 'chr_fast',
        plan: '{}',
        step: 0,
        candidate_weight: 30,
        step_started_at: '2026-01-01T00:00:00Z',
        next_analysis_at: '2099-01-01T00:00:00Z',
        analysis: '[]',
        shadow: null,
        result: null,
        reason: null,
        waiting_notified_at: null,
        lease_owner: null,
        lease_until: null,
        created_by: 'test',
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
        ended_at: null,
      })
      .execute();
    // Every role may ask for decisions, so a token refused for its roles is one that holds none
    // (one issued as a viewer whose roles were then emptied in the store).
    noRoleToken = await server.tokenFor('nobody', ['viewer']);
    await db.updateTable('api_tokens').set({ roles: '[]' }).where('principal', '=', 'nobody').execute();
    sides = await serveSideBySide(server);
  });
  afterAll(async () => {
    await sides?.close();
    await server.close();
  });

  /** Asks both servers; the answers must be identical. Returns the answer and whether the app answered it. */
  const both = (path: string, token: string | null = server.adminToken) =>
    sides.both(path, token === null ? null : `Bearer ${token}`);

  it('answers a decision itself, as the app does, sticky per key and by the rollout hash', async () => {
    for (const key of ['user-1', 'user-2', 'customer.42', 'a_b~c', 'x(1)*,;:@!$/?']) {
      const first = await both(`/api/v1/models/fraud/route?key=${key}`);
      expect([key, first.status, first.byApp]).toEqual([key, 200, false]);
      expect(first.headers).toMatchObject({
        'content-type': 'application/json',
        'x-content-type-options': 'nosniff',
      });
      // Bucket of FNV-1a over "rol_fast", U+001F and the key, against 30 % of 10,000 buckets.
      const candidate = fnv1a(`rol_fast\u001f${key}`) % 10_000 < 3_000;
      expect(first.json).toEqual(
        candidate
          ? { version: '1.1.0', variant: 'candidate', rolloutId: 'rol_fast' }
          : { version: '1.0.0', variant: 'champion', rolloutId: 'rol_fast' },
      );
      expect((await both(`/api/v1/models/fraud/route?key=${key}`)).json).toEqual(first.json);
    }
    const unknown = await both('/api/v1/models/ghost/route?key=u1');
    expect(unknown).toMatchObject({ status: 200, byApp: false });
    expect(unknown.json).toEqual({ version: null, variant: 'champion' });
  });

  it('leaves refusals and encoded input to the app, with the same answers', async () => {
    const cases: [string, string | null, number][] = [
      ['/api/v1/models/fraud/route?key=u1', null, 401],
      ['/api/v1/models/fraud/route?key=u1', 'wdn_unknown_token', 401],
      ['/api/v1/models/fraud/route?key=u1', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 401],
      ['/api/v1/models/fraud/route?key=u1', noRoleToken, 403],
      ['/api/v1/models/fraud/route?key=', server.adminToken, 400],
      ['/api/v1/models/fraud/route', server.adminToken, 400],
      [`/api/v1/models/fraud/route?key=${'k'.repeat(1025)}`, server.adminToken, 400],
      ['/api/v1/models/-fraud/route?key=u1', server.adminToken, 400],
      ['/api/v1/models/fraud/route/?key=u1', server.adminToken, 404],
      ['/api/v1/models/fraud/route?key=user%2D1', server.adminToken, 200],
      ['/api/v1/models/fraud/route?key=u1&other=2', server.adminToken, 200],
    ];
    for (const [path, token, status] of cases) {
      const answer = await both(path, token);
      expect([path, answer.status, answer.byApp]).toEqual([path, status, true]);
      if (status >= 400) expect(answer.json).toHaveProperty('error.code');
    }
    const decoded = await both('/api/v1/models/fraud/route?key=user%2D1');
    expect(decoded.json).toEqual((await both('/api/v1/models/fraud/route?key=user-1')).json);
    expect((await both('/api/v1/models/fraud/route?key=u1', noRoleToken)).json).toMatchObject({
      error: { code: 'forbidden' },
    });
  });

  it('counts its answers in the request-duration series of the route template', async () => {
    const count = () => sides.durationCount('/api/v1/models/{name}/route', server.adminToken);
    const before = await count();
    for (let i = 0; i < 5; i++)
      expect(
        (
          await fetch(`${sides.fastUrl}/api/v1/models/fraud/route?key=m${i}`, {
            headers: { authorization: `Bearer ${server.adminToken}` },
          })
        ).status,
      ).toBe(200);
    expect((await count()) - before).toBe(5);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { get, serveSideBySide, type SideBySide } from '../../test/support/fast-reads.js';

/**
 * A version answered before the router gives exactly the app's answers: the same status, body and
 * headers for every request, and everything else (missing model or version, encoded input, queries,
 * refused tokens) is answered by the app itself. The same store is served twice: by the app alone,
 * and with the fast reads in front of it, whose hand-offs to the app are counted.
 */
describeEachBackend('versions answered before the router', (backend) => {
  let server: TestServer;
  let sides: SideBySide;
  let noRoleToken: string;
  let revokedToken: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    const model = await server.api('POST', '/api/v1/models', {
      body: { name: 'fraud', owner: 'risk', riskTier: 3 },
    });
    expect(model.status).toBe(201);
    const v1 = await server.api('POST', '/api/v1/models/fraud/versions', {
      body: versionBody('1.0.0', { tags: { team: 'risk' }, description: 'first “cut” — ünïcode' }),
    });
    const v2 = await server.api('POST', '/api/v1/models/fraud/versions', { body: versionBody('1.1.0-rc.1') });
    expect([v1.status, v2.status]).toEqual([201, 201]);
    const db = server.ctx.db;
    // Every role may read versions, so a token refused for its roles is one that holds none.
    noRoleToken = await server.tokenFor('nobody', ['viewer']);
    await db.updateTable('api_tokens').set({ roles: '[]' }).where('principal', '=', 'nobody').execute();
    revokedToken = await server.tokenFor('leaver', ['viewer']);
    // Read once while valid, so the token cache holds it when it is revoked.
    expect(
      (await server.api('GET', '/api/v1/models/fraud/versions/1.0.0', { token: revokedToken })).status,
    ).toBe(200);
    const { id } = await db
      .selectFrom('api_tokens')
      .select('id')
      .where('principal', '=', 'leaver')
      .executeTakeFirstOrThrow();
    expect((await server.api('POST', `/api/v1/tokens/${id}/revoke`)).status).toBe(200);

    sides = await serveSideBySide(server);
  });
  afterAll(async () => {
    await sides?.close();
    await server.close();
  });

  /** Asks both servers; the answers must be identical. Returns the answer and whether the app answered it. */
  const both = (path: string, authorization: string | string[] | null = `Bearer ${server.adminToken}`) =>
    sides.both(path, authorization);

  it('answers an existing version itself, byte for byte as the app does', async () => {
    for (const version of ['1.0.0', '1.1.0-rc.1']) {
      const answer = await both(`/api/v1/models/fraud/versions/${version}`);
      expect([version, answer.status, answer.byApp]).toEqual([version, 200, false]);
      expect(answer.headers).toMatchObject({
        'content-type': 'application/json',
        'x-content-type-options': 'nosniff',
        'content-length': String(Buffer.byteLength(answer.body)),
      });
      expect(answer.json).toMatchObject({ model: 'fraud', version, framework: 'sklearn' });
    }
    expect((await both('/api/v1/models/fraud/versions/1.0.0')).json).toMatchObject({
      tags: { team: 'risk' },
      description: 'first “cut” — ünïcode',
    });
    // Without a request id of its own, the caller is given one, as by the app.
    const given = await get(sides.fastUrl, '/api/v1/models/fraud/versions/1.0.0', {
      authorization: `Bearer ${server.adminToken}`,
    });
    expect(given.status).toBe(200);
    expect(given.headers['x-request-id']).toMatch(/^req_/);
    // A viewer reads versions as an admin does.
    const viewer = await server.tokenFor('reader', ['viewer']);
    expect(await both('/api/v1/models/fraud/versions/1.1.0-rc.1', `Bearer ${viewer}`)).toMatchObject({
      status: 200,
      byApp: false,
    });
  });

  it('leaves misses, refusals, encoded input and queries to the app, with the same answers', async () => {
    const admin = `Bearer ${server.adminToken}`;
    const cases: [string, string | string[] | null, number, string | null][] = [
      ['/api/v1/models/fraud/versions/9.9.9', admin, 404, 'not_found'],
      ['/api/v1/models/ghost/versions/1.0.0', admin, 404, 'not_found'],
      ['/api/v1/models/fr%61ud/versions/1.0.0', admin, 200, null],
      ['/api/v1/models/fraud/versions/1.1.0%2Drc.1', admin, 200, null],
      ['/api/v1/models/fraud/versions/1.0.0-rc', admin, 404, 'not_found'],
      ['/api/v1/models/fraud/versions/1.0.0?verbose=1', admin, 200, null],
      ['/api/v1/models/fraud/versions/1.0', admin, 400, 'invalid_input'],
      ['/api/v1/models/fraud/versions/v1.0.0', admin, 400, 'invalid_input'],
      ['/api/v1/models/-fraud/versions/1.0.0', admin, 400, 'invalid_input'],
      ['/api/v1/models/fraud/versions/1.0.0/', admin, 404, 'not_found'],
      ['/api/v1/models/fraud/versions/1.0.0', null, 401, 'unauthenticated'],
      ['/api/v1/models/fraud/versions/1.0.0', 'Bearer wdn_unknown_token', 401, 'unauthenticated'],
      ['/api/v1/models/fraud/versions/1.0.0', `Bearer ${revokedToken}`, 401, 'unauthenticated'],
      ['/api/v1/models/fraud/versions/1.0.0', `Bearer ${noRoleToken}`, 403, 'forbidden'],
      [
        '/api/v1/models/fraud/versions/1.0.0',
        'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
        401,
        'unauthenticated',
      ],
      ['/api/v1/models/fraud/versions/1.0.0', [admin, admin], 401, 'unauthenticated'],
    ];
    for (const [path, authorization, status, code] of cases) {
      const answer = await both(path, authorization);
      expect([path, answer.status, answer.byApp]).toEqual([path, status, true]);
      if (code !== null) expect([path, answer.json]).toMatchObject([path, { error: { code } }]);
      else expect(answer.json).toMatchObject({ model: 'fraud' });
    }
    // The app tells a missing model from a missing version.
    expect((await both('/api/v1/models/ghost/versions/1.0.0')).json).toMatchObject({
      error: { message: expect.stringContaining('ghost') as unknown },
    });
    expect((await both('/api/v1/models/fraud/versions/9.9.9')).json).toMatchObject({
      error: { message: expect.stringContaining('has no version "9.9.9"') as unknown },
    });
  });

  it('leaves the other routes of a version to the app', async () => {
    for (const path of [
      '/api/v1/models/fraud/versions/1.0.0/transitions/preview?to=staging',
      '/api/v1/models/fraud/versions',
      '/api/v1/models/fraud',
    ])
      expect([path, (await both(path)).byApp]).toEqual([path, true]);
  });

  it('counts its answers in the request-duration series of the route template', async () => {
    const count = () => sides.durationCount('/api/v1/models/{name}/versions/{version}', server.adminToken);
    const before = await count();
    const handedBefore = sides.handedOver();
    for (let i = 0; i < 5; i++)
      expect(
        (
          await fetch(`${sides.fastUrl}/api/v1/models/fraud/versions/1.0.0`, {
            headers: { authorization: `Bearer ${server.adminToken}` },
          })
        ).status,
      ).toBe(200);
    expect((await count()) - before).toBe(5);
    // Only the second read of /metrics went to the app.
    expect(sides.handedOver() - handedBefore).toBe(1);
  });
});

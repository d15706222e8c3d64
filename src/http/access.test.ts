import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { createApp } from './app.js';
import type { RouteMeta } from './route-table.js';
import { DASHBOARD_PAGES } from '../ui/ui.routes.js';

/** A concrete URL for a declared route: path parameters get placeholder values. */
function concretePath(meta: RouteMeta): string {
  return meta.path.replace(/\{version\}/g, '1.0.0').replace(/\{[^}]+\}/g, 'placeholder');
}

/**
 * Writes the auditor role may make: signing an audit checkpoint, re-hashing an artifact, exporting
 * evidence packs, the audit program.
 */
const AUDITOR_WRITES = [
  'POST /api/v1/audit/checkpoints',
  'POST /api/v1/models/{name}/versions/{version}/artifact/verify',
  'POST /api/v1/evidence-packs',
  'POST /api/v1/audit-programs',
  'POST /api/v1/audit-programs/{id}/findings',
  'POST /api/v1/audit-findings/{id}/close',
];

describeEachBackend('access control', (backend) => {
  let server: TestServer;
  let routes: RouteMeta[];
  beforeAll(async () => {
    server = await startTestServer(backend);
    routes = createApp(server.ctx).routes.all();
  });
  afterAll(() => server.close());

  it('declares only health, sign-in (token and identity provider), the API documentation and the dashboard’s static pages as public', () => {
    const publicRoutes = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`);
    const pages = DASHBOARD_PAGES.map((p) => `GET ${p}`);
    expect(publicRoutes.sort()).toEqual(
      [
        'GET /api/v1/openapi.json',
        'POST /api/v1/sessions',
        'GET /api/v1/sessions/methods',
        'GET /auth/oidc/login',
        'GET /auth/oidc/callback',
        'GET /docs',
        'GET /docs/:file',
        'GET /assets/*',
        'GET /healthz',
        ...pages,
      ].sort(),
    );
  });

  it('answers no route but the public ones without a token', async () => {
    expect(routes.length).toBeGreaterThan(10);
    for (const meta of routes) {
      const body = meta.body === 'json' ? {} : undefined;
      const res = await server.api(meta.method, concretePath(meta), { token: null, body });
      // Public routes answer without a token: the static ones 200 (or 404 for a file that does not
      // exist), sign-in 400 for the empty body.
      if (meta.access === 'public') expect(res.status, `${meta.method} ${meta.path}`).not.toBe(401);
      else {
        expect(res.status, `${meta.method} ${meta.path}`).toBe(401);
        // The MLflow-compatible API answers in MLflow's error shape.
        if (meta.path.startsWith('/api/2.0/')) expect(res.body.error_code).toBe('UNAUTHENTICATED');
        else expect(res.body.error.code).toBe('unauthenticated');
      }
    }
  });

  it('refuses every write to read-only roles', async () => {
    const viewer = await server.tokenFor('vera', ['viewer']);
    const auditor = await server.tokenFor('audrey', ['auditor']);
    // Writes any token may make (signing out) are not role-restricted.
    const writes = routes.filter((r) => r.write && typeof r.access !== 'string');
    expect(writes.length).toBeGreaterThan(5);
    // The auditor's own writes: exporting evidence packs and running the audit program.
    const auditorWrites = writes.filter((r) => Array.isArray(r.access) && r.access.includes('auditor'));
    expect(
      auditorWrites.map((r) => `${r.method} ${r.path}`).filter((k) => !AUDITOR_WRITES.includes(k)),
    ).toEqual([]);
    for (const meta of writes) {
      for (const token of auditorWrites.includes(meta) ? [viewer] : [viewer, auditor]) {
        const headers: Record<string, string> =
          meta.body === 'binary'
            ? { 'content-type': 'application/octet-stream' }
            : meta.body === 'none'
              ? {}
              : {};
        const res = await server.api(meta.method, concretePath(meta), {
          token,
          ...(meta.body === 'json' ? { body: {} } : meta.body === 'binary' ? { body: 'x', headers } : {}),
        });
        expect(res.status, `${meta.method} ${meta.path}`).toBe(403);
      }
    }
  });

  it('rejects unknown, revoked and expired tokens', async () => {
    const bogus = await server.api('GET', '/api/v1/models', { token: 'wdn_' + 'x'.repeat(43) });
    expect(bogus.status).toBe(401);
    const created = await server.api('POST', '/api/v1/tokens', {
      body: { principal: 'temp', roles: ['viewer'] },
    });
    expect(created.status).toBe(201);
    expect((await server.api('GET', '/api/v1/models', { token: created.body.token })).status).toBe(200);
    expect((await server.api('POST', `/api/v1/tokens/${created.body.id}/revoke`)).status).toBe(200);
    expect((await server.api('GET', '/api/v1/models', { token: created.body.token })).status).toBe(401);
    const listed = await server.api('GET', '/api/v1/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect(
      listed.body.items.every((t: Record<string, unknown>) => !('token' in t) && !('tokenHash' in t)),
    ).toBe(true);
  });

  it('refuses tokens with unknown roles and past expiry dates', async () => {
    const badRole = await server.api('POST', '/api/v1/tokens', {
      body: { principal: 'x', roles: ['superuser'] },
    });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.field).toBe('roles');
    const past = await server.api('POST', '/api/v1/tokens', {
      body: { principal: 'x', roles: ['viewer'], expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect(past.body.error.field).toBe('expiresAt');
  });

  it('refuses cross-origin writes from browsers and non-JSON bodies, and audits the refusal', async () => {
    const cross = await server.api('POST', '/api/v1/models', {
      body: { name: 'evil', owner: 'x', riskTier: 3 },
      headers: { origin: 'http://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect(cross.body.error.message).toBe('cross-origin write refused (Origin: http://evil.example)');
    const fetched = await server.api('POST', '/api/v1/models', {
      body: { name: 'evil', owner: 'x', riskTier: 3 },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(fetched.status).toBe(403);
    expect(fetched.body.error.message).toBe('cross-origin write refused (Sec-Fetch-Site: cross-site)');
    const form = await server.api('POST', '/api/v1/models', {
      body: 'name=evil&owner=x&riskTier=3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const plain = await server.api('POST', '/api/v1/models', {
      body: JSON.stringify({ name: 'evil', owner: 'x', riskTier: 3 }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    expect((await server.api('GET', '/api/v1/models/evil')).status).toBe(404);
    await server.ctx.denials.flush();
    const denied = await server.api('GET', '/api/v1/audit?action=access.denied');
    expect(denied.body.items.some((e: { change: { code: string } }) => e.change.code === 'forbidden')).toBe(
      true,
    );
  });

  it('audits refused writes by unauthenticated callers', async () => {
    await server.api('POST', '/api/v1/models', { token: null, body: { name: 'm', owner: 'o', riskTier: 3 } });
    await server.ctx.denials.flush();
    const denied = await server.api('GET', '/api/v1/audit?action=access.denied&actor=anonymous');
    expect(
      denied.body.items.some((e: { change: { code: string } }) => e.change.code === 'unauthenticated'),
    ).toBe(true);
  });

  it('serves an OpenAPI 3.1 document generated from the request schemas', async () => {
    const res = await server.api('GET', '/api/v1/openapi.json', { token: null });
    expect(res.body.openapi).toBe('3.1.0');
    const create = res.body.paths['/api/v1/models'].post;
    const schemaRef: string = create.requestBody.content['application/json'].schema.$ref;
    const schema = res.body.components.schemas[schemaRef.split('/').pop()!];
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'owner', 'riskTier']));
    expect(schema.additionalProperties).toBe(false);
    const docs = await fetch(server.url + '/docs');
    expect(await docs.text()).toContain('/docs/swagger-ui-bundle.js');
    const init = await fetch(server.url + '/docs/docs-init.js');
    expect(await init.text()).toContain("url: '/api/v1/openapi.json'");
    const bundle = await fetch(server.url + '/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(500_000);
  });
});

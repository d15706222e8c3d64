import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { loadConfig, type OidcConfig } from '../config/config.js';

const ISSUER = 'https://idp.example.test/realms/bank';
const AUDIENCE = 'warden-api';

interface TestKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(kid: string, alg: 'RS256' | 'ES256' | 'EdDSA'): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk };
}

interface SignOptions {
  iss?: string;
  aud?: string | string[];
  /** Seconds from now. */
  exp?: number;
  nbf?: number;
}

/** A signed JWT with `iss`, `aud` and `exp` (5 minutes ahead) unless overridden. */
async function sign(key: TestKey, claims: JWTPayload, o: SignOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.exp ?? 300));
  if (o.nbf !== undefined) jwt.setNotBefore(now + o.nbf);
  return jwt.sign(key.privateKey);
}

function writeJwks(dir: string, keys: TestKey[]): string {
  const file = path.join(dir, 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  return file;
}

function oidcConfig(over: Partial<OidcConfig>): OidcConfig {
  return {
    issuer: ISSUER,
    audience: [AUDIENCE],
    principalClaim: 'sub',
    rolesClaim: 'roles',
    jwksCooldownSeconds: 30,
    ...over,
  };
}

type AuditEntry = { actor: string; action: string; subject: string; change: Record<string, unknown> };

describeEachBackend('OIDC JWT bearer authentication (JWKS file)', (backend) => {
  let server: TestServer;
  let mapped: TestServer;
  let dir: string;
  let rsa: TestKey;
  let ed: TestKey;
  let stranger: TestKey;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-oidc-'));
    rsa = await makeKey('rsa-1', 'RS256');
    ed = await makeKey('ed-1', 'EdDSA');
    // Same key id as the published RSA key, but a key the provider never published.
    stranger = await makeKey('rsa-1', 'RS256');
    const jwksFile = writeJwks(dir, [rsa, ed]);
    server = await startTestServer(backend, { config: { oidc: oidcConfig({ jwksFile }) } });
    // Configured as an operator would: through the environment.
    const fromEnv = loadConfig(
      { dataDir: dir },
      {
        WARDEN_OIDC_ISSUER: ISSUER,
        WARDEN_OIDC_AUDIENCE: `other-api, ${AUDIENCE}`,
        WARDEN_OIDC_JWKS_FILE: jwksFile,
        WARDEN_OIDC_PRINCIPAL_CLAIM: 'preferred_username',
        WARDEN_OIDC_ROLES_CLAIM: 'groups',
        WARDEN_OIDC_ROLE_MAP: 'ml-platform=mlops,risk-validation=validator,ml-platform=ml-engineer',
      },
    ).oidc;
    mapped = await startTestServer(backend, { config: { oidc: fromEnv } });
  });
  afterAll(async () => {
    await server.close();
    await mapped.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const createModel = (s: TestServer, token: string, name: string) =>
    s.api('POST', '/api/v1/models', { token, body: { name, owner: 'risk', riskTier: 3 } });
  const audit = async (s: TestServer, query: string): Promise<AuditEntry[]> =>
    (await s.api('GET', `/api/v1/audit?${query}`)).body.items as AuditEntry[];

  it('accepts an RS256 token from the provider and audits its writes as oidc:<sub>', async () => {
    const token = await sign(rsa, { sub: 'alice', roles: ['data-scientist'], jti: 'j-1' });
    const who = await server.api('GET', '/api/v1/whoami', { token });
    expect(who.status).toBe(200);
    expect(who.body).toEqual({ principal: 'oidc:alice', roles: ['data-scientist'], tokenId: 'oidc:j-1' });

    const created = await createModel(server, token, 'churn');
    expect(created.status).toBe(201);
    const entries = await audit(server, 'action=model.created&actor=oidc:alice');
    expect(entries.map((e) => e.subject)).toEqual(['model:churn']);
  });

  it('accepts an Ed25519 (EdDSA) token', async () => {
    const token = await sign(ed, { sub: 'bob', roles: 'ml-engineer' });
    const who = await server.api('GET', '/api/v1/whoami', { token });
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ principal: 'oidc:bob', roles: ['ml-engineer'], tokenId: 'oidc' });
  });

  it('refuses expired, not-yet-valid and wrongly addressed tokens with 401 and a reason', async () => {
    const cases: [string, string, RegExp][] = [
      ['expired', await sign(rsa, { sub: 'alice', roles: ['admin'] }, { exp: -120 }), /expired/],
      ['not yet valid', await sign(rsa, { sub: 'alice', roles: ['admin'] }, { nbf: 120 }), /not valid yet/],
      [
        'other issuer',
        await sign(rsa, { sub: 'alice', roles: ['admin'] }, { iss: 'https://evil.test' }),
        /issuer/,
      ],
      [
        'other audience',
        await sign(rsa, { sub: 'alice', roles: ['admin'] }, { aud: 'another-api' }),
        /audience/,
      ],
      ['signed by another key', await sign(stranger, { sub: 'alice', roles: ['admin'] }), /signature/],
      [
        'unknown key id',
        await sign({ ...stranger, kid: 'rsa-9' }, { sub: 'alice', roles: ['admin'] }),
        /not signed by a key/,
      ],
      ['no principal claim', await sign(rsa, { roles: ['admin'] }), /"sub" claim/],
    ];
    for (const [label, token, reason] of cases) {
      const res = await server.api('GET', '/api/v1/models', { token });
      expect(res.status, label).toBe(401);
      expect(res.body.error.code, label).toBe('unauthenticated');
      expect(res.body.error.message, label).toMatch(reason);
      expect(res.body.error.message, label).not.toMatch(/-----BEGIN|"n":|"x":/);
    }
  });

  it('allows 30 seconds of clock skew, no more', async () => {
    const slightlyStale = await sign(rsa, { sub: 'alice', roles: ['viewer'] }, { exp: -10 });
    expect((await server.api('GET', '/api/v1/models', { token: slightlyStale })).status).toBe(200);
    const stale = await sign(rsa, { sub: 'alice', roles: ['viewer'] }, { exp: -45 });
    expect((await server.api('GET', '/api/v1/models', { token: stale })).status).toBe(401);
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ sub: 'alice', roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(rsa.privateKey);
    const res = await server.api('GET', '/api/v1/models', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/"exp"/);
  });

  it('refuses unsigned (alg none) and HMAC tokens, including HMAC keyed with the public key', async () => {
    const claims = { sub: 'mallory', roles: ['admin'] };
    const unsigned = new UnsecuredJWT(claims)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .encode();
    expect(unsigned.split('.')).toHaveLength(3);
    const secret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(secret);
    for (const token of [unsigned, hmac]) {
      const res = await createModel(server, token, 'forged');
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(/algorithm is not accepted/);
    }
    expect((await server.api('GET', '/api/v1/models/forged')).status).toBe(404);
    await server.ctx.denials.flush();
    const denied = await audit(server, 'action=access.denied&actor=anonymous');
    expect(denied.some((e) => /algorithm is not accepted/.test(String(e.change.reason)))).toBe(true);
  });

  it('takes only Warden roles from the claim and refuses writes to a viewer, auditing the refusal', async () => {
    const viewer = await sign(rsa, { sub: 'vic', roles: 'viewer superuser' });
    expect((await server.api('GET', '/api/v1/whoami', { token: viewer })).body.roles).toEqual(['viewer']);
    expect((await server.api('GET', '/api/v1/models', { token: viewer })).status).toBe(200);
    const write = await createModel(server, viewer, 'nope');
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('forbidden');
    await server.ctx.denials.flush();
    const denied = await audit(server, 'action=access.denied&actor=oidc:vic');
    expect(denied).toHaveLength(1);
    expect(denied[0]!.change).toMatchObject({ code: 'forbidden', path: '/api/v1/models' });
  });

  it('gives a token with no Warden role 403 on every role-guarded route, but still says who it is', async () => {
    const nobody = await sign(rsa, { sub: 'nora', roles: ['payroll', 'finance'] });
    const who = await server.api('GET', '/api/v1/whoami', { token: nobody });
    expect(who.body).toMatchObject({ principal: 'oidc:nora', roles: [] });
    const read = await server.api('GET', '/api/v1/models', { token: nobody });
    expect(read.status).toBe(403);
    expect(read.body.error.message).toMatch(/oidc:nora holds no Warden role/);
    expect((await createModel(server, nobody, 'x')).status).toBe(403);
  });

  it('maps provider groups to roles through the role map, ignoring unmapped groups', async () => {
    const platform = await sign(ed, {
      sub: 'u-123',
      preferred_username: 'pat',
      groups: ['ml-platform', 'staff'],
    });
    const who = await mapped.api('GET', '/api/v1/whoami', { token: platform });
    expect(who.body.principal).toBe('oidc:pat');
    expect([...who.body.roles].sort()).toEqual(['ml-engineer', 'mlops']);
    expect((await createModel(mapped, platform, 'fraud')).status).toBe(201);

    // With a role map, a group that happens to be named like a role gives nothing.
    const literal = await sign(rsa, { preferred_username: 'ada', groups: 'admin' });
    expect((await mapped.api('GET', '/api/v1/whoami', { token: literal })).body.roles).toEqual([]);
    expect((await mapped.api('GET', '/api/v1/models', { token: literal })).status).toBe(403);

    const validator = await sign(rsa, { preferred_username: 'val', groups: 'risk-validation' });
    expect((await mapped.api('GET', '/api/v1/whoami', { token: validator })).body.roles).toEqual([
      'validator',
    ]);
    expect((await createModel(mapped, validator, 'y')).status).toBe(403);
  });

  it('re-reads the JWKS file when it changes, so a rotated key works without a restart', async () => {
    const rotated = await makeKey('rsa-2', 'RS256');
    const token = await sign(rotated, { sub: 'rita', roles: ['viewer'] });
    expect((await server.api('GET', '/api/v1/models', { token })).status).toBe(401);
    const file = writeJwks(dir, [rsa, ed, rotated]);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the file is looked at once a second
    expect((await server.api('GET', '/api/v1/models', { token })).status).toBe(200);
  });

  it('keeps opaque wdn_ tokens working beside JWTs', async () => {
    const local = await server.tokenFor('alice', ['viewer']);
    const who = await server.api('GET', '/api/v1/whoami', { token: local });
    expect(who.body).toMatchObject({ principal: 'alice', roles: ['viewer'] });
    expect(who.body.tokenId).toMatch(/^tok_/);
  });

  it('does not issue local tokens to oidc: names, so neither kind can pose as the other', async () => {
    const res = await server.api('POST', '/api/v1/tokens', {
      body: { principal: 'oidc:alice', roles: ['admin'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('principal');
  });

  it('applies separation of duties to the JWT principal by name', async () => {
    const dana = await sign(rsa, { sub: 'dana', roles: ['data-scientist', 'ml-engineer'] });
    expect(
      (
        await server.api('POST', '/api/v1/models', {
          token: dana,
          body: { name: 'sod', owner: 'o', riskTier: 1 },
        })
      ).status,
    ).toBe(201);
    expect(
      (await server.api('POST', '/api/v1/models/sod/versions', { token: dana, body: versionBody('1.0.0') }))
        .status,
    ).toBe(201);
    const cr = await server.api('POST', '/api/v1/models/sod/versions/1.0.0/transitions', {
      token: dana,
      body: { to: 'staging', reason: 'ready' },
    });
    expect(cr.status).toBe(201);
    const self = await server.api('POST', `/api/v1/change-requests/${cr.body.id}/decisions`, {
      token: dana,
      body: { decision: 'approve', role: 'ml-engineer' },
    });
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/oidc:dana opened this change request/);
    // A local token for "dana" is another principal and may approve.
    const localDana = await server.tokenFor('dana', ['ml-engineer']);
    const other = await server.api('POST', `/api/v1/change-requests/${cr.body.id}/decisions`, {
      token: localDana,
      body: { decision: 'approve', role: 'ml-engineer' },
    });
    expect(other.status).toBe(200);
  });
});

describeEachBackend('OIDC not configured', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  it('answers a JWT-looking bearer with 401', async () => {
    const key = await makeKey('k', 'RS256');
    const token = await sign(key, { sub: 'alice', roles: ['admin'] });
    const res = await server.api('GET', '/api/v1/models', { token });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/OIDC/) });
    expect((await server.api('GET', '/api/v1/models')).status).toBe(200);
  });
});

/** A tiny identity provider serving its JWKS on the loopback interface, counting fetches. */
async function startJwksServer(initial: JSONWebKeySet) {
  const state = { jwks: initial, fetches: 0, fail: false };
  const srv = http.createServer((req, res) => {
    if (req.url !== '/jwks.json') return res.writeHead(404).end();
    state.fetches++;
    if (state.fail) return res.writeHead(500).end('down');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.jwks));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    state,
    url: `http://127.0.0.1:${port}/jwks.json`,
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
}

describeEachBackend('OIDC JWT bearer authentication (JWKS URL)', (backend) => {
  let server: TestServer;
  let idp: Awaited<ReturnType<typeof startJwksServer>>;
  let first: TestKey;
  let second: TestKey;

  beforeAll(async () => {
    first = await makeKey('2025-01', 'ES256');
    second = await makeKey('2025-02', 'RS256');
    idp = await startJwksServer({ keys: [first.jwk] });
    server = await startTestServer(backend, {
      config: { oidc: oidcConfig({ jwksUrl: idp.url, jwksCooldownSeconds: 0 }) },
    });
  });
  afterAll(async () => {
    await server.close();
    await idp.close();
  });

  it('fetches the keys once, caches them, and picks up a rotated key by its new kid', async () => {
    const before = idp.state.fetches;
    const a = await sign(first, { sub: 'alice', roles: ['viewer'] });
    expect((await server.api('GET', '/api/v1/models', { token: a })).status).toBe(200);
    expect((await server.api('GET', '/api/v1/models', { token: a })).status).toBe(200);
    expect(idp.state.fetches - before).toBe(1);

    // The provider rotates: the new key is published and the old one withdrawn.
    idp.state.jwks = { keys: [second.jwk] };
    const b = await sign(second, { sub: 'alice', roles: ['viewer'] });
    expect((await server.api('GET', '/api/v1/models', { token: b })).status).toBe(200);
    expect(idp.state.fetches - before).toBe(2);
    const old = await server.api('GET', '/api/v1/models', { token: a });
    expect(old.status).toBe(401);
    expect(old.body.error.message).toMatch(/not signed by a key/);
  });

  it('answers 503 when the provider’s keys cannot be fetched', async () => {
    idp.state.fail = true;
    try {
      const unknown = await makeKey('2025-03', 'RS256');
      const res = await server.api('GET', '/api/v1/models', { token: await sign(unknown, { sub: 'a' }) });
      expect(res.status).toBe(503);
      expect(res.body.error).toEqual({
        code: 'unavailable',
        message: 'the identity provider’s signing keys could not be fetched',
      });
    } finally {
      idp.state.fail = false;
    }
  });
});

/** An identity provider on the loopback interface publishing an OpenID discovery document and its JWKS. */
async function startDiscoveryServer(keys: JSONWebKeySet) {
  const state = { discoveries: 0, up: true, claimedIssuer: undefined as string | undefined };
  const srv = http.createServer((req, res) => {
    const { port } = srv.address() as AddressInfo;
    const issuer = `http://127.0.0.1:${port}/realms/bank`;
    if (!state.up) return res.writeHead(503).end('down');
    if (req.url === '/realms/bank/.well-known/openid-configuration') {
      state.discoveries++;
      const document = { issuer: state.claimedIssuer ?? issuer, jwks_uri: `${issuer}/certs` };
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
    }
    if (req.url === '/realms/bank/certs')
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keys));
    return res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    state,
    issuer: `http://127.0.0.1:${port}/realms/bank`,
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
}

describeEachBackend('OIDC JWT bearer authentication (discovery from the issuer)', (backend) => {
  let server: TestServer;
  let idp: Awaited<ReturnType<typeof startDiscoveryServer>>;
  let key: TestKey;

  beforeAll(async () => {
    key = await makeKey('disc-1', 'RS256');
    idp = await startDiscoveryServer({ keys: [key.jwk] });
    server = await startTestServer(backend, { config: { oidc: oidcConfig({ issuer: idp.issuer }) } });
  });
  afterAll(async () => {
    await server.close();
    await idp.close();
  });

  it('reads jwks_uri from the issuer’s discovery document, once it is reachable, and keeps it', async () => {
    const token = await sign(key, { sub: 'alice', roles: ['viewer'] }, { iss: idp.issuer });
    idp.state.up = false;
    expect((await server.api('GET', '/api/v1/models', { token })).status).toBe(503);
    idp.state.up = true;
    expect((await server.api('GET', '/api/v1/models', { token })).status).toBe(200);
    expect((await server.api('GET', '/api/v1/models', { token })).status).toBe(200);
    expect(idp.state.discoveries).toBe(1);
  });

  it('refuses keys from a discovery document that names another issuer', async () => {
    const other = await makeKey('disc-2', 'RS256');
    const fresh = await startDiscoveryServer({ keys: [other.jwk] });
    fresh.state.claimedIssuer = 'https://elsewhere.example';
    const impostor = await startTestServer(backend, {
      config: { oidc: oidcConfig({ issuer: fresh.issuer }) },
    });
    try {
      const token = await sign(other, { sub: 'mallory', roles: ['admin'] }, { iss: fresh.issuer });
      const res = await impostor.api('GET', '/api/v1/models', { token });
      expect(res.status).toBe(503);
      expect(fresh.state.discoveries).toBe(1);
    } finally {
      await impostor.close();
      await fresh.close();
    }
  });
});

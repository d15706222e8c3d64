import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  base64url,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcConfig } from '../config/config.js';
import { WardenError } from '../core/errors.js';
import { createOidcVerifier, type OidcVerifier } from './oidc-verifier.js';

const ISSUER = 'https://idp.example.test/realms/bank';
const AUDIENCE = 'warden-api';

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function token(claims: JWTPayload) {
  return new SignJWT({ sub: 'alice', roles: ['mlops'], ...claims })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime(nowSeconds() + 300);
}

/** The code a refused token gets, or `accepted` with the caller's name. */
async function outcome(verifier: OidcVerifier, jwt: string): Promise<string> {
  try {
    return `accepted ${(await verifier.verify(jwt, new Date())).name}`;
  } catch (error) {
    if (error instanceof WardenError) return `${error.code}: ${error.message}`;
    throw error;
  }
}

describe('OIDC verifier: hostile headers and claims', () => {
  let dir: string;
  let published: TestKey;
  let attacker: TestKey;
  let verifier: OidcVerifier;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-oidc-verifier-'));
    published = await makeKey('idp-1');
    attacker = await makeKey('evil-1');
    const jwksFile = path.join(dir, 'jwks.json');
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [published.jwk] }));
    const config: OidcConfig = {
      issuer: ISSUER,
      audience: [AUDIENCE],
      jwksFile,
      principalClaim: 'sub',
      rolesClaim: 'roles',
      jwksCooldownSeconds: 30,
    };
    verifier = createOidcVerifier(config);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts a plain token from the published key (the baseline the attacks below vary)', async () => {
    const jwt = await token({}).setProtectedHeader({ alg: 'RS256', kid: 'idp-1' }).sign(published.privateKey);
    expect(await outcome(verifier, jwt)).toBe('accepted oidc:alice');
  });

  it('ignores an embedded jwk header: the attacker’s own key does not verify', async () => {
    const jwt = await token({})
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1', jwk: attacker.jwk })
      .sign(attacker.privateKey);
    expect(await outcome(verifier, jwt)).toMatch(/^unauthenticated: token signature does not verify/);
  });

  it('ignores jku and x5u headers pointing at the attacker’s keys', async () => {
    for (const header of [
      { jku: 'https://evil.example/jwks.json', kid: 'evil-1' },
      { x5u: 'https://evil.example/cert.pem', kid: 'evil-1' },
    ]) {
      const jwt = await token({})
        .setProtectedHeader({ alg: 'RS256', ...header })
        .sign(attacker.privateKey);
      expect(await outcome(verifier, jwt)).toMatch(/^unauthenticated: token is not signed by a key/);
    }
  });

  it('refuses a critical header it does not understand, even when signed by the published key', async () => {
    // jose will not sign an unknown crit itself, so the token is assembled by hand.
    const header = base64url.encode(
      JSON.stringify({ alg: 'RS256', kid: 'idp-1', crit: ['x-bank-policy'], 'x-bank-policy': 1 }),
    );
    const payload = base64url.encode(
      JSON.stringify({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 300 }),
    );
    const signature = new Uint8Array(
      await crypto.subtle.sign(
        'RSASSA-PKCS1-v1_5',
        published.privateKey,
        new TextEncoder().encode(`${header}.${payload}`),
      ),
    );
    const forged = `${header}.${payload}.${base64url.encode(signature)}`;
    expect(await outcome(verifier, forged)).toMatch(/^unauthenticated: token is not a valid JWT/);
  });

  it('treats audience as a list: any configured audience among several in the token is enough', async () => {
    const ok = await token({})
      .setAudience(['other', AUDIENCE])
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
      .sign(published.privateKey);
    expect(await outcome(verifier, ok)).toBe('accepted oidc:alice');
    const none = await token({})
      .setAudience([])
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
      .sign(published.privateKey);
    expect(await outcome(verifier, none)).toMatch(/audience is not accepted/);
  });

  it('finds the key without a kid when the set has one key of the type', async () => {
    const jwt = await token({}).setProtectedHeader({ alg: 'RS256' }).sign(published.privateKey);
    expect(await outcome(verifier, jwt)).toBe('accepted oidc:alice');
  });

  it('refuses a principal claim that is missing, empty, not a string, or holds control characters', async () => {
    const unusable = [undefined, '', '   ', 42, ['alice'], { id: 'alice' }, 'x'.repeat(201)];
    // Audit entries, CLI tables and logs show the name: no line breaks, escapes or bidi overrides.
    const hostile = [
      'alice\nbob',
      'alice\r',
      'eve\u001b[2J',
      'tab\there',
      'x\u0085y',
      'a\u2028b',
      'bob\u202egnp.exe',
    ];
    for (const sub of [...unusable, ...hostile]) {
      const claims: JWTPayload = { roles: ['mlops'] };
      const jwt = await new SignJWT(sub === undefined ? claims : { ...claims, sub: sub as string })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime(nowSeconds() + 300)
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
        .sign(published.privateKey);
      expect(await outcome(verifier, jwt), JSON.stringify(sub)).toMatch(
        /^unauthenticated: token has no usable "sub" claim/,
      );
    }
  });

  it('keeps ordinary identifiers as they are (email addresses, UUIDs, non-ASCII names)', async () => {
    for (const sub of ['a.b+c@bank.example', '248289761001', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'zoë']) {
      const jwt = await token({ sub })
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
        .sign(published.privateKey);
      expect(await outcome(verifier, jwt)).toBe(`accepted oidc:${sub}`);
    }
  });
});

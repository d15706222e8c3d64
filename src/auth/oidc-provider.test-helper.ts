import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** The user the provider signs in next, and how it misbehaves (for the refusal tests). */
export interface ProviderUser {
  sub: string;
  groups: string[];
  name?: string;
}

export interface ProviderBehaviour {
  /** The authorize endpoint answers `error=access_denied` (consent declined). */
  deny?: boolean;
  /** The authorize endpoint sends the browser back with another state than it was given. */
  tamperState?: boolean;
  /** The token endpoint treats every code as expired (`invalid_grant`). */
  expireCodes?: boolean;
  /** The ID token's `aud` (default: the client id). */
  audience?: string;
  /** The ID token's `nonce` (default: the one the sign-in sent). */
  nonce?: string;
  /** Signs the ID token with a key the JWKS does not publish. */
  foreignKey?: boolean;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  nonce: string;
  challenge: string;
  user: ProviderUser;
  used: boolean;
}

/**
 * A small OpenID Connect provider on 127.0.0.1 for tests: discovery, an authorize endpoint that
 * approves at once and sends the browser back with a code, a token endpoint checking the client's
 * secret, the redirect URI and the PKCE verifier, and a JWKS of an RS256 key made with jose.
 */
export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  user: ProviderUser;
  behaviour: ProviderBehaviour;
  /** Every authorize request's query, newest last. */
  authorizeRequests: URLSearchParams[];
  /** Every token request's form and whether the client authenticated, newest last. */
  tokenRequests: { form: URLSearchParams; clientAuthenticated: boolean }[];
  close(): Promise<void>;
}

async function key(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const readBody = (req: http.IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export async function startTestProvider(options: { clientId?: string; clientSecret?: string } = {}) {
  const signing = await key('test-key-1');
  const foreign = await key('test-key-1');
  const codes = new Map<string, IssuedCode>();
  const provider: TestProvider = {
    issuer: '',
    clientId: options.clientId ?? 'warden-dashboard',
    clientSecret: options.clientSecret ?? 's3cret: with+symbols',
    user: { sub: 'alice', groups: ['risk-validation'], name: 'Alice' },
    behaviour: {},
    authorizeRequests: [],
    tokenRequests: [],
    close: () => Promise.resolve(),
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', provider.issuer);
      if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
        return json(res, 200, {
          issuer: provider.issuer,
          authorization_endpoint: `${provider.issuer}/authorize`,
          token_endpoint: `${provider.issuer}/token`,
          jwks_uri: `${provider.issuer}/jwks`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (req.method === 'GET' && url.pathname === '/jwks') return json(res, 200, { keys: [signing.jwk] });
      if (req.method === 'GET' && url.pathname === '/authorize') {
        const q = url.searchParams;
        provider.authorizeRequests.push(q);
        const back = new URL(q.get('redirect_uri') ?? '');
        back.searchParams.set(
          'state',
          provider.behaviour.tamperState ? 'A'.repeat(43) : (q.get('state') ?? ''),
        );
        if (provider.behaviour.deny) {
          back.searchParams.set('error', 'access_denied');
          back.searchParams.set('error_description', 'The user declined');
        } else {
          const code = randomBytes(16).toString('base64url');
          codes.set(code, {
            clientId: q.get('client_id') ?? '',
            redirectUri: q.get('redirect_uri') ?? '',
            nonce: q.get('nonce') ?? '',
            challenge: q.get('code_challenge') ?? '',
            user: { ...provider.user },
            used: false,
          });
          back.searchParams.set('code', code);
        }
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/token') {
        const form = new URLSearchParams(await readBody(req));
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const [id, secret] = basic
          ? Buffer.from(basic, 'base64')
              .toString('utf8')
              .split(':')
              .map((p) => decodeURIComponent(p.replace(/\+/g, ' ')))
          : [];
        const clientAuthenticated = id === provider.clientId && secret === provider.clientSecret;
        provider.tokenRequests.push({ form, clientAuthenticated });
        if (!clientAuthenticated) return json(res, 401, { error: 'invalid_client' });
        const issued = codes.get(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        if (
          !issued ||
          issued.used ||
          provider.behaviour.expireCodes ||
          form.get('grant_type') !== 'authorization_code' ||
          issued.redirectUri !== form.get('redirect_uri') ||
          createHash('sha256').update(verifier).digest('base64url') !== issued.challenge
        )
          return json(res, 400, { error: 'invalid_grant' });
        issued.used = true;
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({
          nonce: provider.behaviour.nonce ?? issued.nonce,
          groups: issued.user.groups,
          ...(issued.user.name ? { name: issued.user.name } : {}),
        })
          .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', typ: 'JWT' })
          .setIssuer(provider.issuer)
          .setSubject(issued.user.sub)
          .setAudience(provider.behaviour.audience ?? issued.clientId)
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(provider.behaviour.foreignKey ? foreign.privateKey : signing.privateKey);
        return json(res, 200, {
          access_token: randomBytes(16).toString('base64url'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        });
      }
      json(res, 404, { error: 'not_found' });
    })().catch((error: unknown) => json(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return provider;
}

/** Warden's OIDC configuration for the provider: groups mapped to roles. */
export function oidcConfigFor(provider: TestProvider) {
  return {
    issuer: provider.issuer,
    audience: ['warden-api'],
    principalClaim: 'sub',
    rolesClaim: 'groups',
    roleMap: {
      'risk-validation': ['validator' as const],
      'ml-platform': ['ml-engineer' as const],
      readers: ['viewer' as const],
    },
    jwksCooldownSeconds: 30,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    providerName: 'Test IdP',
  };
}

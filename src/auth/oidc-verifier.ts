import fs from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { isSecureProviderUrl, type OidcConfig } from '../config/config.js';
import { invalidInput, WardenError } from '../core/errors.js';
import { principalFromClaims, rolesFromClaims } from './oidc-claims.js';
import type { Role } from './roles.js';

/** Asymmetric signatures only: `none` and the HMAC family (whose key would be a shared secret) are refused. */
const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** Clocks of the provider and this server may differ by this much. */
const OIDC_CLOCK_TOLERANCE_SECONDS = 30;

const JWKS_FETCH_TIMEOUT_MS = 5000;
const JWKS_CACHE_MAX_AGE_MS = 10 * 60 * 1000;
const JWKS_FILE_CHECK_MS = 1000;

/** The caller a valid identity-provider JWT names. */
export interface OidcIdentity {
  /** `oidc:<principal claim>`. */
  name: string;
  roles: Role[];
  /** `oidc`, or `oidc:<jti>` when the token carries an id. */
  tokenId: string;
}

export interface OidcVerifier {
  /** Verifies signature, `iss`, `aud`, `exp` and `nbf` at `now`; throws `unauthenticated` (or `unavailable` when keys cannot be fetched). */
  verify(jwt: string, now: Date): Promise<OidcIdentity>;
  /**
   * Verifies an ID token from dashboard sign-in: signature, `iss`, `exp`, `aud` naming the client
   * (and `azp` when it names others too) and the sign-in's `nonce`; throws `unauthenticated`.
   */
  verifyIdToken(
    jwt: string,
    now: Date,
    expect: { clientId: string; nonce: string },
  ): Promise<OidcIdentity & { subject: string | undefined }>;
}

/** Marks a failure to obtain keys, as opposed to a token that does not verify. */
class KeySourceUnavailable extends Error {}

function readJwksFile(file: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalidInput(`cannot read the JWKS file ${file}: ${(error as Error).message}`, 'oidc.jwksFile');
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as JSONWebKeySet).keys)) {
    throw invalidInput(`the JWKS file ${file} has no "keys" array`, 'oidc.jwksFile');
  }
  return parsed as JSONWebKeySet;
}

/** Keys from a file, read now (so a bad file stops start-up) and again whenever the file changes. */
function fileKeySource(file: string): JWTVerifyGetKey {
  const stamp = (s: fs.Stats) => `${s.mtimeMs}:${s.size}`;
  const keys = createLocalJWKSet(readJwksFile(file));
  let current = { stamp: stamp(fs.statSync(file)), keys };
  let checkedAt = Date.now();
  return async (header, token) => {
    if (Date.now() - checkedAt >= JWKS_FILE_CHECK_MS) {
      checkedAt = Date.now();
      try {
        const seen = stamp(await fs.promises.stat(file));
        if (seen !== current.stamp) current = { stamp: seen, keys: createLocalJWKSet(readJwksFile(file)) };
      } catch {
        // A file caught mid-rewrite (or briefly missing) leaves the keys read last in force.
      }
    }
    return current.keys(header, token);
  };
}

/** Keys from the provider's JWKS URL, cached, refetched when stale or when an unknown key id arrives. */
function remoteKeySource(url: string, cooldownSeconds: number): JWTVerifyGetKey {
  const keys = createRemoteJWKSet(new URL(url), {
    timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
    cooldownDuration: cooldownSeconds * 1000,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
  });
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw new KeySourceUnavailable();
    }
  };
}

/**
 * Keys found through OpenID Connect discovery: the issuer's `/.well-known/openid-configuration`
 * names its `jwks_uri`. The document must name the configured issuer exactly, and the key URL must
 * be https (plain http only on the loopback interface). Discovery runs on first use and again
 * after a failure, so a provider that is down at start-up does not keep the server from starting.
 */
function discoveredKeySource(issuer: string, cooldownSeconds: number): JWTVerifyGetKey {
  let found: Promise<JWTVerifyGetKey> | undefined;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, {
      signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
      redirect: 'error',
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new KeySourceUnavailable();
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (
      document.issuer !== issuer ||
      typeof document.jwks_uri !== 'string' ||
      !URL.canParse(document.jwks_uri)
    )
      throw new KeySourceUnavailable();
    const jwks = new URL(document.jwks_uri);
    if (!isSecureProviderUrl(jwks)) throw new KeySourceUnavailable();
    return remoteKeySource(jwks.href, cooldownSeconds);
  };
  return async (header, token) => {
    found ??= discover().catch((error: unknown) => {
      found = undefined;
      throw error instanceof KeySourceUnavailable ? error : new KeySourceUnavailable();
    });
    return (await found)(header, token);
  };
}

/** A one-line reason for a refused token; never key material or the provider's response. */
function reasonFor(error: unknown): WardenError {
  const refuse = (message: string) => new WardenError('unauthenticated', message);
  if (error instanceof WardenError) return error;
  if (error instanceof KeySourceUnavailable) {
    return new WardenError('unavailable', 'the identity provider’s signing keys could not be fetched');
  }
  if (error instanceof errors.JWTExpired) return refuse('token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return refuse('token issuer is not accepted');
    if (error.claim === 'aud') return refuse('token audience is not accepted');
    if (error.claim === 'nbf') return refuse('token is not valid yet');
    if (error.reason === 'missing') return refuse(`token lacks the "${error.claim}" claim`);
    return refuse(`token claim "${error.claim}" is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return refuse('token algorithm is not accepted (asymmetric signatures only)');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return refuse('token signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return refuse('token is not signed by a key the identity provider publishes');
  }
  return refuse('token is not a valid JWT');
}

/** Builds the verifier from configuration; a JWKS file is read at once, a JWKS URL on first use. */
export function createOidcVerifier(config: OidcConfig): OidcVerifier {
  const keys = config.jwksFile
    ? fileKeySource(config.jwksFile)
    : config.jwksUrl
      ? remoteKeySource(config.jwksUrl, config.jwksCooldownSeconds)
      : discoveredKeySource(config.issuer, config.jwksCooldownSeconds);
  const identityOf = (payload: Record<string, unknown>): OidcIdentity => ({
    name: principalFromClaims(payload, config.principalClaim),
    roles: rolesFromClaims(payload, config.rolesClaim, config.roleMap),
    tokenId: typeof payload.jti === 'string' && payload.jti !== '' ? `oidc:${payload.jti}` : 'oidc',
  });
  return {
    async verifyIdToken(jwt, now, expect) {
      try {
        const { payload } = await jwtVerify(jwt, keys, {
          issuer: config.issuer,
          audience: expect.clientId,
          algorithms: [...OIDC_ALGORITHMS],
          requiredClaims: ['exp', 'iat'],
          clockTolerance: OIDC_CLOCK_TOLERANCE_SECONDS,
          currentDate: now,
        });
        if (payload.nonce !== expect.nonce)
          throw new WardenError('unauthenticated', 'ID token nonce does not match this sign-in');
        if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expect.clientId)
          throw new WardenError(
            'unauthenticated',
            'ID token names other audiences and is not issued to Warden (azp)',
          );
        return {
          ...identityOf(payload),
          subject: typeof payload.sub === 'string' ? payload.sub : undefined,
        };
      } catch (error) {
        throw reasonFor(error);
      }
    },
    async verify(jwt, now) {
      try {
        const { payload } = await jwtVerify(jwt, keys, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [...OIDC_ALGORITHMS],
          requiredClaims: ['exp'],
          clockTolerance: OIDC_CLOCK_TOLERANCE_SECONDS,
          currentDate: now,
        });
        return identityOf(payload);
      } catch (error) {
        throw reasonFor(error);
      }
    },
  };
}

import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = { WARDEN_OIDC_ISSUER: 'https://idp.example', WARDEN_OIDC_AUDIENCE: 'warden' };

describe('OIDC configuration', () => {
  it('is off unless an issuer is set', () => {
    expect(loadConfig({ dataDir: '/tmp/w' }, {}).oidc).toBeUndefined();
  });

  it('refuses OIDC settings without an issuer', () => {
    expect(() => loadConfig({}, { WARDEN_OIDC_AUDIENCE: 'warden' })).toThrow(
      /WARDEN_OIDC_AUDIENCE is set but WARDEN_OIDC_ISSUER is not/,
    );
  });

  it('reads the environment with defaults sub and roles', () => {
    const oidc = loadConfig({}, { ...base, WARDEN_OIDC_JWKS_URL: 'https://idp.example/jwks' }).oidc;
    expect(oidc).toEqual({
      issuer: 'https://idp.example',
      audience: ['warden'],
      jwksUrl: 'https://idp.example/jwks',
      principalClaim: 'sub',
      rolesClaim: 'roles',
      jwksCooldownSeconds: 30,
    });
  });

  it('lets flags win over the environment', () => {
    const oidc = loadConfig(
      { oidcIssuer: 'https://other.example', oidcJwksFile: 'keys.json', oidcPrincipalClaim: 'email' },
      { ...base, WARDEN_OIDC_JWKS_FILE: 'ignored.json' },
    ).oidc!;
    expect(oidc.issuer).toBe('https://other.example');
    expect(oidc.jwksFile).toBe(`${process.cwd()}/keys.json`);
    expect(oidc.principalClaim).toBe('email');
  });

  it('reads the dashboard sign-in settings', () => {
    const oidc = loadConfig(
      {},
      {
        ...base,
        WARDEN_OIDC_CLIENT_ID: 'warden-dashboard',
        WARDEN_OIDC_CLIENT_SECRET: 's',
        WARDEN_OIDC_REDIRECT_URL: 'https://warden.example/auth/oidc/callback',
        WARDEN_OIDC_PROVIDER_NAME: 'Bank SSO',
        WARDEN_OIDC_AUTHORIZATION_URL: 'http://127.0.0.1:9000/authorize',
      },
    ).oidc;
    expect(oidc).toMatchObject({
      clientId: 'warden-dashboard',
      clientSecret: 's',
      redirectUrl: 'https://warden.example/auth/oidc/callback',
      providerName: 'Bank SSO',
      authorizationUrl: 'http://127.0.0.1:9000/authorize',
    });
  });

  it.each([
    [{ ...base, WARDEN_OIDC_ISSUER: 'warden-idp' }, /oidc\.issuer: must be an https URL to discover/],
    [{ ...base, WARDEN_OIDC_ISSUER: 'http://idp.example' }, /oidc\.issuer: must use https/],
    [{ ...base, WARDEN_OIDC_JWKS_URL: 'https://a/j', WARDEN_OIDC_JWKS_FILE: 'j.json' }, /at most one/],
    [{ ...base, WARDEN_OIDC_AUDIENCE: '', WARDEN_OIDC_JWKS_FILE: 'j.json' }, /oidc\.audience/],
    [{ ...base, WARDEN_OIDC_JWKS_URL: 'http://idp.example/jwks' }, /must use https/],
    [{ ...base, WARDEN_OIDC_JWKS_URL: 'ftp://idp.example/jwks' }, /oidc\.jwksUrl/],
    [{ ...base, WARDEN_OIDC_JWKS_URL: 'not a url' }, /configuration: oidc\.jwksUrl/],
    [
      { ...base, WARDEN_OIDC_JWKS_FILE: 'j.json', WARDEN_OIDC_ROLE_MAP: 'ml-platform' },
      /must read group=role/,
    ],
    [
      { ...base, WARDEN_OIDC_JWKS_FILE: 'j.json', WARDEN_OIDC_ROLE_MAP: 'ops=superuser' },
      /oidc\.roleMap\.ops/,
    ],
    [{ ...base, WARDEN_OIDC_JWKS_FILE: 'j.json', WARDEN_OIDC_ROLE_MAP: '{bad' }, /not valid JSON/],
    [
      { ...base, WARDEN_OIDC_JWKS_FILE: 'j.json', WARDEN_OIDC_JWKS_COOLDOWN_SECONDS: '0' },
      /oidc\.jwksCooldownSeconds: must be >= 1/,
    ],
    [
      { ...base, WARDEN_OIDC_CLIENT_SECRET: 'x' },
      /oidc\.clientSecret: is set but WARDEN_OIDC_CLIENT_ID is not/,
    ],
    [
      { ...base, WARDEN_OIDC_CLIENT_ID: 'w', WARDEN_OIDC_REDIRECT_URL: 'https://w.example/callback' },
      /oidc\.redirectUrl: must end with \/auth\/oidc\/callback/,
    ],
    [
      { ...base, WARDEN_OIDC_CLIENT_ID: 'w', WARDEN_OIDC_TOKEN_URL: 'http://idp.example/token' },
      /oidc\.tokenUrl: must use https/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig({}, env)).toThrow(message);
  });

  it('discovers the keys from the issuer when neither a JWKS URL nor a file is set', () => {
    const oidc = loadConfig({}, { ...base }).oidc;
    expect(oidc).toMatchObject({ issuer: base.WARDEN_OIDC_ISSUER });
    expect(oidc?.jwksUrl).toBeUndefined();
    expect(oidc?.jwksFile).toBeUndefined();
    // a JWKS file names its keys itself, so the issuer need not be a URL then
    expect(
      loadConfig({}, { ...base, WARDEN_OIDC_ISSUER: 'warden-idp', WARDEN_OIDC_JWKS_FILE: 'j.json' }).oidc
        ?.issuer,
    ).toBe('warden-idp');
  });

  it('allows plain http only on the loopback interface', () => {
    const oidc = loadConfig({}, { ...base, WARDEN_OIDC_JWKS_URL: 'http://127.0.0.1:9000/jwks' }).oidc;
    expect(oidc?.jwksUrl).toBe('http://127.0.0.1:9000/jwks');
  });

  it('reads a role map as group=role pairs or as JSON for group names with commas', () => {
    const pairs = loadConfig(
      {},
      {
        ...base,
        WARDEN_OIDC_JWKS_FILE: 'j.json',
        WARDEN_OIDC_ROLE_MAP: 'ml-platform=mlops, risk-validation=validator,ml-platform=ml-engineer',
      },
    ).oidc!.roleMap;
    expect(pairs).toEqual({ 'ml-platform': ['mlops', 'ml-engineer'], 'risk-validation': ['validator'] });
    const json = loadConfig(
      {},
      {
        ...base,
        WARDEN_OIDC_JWKS_FILE: 'j.json',
        WARDEN_OIDC_ROLE_MAP: '{"cn=risk,ou=groups,dc=bank": ["validator", "viewer"], "ops": "operations"}',
      },
    ).oidc!.roleMap;
    expect(json).toEqual({ 'cn=risk,ou=groups,dc=bank': ['validator', 'viewer'], ops: ['operations'] });
  });

  it('takes group names that an object already knows (constructor, toString) like any other', () => {
    const env = { ...base, WARDEN_OIDC_JWKS_FILE: 'j.json' };
    const pairs = loadConfig({}, { ...env, WARDEN_OIDC_ROLE_MAP: 'constructor=mlops,toString=viewer' }).oidc!;
    expect(pairs.roleMap).toEqual({ constructor: ['mlops'], toString: ['viewer'] });
    expect(Object.hasOwn(pairs.roleMap!, 'constructor')).toBe(true);
    const json = loadConfig({}, { ...env, WARDEN_OIDC_ROLE_MAP: '{"hasOwnProperty": "auditor"}' }).oidc!;
    expect(json.roleMap).toEqual({ hasOwnProperty: ['auditor'] });
    for (const map of ['__proto__=admin', '{"__proto__": ["admin"]}'])
      expect(() => loadConfig({}, { ...env, WARDEN_OIDC_ROLE_MAP: map })).toThrow(/"__proto__"/);
  });
});

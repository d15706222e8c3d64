import path from 'node:path';
import { z } from 'zod';
import { ROLES } from '../auth/roles.js';
import { invalidInput } from '../core/errors.js';
import { parseOutboundAllowList } from '../core/outbound-url.js';

/** Where the identity provider sends the browser back after dashboard sign-in. */
export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An identity-provider URL Warden fetches from: https, or plain http on the loopback interface only. */
export function isSecureProviderUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/**
 * JWT bearer authentication from an OpenID Connect identity provider. Absent unless an issuer is
 * configured; opaque `wdn_` tokens work either way.
 */
const oidcSchema = z
  .object({
    /** The `iss` every token must carry, exactly as the identity provider writes it. */
    issuer: z.string().min(1),
    /** A token's `aud` must name at least one of these. */
    audience: z.array(z.string().min(1)).min(1, 'name at least one audience'),
    /**
     * Where the provider publishes its signing keys; fetched when needed and cached, refetched for an
     * unknown key id. Without it (and without a file) it is read from the issuer's
     * `/.well-known/openid-configuration`.
     */
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** A JWKS document on disk instead (air-gapped installs); re-read when the file changes. */
    jwksFile: z.string().min(1).optional(),
    /** The claim naming the caller; audit entries show it as `oidc:<value>`. */
    principalClaim: z.string().min(1),
    /** The claim holding roles or groups: an array of strings or one space-separated string. */
    rolesClaim: z.string().min(1),
    /**
     * Identity-provider group → Warden roles. When present, only the groups listed give roles;
     * when absent, claim values that name Warden roles are taken as they are.
     */
    roleMap: z.record(z.string().min(1), z.array(z.enum(ROLES)).min(1)).optional(),
    /** Least time between two key fetches caused by an unknown key id (keeps a flood of forged kids off the provider). */
    jwksCooldownSeconds: z
      .number()
      .min(1, 'must be >= 1: a token with an unknown key id may fetch the keys at most that often')
      .max(3600),
    /**
     * Dashboard sign-in through the provider (authorization code flow with PKCE): the client id
     * Warden is registered under. Without it the dashboard offers token sign-in only.
     */
    clientId: z.string().min(1).optional(),
    /** The client secret (confidential clients); sent to the token endpoint with HTTP Basic. */
    clientSecret: z.string().min(1).optional(),
    /** The callback URL registered at the provider; by default this server's origin + `/auth/oidc/callback`. */
    redirectUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** The provider's name on the sign-in button ("Sign in with …"); by default the issuer's host. */
    providerName: z.string().min(1).max(60).optional(),
    /** The authorization and token endpoints; by default read from the issuer's discovery document. */
    authorizationUrl: z.url({ protocol: /^https?$/ }).optional(),
    tokenUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((o, ctx) => {
    for (const field of ['authorizationUrl', 'tokenUrl'] as const) {
      const value = o[field];
      if (value !== undefined && URL.canParse(value) && !isSecureProviderUrl(new URL(value)))
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'must use https (plain http only on the loopback interface)',
        });
    }
    if (o.redirectUrl !== undefined && URL.canParse(o.redirectUrl)) {
      if (!new URL(o.redirectUrl).pathname.endsWith(OIDC_CALLBACK_PATH))
        ctx.addIssue({
          code: 'custom',
          path: ['redirectUrl'],
          message: `must end with ${OIDC_CALLBACK_PATH}`,
        });
    }
    for (const field of ['clientSecret', 'redirectUrl', 'authorizationUrl', 'tokenUrl'] as const) {
      if (o[field] !== undefined && o.clientId === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'is set but WARDEN_OIDC_CLIENT_ID is not (dashboard sign-in needs a client id)',
        });
    }
    if (o.jwksUrl !== undefined && o.jwksFile !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwksUrl'],
        message: 'set at most one of WARDEN_OIDC_JWKS_URL and WARDEN_OIDC_JWKS_FILE',
      });
    }
    const fetched: Array<['jwksUrl' | 'issuer', string]> =
      o.jwksUrl !== undefined
        ? [['jwksUrl', o.jwksUrl]]
        : o.jwksFile === undefined
          ? [['issuer', o.issuer]]
          : [];
    for (const [field, value] of fetched) {
      if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
        if (field === 'issuer')
          ctx.addIssue({
            code: 'custom',
            path: ['issuer'],
            message: 'must be an https URL to discover the signing keys from (or set a JWKS URL or file)',
          });
        continue;
      }
      if (!isSecureProviderUrl(new URL(value))) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'must use https (plain http only on the loopback interface)',
        });
      }
    }
  });

export type OidcConfig = z.infer<typeof oidcSchema>;

/**
 * Server and store configuration, parsed once at start-up from flags and environment.
 * Flags win over environment variables; every setting has a default that works out of the box.
 */
const configSchema = z.object({
  /** Folder for the SQLite file, artifacts and the audit signing key. */
  dataDir: z.string().min(1),
  /** postgres://… to use PostgreSQL instead of the embedded SQLite file. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  /** A signed audit checkpoint is written every this many entries. */
  auditCheckpointEvery: z.number().int().min(1),
  /** Largest JSON request body accepted, in bytes. */
  maxJsonBytes: z.number().int().min(1024),
  /** Largest artifact or attachment upload accepted, in bytes. */
  maxUploadBytes: z.number().int().min(1024),
  /** Ed25519 private key (PKCS#8 PEM) for audit checkpoints; when absent, a key file in dataDir is used. */
  auditSigningKey: z.string().optional(),
  /** Origin line of the audit log's signed tree heads (C2SP checkpoints), e.g. `warden.bank.example/audit`. */
  auditOrigin: z
    .string()
    .regex(/^[^\s+]+$/, 'must be one word without spaces or "+" (e.g. warden.bank.example/audit)'),
  /** Seconds between signed tree heads while the log grows (also signed on demand). */
  auditTreeHeadSeconds: z.number().int().min(1),
  /** A folder (another disk or mount) where each signed tree head is appended, never overwritten. */
  auditWitnessDir: z.string().min(1).optional(),
  /** A URL each signed tree head is POSTed to (text/plain), e.g. an external witness. */
  auditWitnessUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Refused requests are counted in memory and written as one audit entry per caller, route and minute, this often. */
  denialFlushSeconds: z.number().int().min(1).max(3600),
  /** Requests without a valid token one client address may make per minute before 429 (0 = no limit). */
  anonymousRequestsPerMinute: z.number().int().min(0),
  /** SQLite durability: `full` (default) syncs at every commit; `normal` is faster and may lose the last commits on power loss. */
  sqliteSynchronous: z.enum(['full', 'normal']),
  /** Base64 of 32 bytes that encrypts webhook secrets at rest; when absent, a key file in dataDir is used. */
  secretsKey: z.string().optional(),
  /** Extra origins allowed to send writes from a browser (the server's own origin always is). */
  allowedOrigins: z.array(z.string()),
  /** `report` stores personal-data findings on the object; `reject` refuses the write instead. */
  piiMode: z.enum(['report', 'reject']),
  /**
   * How far ahead of this server's clock an inference record's timestamp may be, in milliseconds
   * (`WARDEN_MAX_CLOCK_SKEW`: seconds, or a number with `ms`, `s`, `m` or `h`; default 5 minutes).
   * Records further ahead are refused naming the record.
   */
  maxClockSkewMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3_600_000),
  /** Risk tier of models registered through the MLflow-compatible API (`WARDEN_MLFLOW_DEFAULT_TIER`). */
  mlflowDefaultTier: z.number().int().min(1).max(4),
  /**
   * Internal hosts, addresses or CIDR ranges outbound webhooks may reach (`WARDEN_WEBHOOK_ALLOW`);
   * loopback, link-local and private addresses are refused unless named here.
   */
  webhookAllow: z.array(z.string()).superRefine((entries, ctx) => {
    try {
      parseOutboundAllowList(entries);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  /**
   * How many models (first by name) carry their own `model` label on `/metrics`; the others are
   * summed under `model="_other"`, so a registry of thousands of models cannot flood the scraper.
   */
  metricsModelLabels: z.number().int().min(0),
  /**
   * Where artifacts live: a folder (path or file:// URL; several servers may share a mount) or
   * S3-compatible object storage, `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true`
   * (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Default: `<dataDir>/artifacts`.
   */
  artifactStore: z.string().min(1).optional(),
  /** JWT bearer tokens from an OIDC identity provider; off when absent. */
  oidc: oidcSchema.optional(),
});

export type Config = z.infer<typeof configSchema>;

export interface ConfigFlags {
  dataDir?: string;
  databaseUrl?: string;
  host?: string;
  port?: string | number;
  oidcIssuer?: string;
  oidcAudience?: string;
  oidcJwksUrl?: string;
  oidcJwksFile?: string;
  oidcPrincipalClaim?: string;
  oidcRolesClaim?: string;
  oidcRoleMap?: string;
}

function envNumber(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw invalidInput(`${name} must be a number, got "${raw}"`, name);
  return value;
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration variable: plain seconds (`300`) or a number with a unit (`500ms`, `90s`, `5m`, `1h`). */
function envDurationMs(name: string, fallbackMs: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(raw);
  if (!match)
    throw invalidInput(`${name} must be seconds or a duration such as 90s, 5m or 1h, got "${raw}"`, name);
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[(match[2] ?? 's').toLowerCase()]!);
}

/**
 * Reads `group=role,group=role` (a group may repeat to give several roles) or, for group names
 * holding `,` or `=` (LDAP DNs), a JSON object `{"group": "role" | ["role", …]}`.
 */
function parseRoleMap(raw: string): Record<string, string[]> {
  // A Map, so group names an object already has (`constructor`, `toString`) are plain keys.
  const groups = new Map<string, string[]>();
  const add = (group: string, role: string) => {
    if (group === '__proto__')
      throw invalidInput('WARDEN_OIDC_ROLE_MAP cannot map a group named "__proto__"', 'oidc.roleMap');
    groups.set(group, [...(groups.get(group) ?? []), role]);
  };
  if (raw.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw invalidInput('WARDEN_OIDC_ROLE_MAP is not valid JSON', 'oidc.roleMap');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidInput('WARDEN_OIDC_ROLE_MAP as JSON must be an object of group → role(s)', 'oidc.roleMap');
    }
    for (const [group, roles] of Object.entries(parsed as Record<string, unknown>)) {
      for (const role of Array.isArray(roles) ? roles : [roles]) add(group, String(role));
    }
    return Object.fromEntries(groups);
  }
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    if (at <= 0 || at === entry.length - 1) {
      throw invalidInput(
        `WARDEN_OIDC_ROLE_MAP entry "${entry}" must read group=role (e.g. ml-platform=mlops)`,
        'oidc.roleMap',
      );
    }
    add(entry.slice(0, at).trim(), entry.slice(at + 1).trim());
  }
  return Object.fromEntries(groups);
}

function oidcCandidate(flags: ConfigFlags, env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const issuer = pick(flags.oidcIssuer, 'WARDEN_OIDC_ISSUER');
  if (issuer === undefined) {
    const stray = Object.keys(env).find((k) => k.startsWith('WARDEN_OIDC_') && env[k]);
    if (stray) throw invalidInput(`${stray} is set but WARDEN_OIDC_ISSUER is not`, 'oidc.issuer');
    return undefined;
  }
  const roleMap = pick(flags.oidcRoleMap, 'WARDEN_OIDC_ROLE_MAP');
  const jwksFile = pick(flags.oidcJwksFile, 'WARDEN_OIDC_JWKS_FILE');
  return {
    issuer,
    audience: (pick(flags.oidcAudience, 'WARDEN_OIDC_AUDIENCE') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    jwksUrl: pick(flags.oidcJwksUrl, 'WARDEN_OIDC_JWKS_URL'),
    jwksFile: jwksFile === undefined ? undefined : path.resolve(jwksFile),
    principalClaim: pick(flags.oidcPrincipalClaim, 'WARDEN_OIDC_PRINCIPAL_CLAIM') ?? 'sub',
    rolesClaim: pick(flags.oidcRolesClaim, 'WARDEN_OIDC_ROLES_CLAIM') ?? 'roles',
    roleMap: roleMap === undefined ? undefined : parseRoleMap(roleMap),
    jwksCooldownSeconds: envNumber('WARDEN_OIDC_JWKS_COOLDOWN_SECONDS', 30, env),
    clientId: env.WARDEN_OIDC_CLIENT_ID || undefined,
    clientSecret: env.WARDEN_OIDC_CLIENT_SECRET || undefined,
    redirectUrl: env.WARDEN_OIDC_REDIRECT_URL || undefined,
    providerName: env.WARDEN_OIDC_PROVIDER_NAME || undefined,
    authorizationUrl: env.WARDEN_OIDC_AUTHORIZATION_URL || undefined,
    tokenUrl: env.WARDEN_OIDC_TOKEN_URL || undefined,
  };
}

/** Builds the configuration from command-line flags and WARDEN_* environment variables. */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const candidate = {
    dataDir: path.resolve(flags.dataDir ?? env.WARDEN_DATA_DIR ?? './warden-data'),
    databaseUrl: flags.databaseUrl ?? (env.WARDEN_DATABASE_URL || undefined),
    host: flags.host ?? env.WARDEN_HOST ?? '127.0.0.1',
    port: Number(flags.port ?? env.WARDEN_PORT ?? 8080),
    auditCheckpointEvery: envNumber('WARDEN_AUDIT_CHECKPOINT_EVERY', 1000),
    maxJsonBytes: envNumber('WARDEN_MAX_JSON_BYTES', 16 * 1024 * 1024),
    maxUploadBytes: envNumber('WARDEN_MAX_UPLOAD_BYTES', 10 * 1024 * 1024 * 1024),
    auditSigningKey: env.WARDEN_AUDIT_SIGNING_KEY || undefined,
    auditOrigin: env.WARDEN_AUDIT_ORIGIN || 'warden/audit',
    auditTreeHeadSeconds: envNumber('WARDEN_AUDIT_TREE_HEAD_SECONDS', 60, env),
    auditWitnessDir: env.WARDEN_AUDIT_WITNESS_DIR ? path.resolve(env.WARDEN_AUDIT_WITNESS_DIR) : undefined,
    auditWitnessUrl: env.WARDEN_AUDIT_WITNESS_URL || undefined,
    denialFlushSeconds: envNumber('WARDEN_DENIAL_FLUSH_SECONDS', 60, env),
    anonymousRequestsPerMinute: envNumber('WARDEN_ANONYMOUS_REQUESTS_PER_MINUTE', 120, env),
    secretsKey: env.WARDEN_SECRETS_KEY || undefined,
    sqliteSynchronous: (env.WARDEN_SQLITE_SYNCHRONOUS || 'full').toLowerCase(),
    allowedOrigins: (env.WARDEN_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    piiMode: env.WARDEN_PII_MODE ?? 'report',
    maxClockSkewMs: envDurationMs('WARDEN_MAX_CLOCK_SKEW', 5 * 60_000, env),
    mlflowDefaultTier: envNumber('WARDEN_MLFLOW_DEFAULT_TIER', 3, env),
    webhookAllow: (env.WARDEN_WEBHOOK_ALLOW ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    metricsModelLabels: envNumber('WARDEN_METRICS_MODEL_LABELS', 100, env),
    artifactStore: env.WARDEN_ARTIFACT_STORE || undefined,
    oidc: oidcCandidate(flags, env),
  };
  const parsed = configSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw invalidInput(`configuration: ${field}: ${issue.message}`, field);
  }
  return parsed.data;
}

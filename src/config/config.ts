import path from 'node:path';
import { z } from 'zod';
import { invalidInput } from '../core/errors.js';

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
  /** Extra origins allowed to send writes from a browser (the server's own origin always is). */
  allowedOrigins: z.array(z.string()),
  /** `report` stores personal-data findings on the object; `reject` refuses the write instead. */
  piiMode: z.enum(['report', 'reject']),
});

export type Config = z.infer<typeof configSchema>;

export interface ConfigFlags {
  dataDir?: string;
  databaseUrl?: string;
  host?: string;
  port?: string | number;
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw invalidInput(`${name} must be a number, got "${raw}"`, name);
  return value;
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
    allowedOrigins: (env.WARDEN_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    piiMode: env.WARDEN_PII_MODE ?? 'report',
  };
  const parsed = configSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw invalidInput(`configuration: ${field}: ${issue.message}`, field);
  }
  return parsed.data;
}

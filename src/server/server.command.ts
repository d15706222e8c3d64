import type { Command } from 'commander';
import { createAuditLog } from '../audit/audit.service.js';
import { loadAuditSigner } from '../audit/audit-signer.js';
import { issueToken } from '../auth/token.service.js';
import { loadConfig, type ConfigFlags } from '../config/config.js';
import { openStore } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { checkArtifactStoreIdentity, openArtifactStore } from '../registry/artifact-store-identity.js';
import { startServer } from './server.js';

interface StoreFlags {
  dataDir?: string;
  databaseUrl?: string;
}

/** Adds --data-dir and --database-url, the two ways to name a store. */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data-dir <dir>',
      'folder for the embedded store, artifacts and keys (default ./warden-data or $WARDEN_DATA_DIR)',
    )
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded store (or $WARDEN_DATABASE_URL)');
}

export function registerServerCommands(program: Command): void {
  withStoreOptions(program.command('init'))
    .description('create or upgrade the store and print a new admin token (last line of output)')
    .option('--principal <name>', 'principal the admin token is issued to', 'admin')
    .action(async (flags: StoreFlags & { principal: string }) => {
      const config = loadConfig(flags);
      const store = openStore(config);
      try {
        const report = await migrateToLatest(store);
        const artifacts = openArtifactStore(config);
        const storeId = await checkArtifactStoreIdentity(store.db, artifacts, new Date());
        const signer = loadAuditSigner(config.dataDir, config.auditSigningKey, config.auditOrigin);
        const audit = createAuditLog(store, signer, { checkpointEvery: config.auditCheckpointEvery });
        const token = await store.db
          .transaction()
          .execute((trx) =>
            issueToken(
              trx,
              audit,
              { principal: flags.principal, roles: ['admin'] },
              { actor: 'warden-init', requestId: null, now: new Date() },
            ),
          );
        process.stdout.write(
          `store ready at ${store.location} (${report.applied.length} migration(s) applied, ${report.alreadyApplied} already present)\n`,
        );
        process.stdout.write(`artifact store ${storeId} at ${artifacts.location}\n`);
        process.stdout.write(
          `admin token for "${flags.principal}" (shown once; keep it secret):\n${token.token}\n`,
        );
      } finally {
        await store.close();
      }
    });

  withStoreOptions(program.command('serve'))
    .description('serve the API (browsable documentation at /docs) and run the scheduled jobs')
    .option('--port <port>', 'port (default 8080 or $WARDEN_PORT)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1 or $WARDEN_HOST)')
    .option('--oidc-issuer <url>', 'accept JWTs from this OIDC issuer (or $WARDEN_OIDC_ISSUER)')
    .option('--oidc-audience <aud>', 'required JWT audience, comma-separated (or $WARDEN_OIDC_AUDIENCE)')
    .option('--oidc-jwks-url <url>', 'the issuer’s JWKS URL (or $WARDEN_OIDC_JWKS_URL)')
    .option('--oidc-jwks-file <file>', 'a local JWKS file instead (or $WARDEN_OIDC_JWKS_FILE)')
    .option(
      '--oidc-principal-claim <claim>',
      'claim naming the caller (default sub, or $WARDEN_OIDC_PRINCIPAL_CLAIM)',
    )
    .option(
      '--oidc-roles-claim <claim>',
      'claim holding roles or groups (default roles, or $WARDEN_OIDC_ROLES_CLAIM)',
    )
    .option('--oidc-role-map <map>', 'group=role,… from provider groups to roles (or $WARDEN_OIDC_ROLE_MAP)')
    .action(async (flags: ConfigFlags) => {
      const config = loadConfig(flags);
      const server = await startServer(config);
      process.stdout.write(`warden listening on ${server.url} (store: ${server.ctx.store.location})\n`);
      if (config.oidc) process.stdout.write(`accepting JWTs from ${config.oidc.issuer}\n`);
      const anyToken = await server.ctx.db.selectFrom('api_tokens').select('id').limit(1).executeTakeFirst();
      if (!anyToken) {
        process.stdout.write(
          'no API token exists yet: run `npm run -s warden -- init` (same store flags) to get an admin token\n',
        );
      }
      const stop = () => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

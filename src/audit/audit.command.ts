import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { ApiClient, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { loadConfig } from '../config/config.js';
import { invalidInput, WardenError } from '../core/errors.js';
import { openRowReader } from '../db/row-reader.js';
import type { SignedHead } from './audit-chain.js';
import { verifyAuditChain } from './audit-verify.js';
import { readAuditPublicKey } from './audit-signer.js';
import { readWitnessDir } from './audit-witness.js';

function readTrustedKeys(files: string[]): string[] {
  return files.map((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw invalidInput(`--trusted-key: cannot read ${file}: ${(error as Error).message}`, '--trusted-key');
    }
    try {
      const key = createPublicKey(text);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
      return key.export({ type: 'spki', format: 'pem' }).toString();
    } catch (error) {
      throw invalidInput(
        `--trusted-key: ${file} is not an Ed25519 public key PEM: ${(error as Error).message}`,
        '--trusted-key',
      );
    }
  });
}

function readHeadFile(file: string): SignedHead {
  try {
    const head = JSON.parse(fs.readFileSync(file, 'utf8')) as SignedHead;
    if (
      typeof head.seq !== 'number' ||
      typeof head.hash !== 'string' ||
      typeof head.signature !== 'string' ||
      typeof head.publicKey !== 'string'
    ) {
      throw new Error('needs seq, hash, signature and publicKey');
    }
    return head;
  } catch (error) {
    throw invalidInput(
      `--expect-head: ${file} is not a signed head: ${(error as Error).message}`,
      '--expect-head',
    );
  }
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');

  withClientOptions(audit.command('list'))
    .description('list audit entries, newest first')
    .option('--subject <subject>', 'e.g. model:credit-default')
    .option('--actor <principal>')
    .option('--action <action>')
    .option('--from <iso>')
    .option('--to <iso>')
    .option('--limit <n>', 'page size', '50')
    .action(async (o: ClientOptions & Record<string, string | undefined>) => {
      const page = await new ApiClient(o).get<{ items: Array<Record<string, unknown>> }>('/api/v1/audit', {
        subject: o.subject,
        actor: o.actor,
        action: o.action,
        from: o.from,
        to: o.to,
        limit: o.limit,
      });
      if (o.json) return printJson(page);
      printTable(page.items, ['seq', 'at', 'actor', 'action', 'subject']);
    });

  withClientOptions(audit.command('head'))
    .description('print the latest signed head (JSON) for anchoring elsewhere')
    .action(async (o: ClientOptions) => {
      printJson(await new ApiClient(o).get('/api/v1/audit/head'));
    });

  audit
    .command('public-key')
    .description(
      'print the PEM public key that signs tree heads and evidence packs (online, or offline with --data-dir)',
    )
    .option('--url <url>', 'server URL (default $WARDEN_URL)')
    .option('--token <token>', 'API token (default $WARDEN_TOKEN)')
    .option('--data-dir <dir>', 'read the key file of this data folder instead of asking a server')
    .option('--database-url <url>', 'with --data-dir: the store is in PostgreSQL')
    .action(async (o: ClientOptions & { dataDir?: string; databaseUrl?: string }) => {
      if (o.dataDir !== undefined || o.databaseUrl !== undefined) {
        const config = loadConfig(o);
        const store = await openRowReader(config);
        await store.close();
        process.stdout.write(readAuditPublicKey(config.dataDir, config.auditSigningKey));
        return;
      }
      process.stdout.write(await (await new ApiClient(o).raw('GET', '/api/v1/audit/public-key')).text());
    });

  audit
    .command('verify')
    .description('recompute the whole chain from the store (offline); exit 0 when intact')
    .option('--data-dir <dir>', 'embedded store folder (default ./warden-data)')
    .option('--database-url <url>', 'PostgreSQL URL')
    .option(
      '--expect-head <file>',
      'a signed head saved earlier (warden audit head > head.json); the log must still reach it',
    )
    .option(
      '--trusted-key <file>',
      'a PEM public key kept outside Warden (warden audit public-key); only checkpoints it signed are accepted (repeatable; or $WARDEN_AUDIT_TRUSTED_KEYS, comma-separated files)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--witness <dir>',
      'a witness folder (WARDEN_AUDIT_WITNESS_DIR of the server): the log must still hold every tree it saw',
    )
    .option('--json', 'print the report as JSON')
    .action(
      async (o: {
        dataDir?: string;
        databaseUrl?: string;
        expectHead?: string;
        json?: boolean;
        trustedKey: string[];
        witness?: string;
      }) => {
        const config = loadConfig(o);
        const expectHead = o.expectHead ? readHeadFile(o.expectHead) : undefined;
        const keyFiles =
          o.trustedKey.length > 0
            ? o.trustedKey
            : (process.env.WARDEN_AUDIT_TRUSTED_KEYS ?? '')
                .split(',')
                .map((f) => f.trim())
                .filter(Boolean);
        const trustedPublicKeys = readTrustedKeys(keyFiles);
        let witnessed;
        try {
          witnessed = o.witness ? readWitnessDir(o.witness) : undefined;
        } catch (error) {
          throw invalidInput(`--witness: ${(error as Error).message}`, '--witness');
        }
        // Opens an existing store read-only: verifying never creates, migrates or writes one.
        const store = await openRowReader(config);
        try {
          const started = process.hrtime.bigint();
          const report = await verifyAuditChain(store, {
            ...(expectHead ? { expectHead } : {}),
            ...(trustedPublicKeys.length > 0 ? { trustedPublicKeys } : {}),
            ...(witnessed ? { witnessed } : {}),
            parallel: {
              store: { dataDir: config.dataDir, databaseUrl: config.databaseUrl },
              workers: availableParallelism(),
            },
          });
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          if (o.json) printJson({ ...report, seconds });
          else if (report.ok) process.stdout.write(`${report.message} (${seconds.toFixed(2)} s)\n`);
          if (report.ok && !report.authenticated && !o.json)
            process.stderr.write('warden: authenticity not established (no trusted key)\n');
          if (!report.ok) throw new WardenError('integrity_failure', `audit chain broken: ${report.message}`);
        } finally {
          await store.close();
        }
      },
    );
}

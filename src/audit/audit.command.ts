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
import { createWitness, readWitnessDir } from './audit-witness.js';
import {
  checkConsistencyProof,
  checkInclusionProof,
  readCheckpointText,
  type ConsistencyProof,
  type InclusionProof,
  type ProofReport,
} from './audit-offline-proofs.js';
import { rotateAuditKey } from './audit-rotation.js';
import { auditKeyFile, loadAuditSigner } from './audit-signer.js';
import { openStore } from '../db/database.js';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';

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

/** Reads a file (`-` for stdin) or refuses naming the option. */
function readInput(file: string, option: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw invalidInput(`${option}: cannot read ${file}: ${(error as Error).message}`, option);
  }
}

function readJsonInput<T>(file: string, option: string): T {
  try {
    return JSON.parse(readInput(file, option)) as T;
  } catch (error) {
    if (error instanceof WardenError) throw error;
    throw invalidInput(`${option}: ${file} is not JSON: ${(error as Error).message}`, option);
  }
}

function readCheckpointFile(file: string, option: string) {
  try {
    return readCheckpointText(readInput(file, option));
  } catch (error) {
    if (error instanceof WardenError) throw error;
    throw invalidInput(`${option}: ${file} is not a signed checkpoint: ${(error as Error).message}`, option);
  }
}

function trustedKeysOf(files: string[]): string[] {
  return readTrustedKeys(
    files.length > 0
      ? files
      : (process.env.WARDEN_AUDIT_TRUSTED_KEYS ?? '')
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean),
  );
}

/** Prints a proof report; a failed check exits 6 naming what failed. */
function finishProof(report: ProofReport, json: boolean | undefined): void {
  if (json) printJson(report);
  else if (report.ok) process.stdout.write(`${report.message}\n`);
  if (report.ok && !report.authenticated && !json)
    process.stderr.write('warden: authenticity not established (no trusted key)\n');
  if (!report.ok) throw new WardenError('integrity_failure', `proof failed: ${report.message}`);
}

const repeatable = (value: string, previous: string[]) => [...previous, value];

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

  audit
    .command('prove')
    .description(
      'check offline that an entry is in the tree a signed checkpoint commits to (RFC 6962 inclusion proof); exit 6 when not',
    )
    .requiredOption(
      '--checkpoint <file>',
      'the signed checkpoint (GET /api/v1/audit/checkpoint, note or JSON)',
    )
    .requiredOption(
      '--proof <file>',
      'the inclusion proof JSON (GET /api/v1/audit/entries/{seq}/proof?treeSize=N; - for stdin)',
    )
    .option(
      '--entry <file>',
      'the entry JSON (GET /api/v1/audit/entries/{seq}): its bytes must hash to the leaf',
    )
    .option(
      '--trusted-key <file>',
      'a PEM public key the checkpoint must be signed by (repeatable)',
      repeatable,
      [],
    )
    .option('--json', 'print the report as JSON')
    .action(
      (o: { checkpoint: string; proof: string; entry?: string; trustedKey: string[]; json?: boolean }) => {
        const report = checkInclusionProof({
          checkpoint: readCheckpointFile(o.checkpoint, '--checkpoint'),
          proof: readJsonInput<InclusionProof>(o.proof, '--proof'),
          ...(o.entry ? { entry: readJsonInput<Record<string, unknown>>(o.entry, '--entry') } : {}),
          trustedPublicKeys: trustedKeysOf(o.trustedKey),
        });
        finishProof(report, o.json);
      },
    );

  audit
    .command('check-consistency')
    .description(
      'check offline that a newer signed checkpoint extends an older one (RFC 6962 consistency proof): the log was only appended to; exit 6 when not',
    )
    .requiredOption('--old <file>', 'the older signed checkpoint')
    .requiredOption('--new <file>', 'the newer signed checkpoint')
    .option(
      '--proof <file>',
      'the consistency proof JSON (GET /api/v1/audit/consistency?from=OLD&to=NEW); without it, asked of the server ($WARDEN_URL)',
    )
    .option('--url <url>', 'server URL to ask for the proof (default $WARDEN_URL)')
    .option('--token <token>', 'API token (default $WARDEN_TOKEN)')
    .option(
      '--trusted-key <file>',
      'a PEM public key both checkpoints must be signed by (repeatable)',
      repeatable,
      [],
    )
    .option('--json', 'print the report as JSON')
    .action(
      async (
        o: ClientOptions & { old: string; new: string; proof?: string; trustedKey: string[]; json?: boolean },
      ) => {
        const older = readCheckpointFile(o.old, '--old');
        const newer = readCheckpointFile(o.new, '--new');
        // The proof needs no trust: it either leads to both signed roots or it does not.
        const proof = o.proof
          ? readJsonInput<ConsistencyProof>(o.proof, '--proof')
          : await new ApiClient(o).request<ConsistencyProof>(
              'GET',
              `/api/v1/audit/consistency?from=${older.size}&to=${newer.size}`,
            );
        finishProof(
          checkConsistencyProof({ older, newer, proof, trustedPublicKeys: trustedKeysOf(o.trustedKey) }),
          o.json,
        );
      },
    );

  audit
    .command('rotate-key')
    .description(
      'retire the key that signs the audit log (offline, on the store): the old key signs a last tree head and a log entry naming the new key; the new key signs the tree holding it. Restart every server with the new key afterwards',
    )
    .option('--data-dir <dir>', 'embedded store folder (default ./warden-data)')
    .option('--database-url <url>', 'PostgreSQL URL')
    .option(
      '--new-key <file>',
      'the new Ed25519 private key (PEM); without it one is made and written as the data folder key file (the old file is kept beside it as retired)',
    )
    .option('--actor <name>', 'who rotates, as recorded in the log', process.env.USER ?? 'admin')
    .option('--reason <text>', 'why the key is rotated')
    .option('--json', 'print the result as JSON')
    .action(
      async (o: {
        dataDir?: string;
        databaseUrl?: string;
        newKey?: string;
        actor: string;
        reason?: string;
        json?: boolean;
      }) => {
        const config = loadConfig(o);
        const keyFile = auditKeyFile(config.dataDir);
        if (!config.auditSigningKey && !fs.existsSync(keyFile))
          throw invalidInput(
            `no audit signing key at ${keyFile} and WARDEN_AUDIT_SIGNING_KEY is not set`,
            '--data-dir',
          );
        if (config.auditSigningKey && !o.newKey)
          throw invalidInput(
            'the signing key comes from WARDEN_AUDIT_SIGNING_KEY: give --new-key FILE, the key the servers will be configured with',
            '--new-key',
          );
        const oldSigner = loadAuditSigner(config.dataDir, config.auditSigningKey, config.auditOrigin);
        let newKey;
        try {
          newKey = o.newKey
            ? createPrivateKey(readInput(o.newKey, '--new-key'))
            : generateKeyPairSync('ed25519').privateKey;
        } catch (error) {
          if (error instanceof WardenError) throw error;
          throw invalidInput(`--new-key: not a private key PEM: ${(error as Error).message}`, '--new-key');
        }
        if (newKey.asymmetricKeyType !== 'ed25519')
          throw invalidInput('--new-key: not an Ed25519 key', '--new-key');
        const store = openStore(config);
        try {
          const result = await rotateAuditKey(store, oldSigner, newKey, {
            actor: o.actor,
            ...(o.reason ? { reason: o.reason } : {}),
            checkpointEvery: config.auditCheckpointEvery,
            witness: createWitness({ dir: config.auditWitnessDir, url: config.auditWitnessUrl }),
          }).catch((error: Error) => {
            throw new WardenError('conflict', error.message);
          });
          if (!config.auditSigningKey && !o.newKey) {
            const retired = path.join(path.dirname(keyFile), `audit-signing-key.retired-${result.seq}.pem`);
            fs.renameSync(keyFile, retired);
            fs.writeFileSync(keyFile, newKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
              mode: 0o600,
              flag: 'wx',
            });
          }
          if (o.json) return printJson(result);
          process.stdout.write(
            `audit signing key rotated at entry ${result.seq}; new public key (keep it outside Warden):\n${result.newKey}\n`,
          );
        } finally {
          await store.close();
        }
      },
    );
}

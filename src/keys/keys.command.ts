import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ApiClient, seg, withClientOptions, type ClientOptions } from '../cli/client.js';
import { printJson, printTable } from '../cli/output.js';
import { invalidInput } from '../core/errors.js';
import type { SigningKey } from '../registry/signature.schema.js';
import { digestFile } from './file-digest.js';
import { generateSigningKeyPair, publicKeyFingerprint, signDigest } from './ed25519.js';

function readText(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw invalidInput(`${flag}: cannot read ${file}: ${(error as Error).message}`, flag);
  }
}

/** Writes a new file, refusing to replace one that exists (a key is never overwritten by accident). */
function writeNew(file: string, text: string, mode: number): void {
  try {
    fs.writeFileSync(file, text, { flag: 'wx', mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw invalidInput(
      code === 'EEXIST'
        ? `${file} already exists; choose another --out or --name`
        : `cannot write ${file}: ${(error as Error).message}`,
      '--out',
    );
  }
  fs.chmodSync(file, mode);
}

/** `warden keys generate|register|list|revoke` and `warden sign`. */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Ed25519 keys that sign artifacts');

  keys
    .command('generate')
    .description('create a key pair locally: <name>.private.pem (mode 0600) and <name>.public.pem')
    .requiredOption('--out <dir>', 'folder to write the two PEM files into (created if missing)')
    .option('--name <name>', 'file name stem', 'warden-signing')
    .option('--json', 'print the paths and fingerprint as JSON')
    .action((o: { out: string; name: string; json?: boolean }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(o.name))
        throw invalidInput('--name must be URL-safe', '--name');
      fs.mkdirSync(o.out, { recursive: true });
      const pair = generateSigningKeyPair();
      const privateKey = path.resolve(o.out, `${o.name}.private.pem`);
      const publicKey = path.resolve(o.out, `${o.name}.public.pem`);
      writeNew(privateKey, pair.privateKeyPem, 0o600);
      writeNew(publicKey, pair.publicKeyPem, 0o644);
      const fingerprint = publicKeyFingerprint(pair.publicKeyPem);
      if (o.json) return printJson({ privateKey, publicKey, fingerprint });
      process.stdout.write(
        `private key: ${privateKey} (keep it secret)\npublic key:  ${publicKey}\nfingerprint: ${fingerprint}\n`,
      );
    });

  withClientOptions(keys.command('register'))
    .description('register a public key with the server so signatures made with it can be verified')
    .requiredOption('--name <name>', 'name the key is known by')
    .requiredOption('--public-key <file>', 'SPKI PEM Ed25519 public key')
    .action(async (o: ClientOptions & { name: string; publicKey: string }) => {
      const key = await new ApiClient(o).request<SigningKey>('POST', '/api/v1/signing-keys', {
        name: o.name,
        publicKey: readText(o.publicKey, '--public-key'),
      });
      if (o.json) return printJson(key);
      process.stdout.write(`registered signing key ${key.name} (fingerprint ${key.fingerprint})\n`);
    });

  withClientOptions(keys.command('list'))
    .description('list registered signing keys')
    .action(async (o: ClientOptions) => {
      const page = await new ApiClient(o).get<{ items: SigningKey[] }>('/api/v1/signing-keys');
      if (o.json) return printJson(page);
      printTable(
        page.items.map((k) => ({ ...k, fingerprint: k.fingerprint.slice(0, 16) })),
        ['name', 'fingerprint', 'createdBy', 'createdAt', 'revokedAt'],
      );
    });

  withClientOptions(keys.command('revoke <name>'))
    .description('revoke a key: versions signed only by it stop being verified')
    .action(async (name: string, o: ClientOptions) => {
      const key = await new ApiClient(o).request<SigningKey>(
        'POST',
        `/api/v1/signing-keys/${seg(name)}/revoke`,
      );
      if (o.json) return printJson(key);
      process.stdout.write(`revoked signing key ${key.name} at ${key.revokedAt ?? ''}\n`);
    });

  program
    .command('sign')
    .description(
      'print the base64 Ed25519 signature of a file’s SHA-256 digest (the 64 hex characters, ASCII), offline',
    )
    .requiredOption('--key <file>', 'PKCS#8 PEM Ed25519 private key')
    .requiredOption('--file <file>', 'the artifact to sign')
    .option('--json', 'print {sha256, size, signature}')
    .action(async (o: { key: string; file: string; json?: boolean }) => {
      const privateKey = readText(o.key, '--key');
      if (!fs.existsSync(o.file)) throw invalidInput(`--file: ${o.file} does not exist`, '--file');
      const { sha256, size } = await digestFile(o.file);
      const signature = signDigest(privateKey, sha256);
      if (o.json) return printJson({ sha256, size, signature });
      process.stdout.write(`${signature}\n`);
    });
}
